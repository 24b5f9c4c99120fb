-- The bridge from a factor code of one set to the industry (NACE) whose product it is; newest version of each
-- bridge (emission_factors/crosswalks/useeio_nace2).
with source as (
    select * from factor_industry
),

final as (
    select
        factor_set_id,
        factor_code_prefix,
        regexp_replace(industry_code, '[^0-9]', '', 'g') as industry_code
    from source
    qualify dense_rank() over (
        partition by crosswalk_id order by try_cast(string_split(version, '.') as int[]) desc nulls last) = 1
)

select * from final
