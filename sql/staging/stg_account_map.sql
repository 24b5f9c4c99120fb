-- The account map chosen for the run.
with source as (
    select * from account_map
),

final as (
    select
        account_prefix,
        length(account_prefix) as prefix_length,
        account_name as map_account_name,
        category_id,
        factor_set_id,
        factor_code,
        coalesce(scope3_category, 1) as scope3_category,
        is_excluded,
        exclusion_reason
    from source
    where mapping_id = getvariable('mapping_id')
      and mapping_version = getvariable('mapping_version')
)

select * from final
