-- The factor set version chosen for the run, with the country whose CPI deflates its currency.
with source as (
    select * from factor_set
),

final as (
    select
        factor_set_id,
        version as factor_set_version,
        base_year,
        upper(currency) as factor_currency,
        cpi_country(currency) as factor_cpi_country,
        coalesce(relative_uncertainty, 0.5) as relative_uncertainty,
        coalesce(price_basis, 'purchaser') as price_basis
    from source
    where factor_set_id = getvariable('factor_set_id')
      and version = getvariable('factor_set_version')
)

select * from final
