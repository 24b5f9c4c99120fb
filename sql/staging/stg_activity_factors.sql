-- Activity factors of the run's activity-factor release, one row per code, unit, year, component and gas.
with source as (
    select * from activity_factor
),

final as (
    select
        activity_code,
        activity_name,
        year as factor_year,
        component,
        ghg_scope,
        scope3_category,
        gas,
        value,
        denominator_unit,
        coalesce(relative_uncertainty, 0.5) as relative_uncertainty,
        source,
        source_ref
    from source
    where activity_factor_set_id = getvariable('activity_factor_set_id')
      and version = getvariable('activity_factor_version')
)

select * from final
