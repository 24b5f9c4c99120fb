-- Explicit exclusions by account prefix, counterparty or supplier org number (keywords: stg_keyword_rules).
with source as (
    select * from exclusion
),

final as (
    select
        exclusion_id,
        lower(match_kind) as match_kind,
        trim(match_value) as match_value,
        reason
    from source
    where lower(match_kind) in ('account_prefix', 'counterparty', 'supplier_org_number')
)

select * from final
