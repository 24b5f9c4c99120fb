-- Each industry code the run's rules and suppliers name (NACE Rev. 2 / SNI 2007 / UK SIC 2007 digits), resolved in
-- every factor set the run prices with: the crosswalk row with the longest code that is a prefix of it decides.
-- A row without a factor of the set means "no factor" (a shorter code is not tried). The one home of the rule
-- "industry code -> the set's factor code" (docs/method.md, 'Which factor a rule gets').
with keys as (
    select * from int_factor_rules__keyed
),

industries as (
    select rule_industry_code as industry_code from keys where rule_industry_code is not null
    union
    select bridged_industry_code from keys where bridged_industry_code is not null
),

sets as (
    select * from stg_pricing_sets
),

crosswalks as (
    select * from stg_pricing_crosswalks
),

factors as (
    select * from stg_pricing_factors
),

candidates as (
    select
        s.role,
        s.factor_set_id,
        s.factor_set_version,
        i.industry_code,
        left(i.industry_code, n.n) as industry_prefix
    from industries as i
    cross join sets as s
    cross join lateral (select unnest(generate_series(2, length(i.industry_code))) as n) as n
),

matches as (
    select
        c.role,
        c.factor_set_id,
        c.factor_set_version,
        c.industry_code,
        x.industry_code as crosswalk_code,
        x.category_id,
        x.factor_code,
        x.is_supplier_rule
    from candidates as c
    inner join crosswalks as x
        on x.factor_set_id = c.factor_set_id
       and x.factor_set_version = c.factor_set_version
       and x.industry_code = c.industry_prefix
    qualify row_number() over (
        partition by c.factor_set_id, c.factor_set_version, c.industry_code order by length(x.industry_code) desc) = 1
),

final as (
    select
        m.role,
        m.factor_set_id,
        m.factor_set_version,
        m.industry_code,
        m.crosswalk_code,
        m.category_id as crosswalk_category_id,
        m.is_supplier_rule,
        case when f.factor_kg_co2e_per_unit is not null then m.factor_code end as factor_code
    from matches as m
    left join factors as f
        on f.factor_set_id = m.factor_set_id
       and f.factor_set_version = m.factor_set_version
       and f.factor_code = m.factor_code
)

select * from final
