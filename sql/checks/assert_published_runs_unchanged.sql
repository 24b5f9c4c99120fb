-- Published (frozen) runs keep their results: the checksum stored when a run was published still matches its line
-- results (macro published_runs_verified). A run checks the published runs of its own year: the only ones it could
-- touch (it replaces earlier unpublished runs of that year and scope), so that a run's cost does not grow with the
-- years published before it. `klimatspend run --verify` (pipeline/engine/runs.py verify_published_runs) checks
-- every published run.
with verified as (
    select * from published_runs_verified(getvariable('run_year'))
),

final as (
    select run_id, checksum_at_publication, checksum_now
    from verified
    where not unchanged
)

select * from final
