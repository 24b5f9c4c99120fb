-- Every distinct rule key the run's classification may price: (factor set, factor code, industry code) of the
-- account-map rows, keyword rules, the keyword table over ledger texts and supplier rules in use, and the SNI code of each supplier in the run's
-- lines, with the industry of a code of another set found through the bridge (longest code prefix wins).
with account_rules as (
    select distinct factor_set_id, factor_code, nullif(industry_code, '') as industry_code
    from stg_account_map
    where not is_excluded
),

keyword_rules as (
    select distinct factor_set_id, factor_code, nullif(industry_code, '') as industry_code
    from stg_keyword_rules
    where kind = 'rule'
),

text_rules as (
    select distinct factor_set_id, factor_code, nullif(industry_code, '') as industry_code
    from stg_text_rules
    where not is_excluded
),

supplier_rules as (
    select distinct factor_set_id, factor_code, cast(null as varchar) as industry_code
    from stg_supplier_rules
    where factor_code is not null and not coalesce(is_excluded, false)
),

supplier_industries as (
    select distinct cast(null as varchar) as factor_set_id, cast(null as varchar) as factor_code, g.sni_code as industry_code
    from stg_supplier_register as g
    inner join (select distinct supplier_org_number from stg_ledger_lines) as l on l.supplier_org_number = g.org_number
    where g.sni_code <> ''
),

rule_keys as (
    select * from account_rules
    union
    select * from keyword_rules
    union
    select * from text_rules
    union
    select * from supplier_rules
    union
    select * from supplier_industries
),

bridge as (
    select * from stg_factor_industry
),

bridged as (
    select
        k.factor_set_id,
        k.factor_code,
        b.industry_code
    from (select distinct factor_set_id, factor_code from rule_keys where factor_code is not null) as k
    inner join bridge as b on b.factor_set_id = k.factor_set_id and starts_with(k.factor_code, b.factor_code_prefix)
    qualify row_number() over (
        partition by k.factor_set_id, k.factor_code order by length(b.factor_code_prefix) desc) = 1
),

final as (
    select
        k.factor_set_id as rule_factor_set_id,
        k.factor_code as rule_factor_code,
        k.industry_code as rule_industry_code,
        b.industry_code as bridged_industry_code
    from rule_keys as k
    left join bridged as b on b.factor_set_id = k.factor_set_id and b.factor_code = k.factor_code
)

select * from final
