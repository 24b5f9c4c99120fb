-- The account-map rows of every map a run organisation uses.
with source as (
    select * from account_map
),

maps as (
    select distinct mapping_id, mapping_version from stg_organisations
),

final as (
    select
        s.mapping_id,
        s.mapping_version,
        s.account_prefix,
        length(s.account_prefix) as prefix_length,
        s.account_name as map_account_name,
        s.category_id,
        s.factor_set_id,
        s.factor_code,
        regexp_replace(s.industry_code, '[^0-9]', '', 'g') as industry_code,
        coalesce(s.scope3_category, 1) as scope3_category,
        s.is_excluded,
        s.exclusion_reason,
        s.source as map_source,
        coalesce(starts_with(s.source, 'override:'), false) as is_confirmed
    from source as s
    inner join maps as m on m.mapping_id = s.mapping_id and m.mapping_version = s.mapping_version
)

select * from final
