-- Keyword rules (account prefix + a word in the line's description) and keyword exclusions,
-- keywords in lower case.
with rules as (
    select * from keyword_rule
),

exclusions as (
    select * from exclusion where lower(match_kind) = 'keyword'
),

final as (
    select
        'rule' as kind,
        rule_id,
        nullif(trim(account_prefix), '') as account_prefix,
        lower(keyword) as keyword,
        category_id,
        factor_set_id,
        factor_code,
        regexp_replace(industry_code, '[^0-9]', '', 'g') as industry_code,
        cast(null as varchar) as exclusion_reason
    from rules
    where trim(keyword) <> ''
    union all
    select
        'exclusion' as kind,
        exclusion_id as rule_id,
        cast(null as varchar) as account_prefix,
        lower(match_value) as keyword,
        cast(null as varchar) as category_id,
        cast(null as varchar) as factor_set_id,
        cast(null as varchar) as factor_code,
        cast(null as varchar) as industry_code,
        reason as exclusion_reason
    from exclusions
    where trim(match_value) <> ''
)

select * from final
