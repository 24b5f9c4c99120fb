-- Every loaded line of the run's year appears in the run's results (and nothing else does).
with expected as (
    select batch_id, source_row from stg_ledger_lines
),

actual as (
    select batch_id, source_row from run_line_emission where run_id = getvariable('run_id')
),

final as (
    select 'missing' as problem, * from (select * from expected except select * from actual)
    union all
    select 'unexpected' as problem, * from (select * from actual except select * from expected)
)

select * from final
