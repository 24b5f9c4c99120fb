-- Every ledger line appears at most once per run.
select run_id, batch_id, source_row, count(*) as n
from line_emission
group by run_id, batch_id, source_row
having count(*) > 1
