-- Activity rows (measured kWh, litres, km ...) of live activity batches for the run's year and organisations.
with batches as (
    select activity_batch_id from activity_batch where status = 'loaded'
),

rows as (
    select * from activity_data
),

organisations as (
    select organisation_id from stg_organisations
),

final as (
    select
        r.activity_batch_id,
        r.source_row,
        r.organisation_id,
        r.year,
        nullif(trim(r.account_prefix), '') as account_prefix,
        nullif(trim(r.category_id), '') as category_id,
        nullif(trim(r.department), '') as department,
        r.activity_code,
        r.quantity,
        r.unit,
        r.quantity_as_given,
        r.unit_as_given,
        r.factor_kg_co2e_per_unit,
        r.factor_source
    from rows as r
    inner join batches as b on b.activity_batch_id = r.activity_batch_id
    inner join organisations as o on o.organisation_id = r.organisation_id
    where r.year = getvariable('run_year')
)

select * from final
