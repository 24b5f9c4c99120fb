-- Published (frozen) runs keep their results: the checksum stored when a run was published still matches its line
-- results (macro lines_checksum, as int_runs__checksummed stored it). A run checks the published runs of its own
-- year: the only ones it could touch (it replaces earlier unpublished runs of that year and scope), so that a run's
-- cost does not grow with the years published before it. `klimatspend run --verify` (pipeline/engine/runs.py
-- verify_published_runs) checks every published run.
with published as (
    select run_id, results_checksum from run where is_published and year = getvariable('run_year')
),

-- only the lines of those runs are read (filtered before the checksum: a filter on the checksums of every run
-- would compute them all, so a run would get slower with every run stored before it)
lines as (
    select * from run_line_emission where run_id in (select run_id from published)
),

current_sums as (
    select run_id, lines_checksum(lines) as checksum_now
    from lines
    group by run_id
),

final as (
    select p.run_id, p.results_checksum as checksum_at_publication, c.checksum_now
    from published as p
    left join current_sums as c on c.run_id = p.run_id
    where p.results_checksum is null
       or c.checksum_now is distinct from p.results_checksum
)

select * from final
