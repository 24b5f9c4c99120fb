-- Each distinct (organisation, account) of the run's lines with the row of its organisation's account
-- map whose prefix is the longest match (a text account, a UK expense type: the row of the whole text), and any explicit exclusion by account prefix (longest wins).
-- Classifying distinct accounts (thousands) instead of lines (millions) keeps the joins cheap.
with accounts as (
    select distinct organisation_id, account from stg_ledger_lines
),

organisations as (
    select organisation_id, mapping_id, mapping_version, account_is_text from stg_organisations
),

account_map as (
    select * from stg_account_map
),

account_exclusions as (
    select * from stg_exclusions where match_kind = 'account_prefix'
),

resolved as (
    select * from stg_run_factor_rules where role = 'run'
),

candidates as (
    select
        a.organisation_id,
        a.account,
        o.mapping_id,
        o.mapping_version,
        left(a.account, n.n) as account_prefix
    from accounts as a
    inner join organisations as o on o.organisation_id = a.organisation_id
    cross join lateral (select unnest(generate_series(1, length(a.account))) as n) as n
    -- an account that is a text (a UK expense type) matches a map row only as a whole: "Services" is no prefix
    -- of "Services Rendered By Other Organisations"
    where not o.account_is_text or n.n = length(a.account)
),

map_matches as (
    select
        c.organisation_id,
        c.account,
        m.* exclude (mapping_id, mapping_version)
    from candidates as c
    inner join account_map as m
        on m.mapping_id = c.mapping_id
       and m.mapping_version = c.mapping_version
       and m.account_prefix = c.account_prefix
    qualify row_number() over (partition by c.organisation_id, c.account order by m.prefix_length desc) = 1
),

exclusion_matches as (
    select
        c.organisation_id,
        c.account,
        e.exclusion_id,
        e.reason
    from candidates as c
    inner join account_exclusions as e on e.match_value = c.account_prefix
    qualify row_number() over (partition by c.organisation_id, c.account order by length(e.match_value) desc) = 1
),

final as (
    select
        a.organisation_id,
        a.account,
        m.account_prefix as matched_prefix,
        m.prefix_length,
        m.map_account_name,
        m.category_id,
        m.factor_set_id as map_factor_set_id,
        r.factor_code,
        r.industry_code,
        m.industry_code as map_industry_code,
        m.map_source,
        coalesce(m.is_confirmed, false) as is_confirmed,
        coalesce(m.scope3_category, 1) as scope3_category,
        m.account_prefix is not null as is_matched,
        r.factor_code is not null as has_factor,
        coalesce(m.is_excluded, false) or x.exclusion_id is not null as is_excluded,
        case
            when coalesce(m.is_excluded, false) then m.exclusion_reason
            when x.exclusion_id is not null then x.reason
        end as exclusion_reason,
        case
            when coalesce(m.is_excluded, false) then m.account_prefix
            when x.exclusion_id is not null then 'exclusion:' || x.exclusion_id
        end as exclusion_rule
    from accounts as a
    left join map_matches as m on m.organisation_id = a.organisation_id and m.account = a.account
    left join exclusion_matches as x on x.organisation_id = a.organisation_id and x.account = a.account
    -- the map row's factor in the run's set: its own code, its industry, or its code bridged (int_factor_rules__resolved)
    left join resolved as r
        on not coalesce(m.is_excluded, false)
       and r.rule_factor_set_id is not distinct from m.factor_set_id
       and r.rule_factor_code is not distinct from m.factor_code
       and r.rule_industry_code is not distinct from nullif(m.industry_code, '')
)

select * from final
