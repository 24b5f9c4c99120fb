-- Published (frozen) runs keep their results: the checksum stored when a run was published still matches
-- its line results (sql/intermediate/int_runs__checksummed). A run checks the published runs of its own year: the
-- only ones it could touch (it replaces earlier unpublished runs of that year and scope), so that a run's cost does
-- not grow with the years published before it. `klimatspend run --verify` (pipeline/engine/runs.py
-- verify_published_runs) checks every published run.
with published as (
    select run_id, results_checksum from run where is_published and year = getvariable('run_year')
),

current_sums as (
    select run_id, results_checksum as checksum_now
    from int_runs__checksummed
    where run_id in (select run_id from published)
),

final as (
    select p.run_id, p.results_checksum as checksum_at_publication, c.checksum_now
    from published as p
    left join current_sums as c on c.run_id = p.run_id
    where p.results_checksum is null
       or c.checksum_now is distinct from p.results_checksum
)

select * from final
