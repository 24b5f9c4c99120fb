-- Accepted ledger lines of live batches for the run year (and organisation, when the run has one).
with batches as (
    select batch_id, amounts_include_vat
    from ledger_batch
    where status = 'loaded'
),

lines as (
    select * from ledger_line
),

final as (
    select
        l.batch_id,
        l.source_row,
        l.organisation_id,
        l.fiscal_year,
        l.period,
        l.posting_date,
        l.account,
        l.account_name,
        l.committee,
        l.department,
        l.cost_centre,
        l.activity,
        l.project,
        l.counterparty,
        l.supplier_name,
        l.supplier_org_number,
        l.description,
        l.amount,
        upper(l.currency) as currency,
        l.vat_amount,
        b.amounts_include_vat
    from lines as l
    inner join batches as b on b.batch_id = l.batch_id
    where l.fiscal_year = getvariable('run_year')
      and (getvariable('run_organisation_id') is null or l.organisation_id = getvariable('run_organisation_id'))
)

select * from final
