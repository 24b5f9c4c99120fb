-- Every year's shown run with its totals, chosen as pipeline.report_data.choose_run_id does: the
-- organisation's runs when $organisation_id is set; else a run over all organisations first, then a
-- top-level organisation's run; published before unpublished, then the newest.
with runs as (
    select * from run
    where status = 'complete'
      and ($organisation_id is null or organisation_id is not distinct from $organisation_id)
),

organisations as (
    select * from organisation
),

ranked as (
    select
        r.run_id,
        r.year,
        row_number() over (
            partition by r.year
            order by r.organisation_id is null desc, o.parent_organisation_id is null desc,
                     r.is_published desc, r.run_id desc
        ) as rank_in_year
    from runs as r
    left join organisations as o on o.organisation_id = r.organisation_id
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
