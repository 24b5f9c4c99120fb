-- Every year's shown run with its totals, for runs of the same organisation scope as the report's run
-- ($organisation_id; null = runs over all organisations), so that years compare like with like.
-- Which run counts for a year is decided once, in sql/intermediate/int_runs__ranked.sql.
with ranked as (
    select * from int_runs__ranked
    where organisation_id is not distinct from $organisation_id
      and rank_in_scope = 1
),

totals as (
    select * from run_totals
),

final as (
    select
        r.year,
        r.run_id,
        t.total_emissions_kg_co2e,
        t.emissions_lower_kg_co2e,
        t.emissions_upper_kg_co2e,
        t.total_spend_sek
    from ranked as r
    inner join totals as t on t.run_id = r.run_id
    order by r.year
)

select * from final
