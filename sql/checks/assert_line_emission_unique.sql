-- Every ledger line appears at most once in the run's results.
select batch_id, source_row, count(*) as n
from run_line_emission
where run_id = getvariable('run_id')
group by batch_id, source_row
having count(*) > 1
