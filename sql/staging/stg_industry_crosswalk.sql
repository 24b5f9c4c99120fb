-- The industry crosswalk chosen for the run (SNI/NACE prefix -> factor code of the run's factor set).
with source as (
    select * from industry_crosswalk
),

final as (
    select
        regexp_replace(industry_code, '[^0-9]', '', 'g') as industry_code,
        industry_name,
        category_id,
        factor_set_id,
        factor_code
    from source
    where crosswalk_id = getvariable('crosswalk_id')
      and version = getvariable('crosswalk_version')
)

select * from final
