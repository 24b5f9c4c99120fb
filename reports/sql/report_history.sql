-- Every year's shown run with its totals, for runs of the same organisation scope as the report's run
-- ($organisation_id; null = runs over all organisations), so that years compare like with like:
-- the newest published run of a year, else its newest complete run.
with runs as (
    select * from run
    where status = 'complete'
      and organisation_id is not distinct from $organisation_id
),

ranked as (
    select
        run_id,
        year,
        row_number() over (partition by year order by is_published desc, run_id desc) as rank_in_year
    from runs
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
    where r.rank_in_year = 1
    order by r.year
)

select * from final
