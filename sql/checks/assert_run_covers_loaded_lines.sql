-- Every loaded line of the run's year appears in the run's results (and nothing else does): one full join of the
-- loaded lines with the run's lines (a line whose decision is missing is not in run_line_emission: missing).
with expected as (
    select batch_id, source_row from stg_ledger_lines
),

actual as (
    select batch_id, source_row from run_line_emission where run_id = getvariable('run_id')
),

final as (
    select
        case when a.batch_id is null then 'missing' else 'unexpected' end as problem,
        coalesce(e.batch_id, a.batch_id) as batch_id,
        coalesce(e.source_row, a.source_row) as source_row
    from expected as e
    full outer join actual as a on a.batch_id = e.batch_id and a.source_row = e.source_row
    where a.batch_id is null or e.batch_id is null
)

select * from final
