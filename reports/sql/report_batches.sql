-- The ledger files behind a run: rows and sums read, loaded and rejected, and what the run used of each.
-- Parameters: $run_id, $year. Lists every batch with lines in the run, plus the year's replaced or
-- deleted batches so that the reconciliation shows the whole history of the year.
with batches as (
    select * from ledger_batch
),

lines as (
    select * from line_emission where run_id = $run_id
),

in_run as (
    select
        batch_id,
        count(*) as lines_in_run,
        sum(amount_sek) as spend_in_run_sek
    from lines
    group by batch_id
),

final as (
    select
        b.batch_id,
        b.organisation_id,
        b.source_file_name,
        b.file_format,
        b.uploaded_at,
        b.uploaded_by,
        b.fiscal_year,
        b.period_start,
        b.period_end,
        b.status,
        b.rows_read,
        b.rows_loaded,
        b.rows_rejected,
        b.sum_read,
        b.sum_loaded,
        b.sum_rejected,
        b.rows_read = b.rows_loaded + b.rows_rejected as is_rows_reconciled,
        case
            when b.sum_read is null or b.sum_loaded is null then null
            else b.sum_read = b.sum_loaded + coalesce(b.sum_rejected, 0)
        end as is_sums_reconciled,
        coalesce(r.lines_in_run, 0) as lines_in_run,
        coalesce(r.spend_in_run_sek, 0) as spend_in_run_sek
    from batches as b
    left join in_run as r on r.batch_id = b.batch_id
    where r.batch_id is not null or b.fiscal_year = $year
    order by b.batch_id
)

select * from final
