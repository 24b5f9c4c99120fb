-- Every complete run ranked within its year and organisation scope (organisation_id; null = a run over all
-- organisations): the newest published run first, then the newest run. This is the one rule for which run
-- counts for a year; pipeline/engine/runs.py (shown_run_id, same_scope_run_id, covering_runs) reads it,
-- and the report's history (reports/sql/report_history.sql) too.
with runs as (
    select * from run
    where status = 'complete'
),

organisations as (
    select * from organisation
),

final as (
    select
        r.run_id,
        r.year,
        r.organisation_id,
        r.is_published,
        r.organisation_id is null as is_all_organisations,
        o.parent_organisation_id is null as is_top_level,
        row_number() over (
            partition by r.year, r.organisation_id order by r.is_published desc, r.run_id desc
        ) as rank_in_scope
    from runs as r
    left join organisations as o on o.organisation_id = r.organisation_id
)

select * from final
