-- The factor sets the run prices with: its own (role 'run') and the alternatives of the sensitivity, each with
-- its region or factor year, price year, currency and industry crosswalk (recorded by the run in run_pricing_set).
with source as (
    select * from run_pricing_set
),

final as (
    select
        role,
        factor_set_id,
        factor_set_version,
        region,
        factor_year,
        base_year,
        upper(currency) as factor_currency,
        cpi_country(currency) as factor_cpi_country,
        coalesce(relative_uncertainty, 0.5) as relative_uncertainty,
        crosswalk_id,
        crosswalk_version
    from source
    where run_id = getvariable('run_id')
)

select * from final
