-- Each rule key (factor set, factor code, industry code of an account-map row, keyword rule, supplier rule, or a
-- supplier's SNI code) resolved to a factor of every set the run prices with. Precedence (docs/method.md):
--   1. the rule's own factor code, when it is a code of that set (an explicit code of the set wins);
--   2. the rule's industry code through the set's crosswalk (longest prefix);
--   3. the industry of the rule's factor code of another set, through the bridge, then the set's crosswalk.
-- A rule naming a code of the set that the set lacks is not bridged: it stays without a factor ('factor-missing').
with keys as (
    select * from int_factor_rules__keyed
),

sets as (
    select * from stg_pricing_sets
),

factors as (
    select * from stg_pricing_factors
),

industries as (
    select * from stg_run_industry_factors
),

final as (
    select
        s.role,
        s.factor_set_id,
        s.factor_set_version,
        k.rule_factor_set_id,
        k.rule_factor_code,
        k.rule_industry_code,
        -- the industry a line priced by this rule bought from (its own code, else the bridged one)
        coalesce(k.rule_industry_code, k.bridged_industry_code) as industry_code,
        coalesce(i.crosswalk_code, b.crosswalk_code) as crosswalk_code,
        coalesce(i.crosswalk_category_id, b.crosswalk_category_id) as crosswalk_category_id,
        coalesce(i.is_supplier_rule, b.is_supplier_rule, true) as is_supplier_rule,
        case
            when own.factor_code is not null then own.factor_code
            when i.factor_code is not null then i.factor_code
            when k.rule_factor_set_id is distinct from s.factor_set_id and k.rule_industry_code is null
                then b.factor_code
        end as factor_code,
        case
            when own.factor_code is not null then 'own_set'
            when i.factor_code is not null then 'industry'
            when k.rule_factor_set_id is distinct from s.factor_set_id and k.rule_industry_code is null
                 and b.factor_code is not null then 'bridged'
        end as resolution
    from keys as k
    cross join sets as s
    left join factors as own
        on own.factor_set_id = s.factor_set_id
       and own.factor_set_version = s.factor_set_version
       and k.rule_factor_set_id = s.factor_set_id
       and own.factor_code = k.rule_factor_code
    left join industries as i
        on i.factor_set_id = s.factor_set_id
       and i.factor_set_version = s.factor_set_version
       and i.industry_code = k.rule_industry_code
    left join industries as b
        on b.factor_set_id = s.factor_set_id
       and b.factor_set_version = s.factor_set_version
       and b.industry_code = k.bridged_industry_code
)

select * from final
