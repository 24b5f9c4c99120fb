-- Each distinct (account, description) of the run's lines whose description holds a keyword of a
-- keyword rule (restricted to an account prefix when the rule has one) or of a keyword exclusion.
-- The most specific rule wins: longest account prefix, then longest keyword. Keywords are matched
-- once per distinct description, not once per line.
with descriptions as (
    select distinct description, lower(description) as description_lower
    from stg_ledger_lines
    where description is not null
),

keywords as (
    select * from stg_keyword_rules
),

resolved as (
    select * from stg_run_factor_rules where role = 'run'
),

description_hits as (
    select d.description, k.*
    from descriptions as d
    inner join keywords as k on contains(d.description_lower, k.keyword)
),

line_keys as (
    select distinct l.account, l.description
    from stg_ledger_lines as l
    where l.description in (select description from description_hits)
),

hits as (
    select k.account, k.description, h.* exclude (description)
    from line_keys as k
    inner join description_hits as h
        on h.description = k.description
       and (h.account_prefix is null or starts_with(k.account, h.account_prefix))
),

rule_matches as (
    select h.* exclude (factor_code, industry_code), r.factor_code, r.industry_code
    from hits as h
    inner join resolved as r
        on r.rule_factor_set_id is not distinct from h.factor_set_id
       and r.rule_factor_code is not distinct from h.factor_code
       and r.rule_industry_code is not distinct from nullif(h.industry_code, '')
    where h.kind = 'rule'
      and r.factor_code is not null
    qualify row_number() over (
        partition by account, description
        order by length(coalesce(account_prefix, '')) desc, length(keyword) desc, rule_id) = 1
),

exclusion_matches as (
    select *
    from hits
    where kind = 'exclusion'
    qualify row_number() over (partition by account, description order by length(keyword) desc, rule_id) = 1
),

keys as (
    select account, description from rule_matches
    union
    select account, description from exclusion_matches
),

final as (
    select
        k.account,
        k.description,
        r.rule_id as keyword_rule_id,
        r.keyword as keyword,
        r.category_id as keyword_category_id,
        r.factor_code as keyword_factor_code,
        r.industry_code as keyword_industry_code,
        x.exclusion_reason as keyword_exclusion_reason,
        case when x.rule_id is not null then 'exclusion:' || x.rule_id end as keyword_exclusion_rule
    from keys as k
    left join rule_matches as r on r.account = k.account and r.description = k.description
    left join exclusion_matches as x on x.account = k.account and x.description = k.description
)

select * from final
