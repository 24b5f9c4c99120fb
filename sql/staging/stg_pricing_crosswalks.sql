-- The industry crosswalk of every factor set the run prices with (NACE/SNI code -> the set's factor code).
with sets as (
    select * from stg_pricing_sets
),

source as (
    select * from industry_crosswalk
),

final as (
    select
        s.factor_set_id,
        s.factor_set_version,
        regexp_replace(x.industry_code, '[^0-9]', '', 'g') as industry_code,
        x.industry_name,
        x.category_id,
        x.factor_code,
        coalesce(x.is_supplier_rule, true) as is_supplier_rule
    from source as x
    inner join sets as s on s.crosswalk_id = x.crosswalk_id and s.crosswalk_version = x.version
    -- a row of another set's codes gives no factor of this set
    where x.factor_set_id is null or x.factor_set_id = s.factor_set_id
)

select * from final
