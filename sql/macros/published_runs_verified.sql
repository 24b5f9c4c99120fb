-- Each published run (of `of_year`; every year when null) with the checksum stored when it was published, the checksum
-- of its line results now (macro lines_checksum) and whether they agree. Only the lines of those runs are read,
-- filtered before the checksum: a filter on the checksums of every run would compute them all, so that a run would
-- get slower with every run stored before it. Read by sql/checks/assert_published_runs_unchanged (the run's year)
-- and by `klimatspend run --verify` (pipeline/engine/runs.py verify_published_runs: every year).
create or replace macro published_runs_verified(of_year) as table
with published as (
    select run_id, year as run_year, organisation_id, published_at, results_checksum
    from run
    where is_published and (of_year is null or year = of_year)
),

lines as (
    select * from run_line_emission where run_id in (select run_id from published)
),

current_sums as (
    select run_id, lines_checksum(lines) as checksum_now
    from lines
    group by run_id
)

select
    p.run_id,
    p.run_year as year,
    p.organisation_id,
    p.published_at,
    p.results_checksum as checksum_at_publication,
    c.checksum_now,
    p.results_checksum is not null and c.checksum_now is not distinct from p.results_checksum as unchanged
from published as p
left join current_sums as c on c.run_id = p.run_id
