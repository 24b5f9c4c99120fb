-- Each published run (of `of_year`; every year when null) with the checksum stored when it was published, the checksum
-- of its line results now (macro lines_checksum), whether its stored sums per organisation and decision
-- (run_line_sum, what its totals are read from; migration 0085) are still the sums of its lines, and whether both
-- hold (`unchanged`). Only the lines of those runs are read,
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
),

-- the stored sums against the lines' sums (int_run_lines__summed sums the run being computed; these are every
-- published run's): a run with a differing organisation and decision is changed
stored_sums as (
    select * from run_line_sum where run_id in (select run_id from published)
),

summed_lines as (
    select
        run_id,
        organisation_id,
        decision_id,
        unnest(line_sums(run_line))
    from run_line
    where run_id in (select run_id from published)
    group by run_id, organisation_id, decision_id
),

sums_changed as (
    select distinct coalesce(s.run_id, l.run_id) as run_id
    from stored_sums as s
    full outer join summed_lines as l
        on l.run_id = s.run_id and l.organisation_id is not distinct from s.organisation_id
       and l.decision_id = s.decision_id
    where s.n_lines is distinct from l.n_lines
       or s.amount_sek is distinct from l.amount_sek
       or not sums_agree(s.emissions_kg_co2e, l.emissions_kg_co2e)
)

select
    p.run_id,
    p.run_year as year,
    p.organisation_id,
    p.published_at,
    p.results_checksum as checksum_at_publication,
    c.checksum_now,
    p.results_checksum is not null and c.checksum_now is not distinct from p.results_checksum
        and p.run_id not in (select run_id from sums_changed) as unchanged
from published as p
left join current_sums as c on c.run_id = p.run_id
