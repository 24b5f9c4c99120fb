-- Each distinct supplier of the run's lines (organisation, org number, name) with what decides it:
-- a supplier rule (by org number before name, the organisation's own rules before shared ones),
-- its industry from the supplier register mapped through the industry crosswalk (an organisation's
-- 'nace' supplier rule overrides the crosswalk), and whether it is excluded: an explicit exclusion,
-- a supplier rule that excludes, or the organisation's own org number (internal invoicing).
-- A supplier that is another member of the organisation's group is flagged intra-group.
with suppliers as (
    select distinct organisation_id, supplier_org_number, supplier_name
    from stg_ledger_lines
),

organisations as (
    select organisation_id, org_number, group_id from stg_organisations
),

group_members as (
    select * from stg_group_members
),

rules as (
    select * from stg_supplier_rules
),

register as (
    select * from stg_supplier_register
),

resolved as (
    select * from stg_run_factor_rules where role = 'run'
),

supplier_exclusions as (
    select * from stg_exclusions where match_kind = 'supplier_org_number'
),

rule_candidates as (
    select
        s.organisation_id,
        s.supplier_org_number,
        s.supplier_name,
        r.* exclude (organisation_id),
        r.organisation_id as rule_organisation_id,
        case r.match_kind when 'org_number' then 1 else 2 end as match_rank
    from suppliers as s
    inner join rules as r
        on (r.organisation_id is null or r.organisation_id = s.organisation_id)
       and ((r.match_kind = 'org_number' and r.match_value = s.supplier_org_number)
            or (r.match_kind = 'name' and r.match_value = lower(trim(s.supplier_name))))
),

rule_matches as (
    select c.* exclude (factor_code), x.factor_code, x.industry_code as rule_industry_code
    from rule_candidates as c
    left join resolved as x
        on c.factor_code is not null
       and x.rule_factor_set_id is not distinct from c.factor_set_id
       and x.rule_factor_code = c.factor_code
       and x.rule_industry_code is null
    where c.is_excluded
       or c.factor_value is not null
       or x.factor_code is not null
    qualify row_number() over (
        partition by organisation_id, supplier_org_number, supplier_name
        order by is_excluded desc, (rule_organisation_id is not null) desc, match_rank, rule_id) = 1
),

industries as (
    select
        s.organisation_id,
        s.supplier_org_number,
        s.supplier_name,
        g.sni_code
    from suppliers as s
    inner join register as g on g.org_number = s.supplier_org_number
    where g.sni_code <> ''
),

industry_candidates as (
    select
        i.organisation_id,
        i.supplier_org_number,
        i.supplier_name,
        i.sni_code,
        left(i.sni_code, n.n) as industry_prefix
    from industries as i
    cross join lateral (select unnest(generate_series(2, length(i.sni_code))) as n) as n
),

-- The crosswalk's longest matching code (int_industries__resolved via the rule key of the SNI code), and the
-- organisations' 'nace' supplier rules at every prefix of the code.
industry_rows as (
    select
        i.organisation_id,
        i.supplier_org_number,
        i.supplier_name,
        i.sni_code,
        x.crosswalk_code as industry_prefix,
        'crosswalk:' || x.crosswalk_code as industry_rule_id,
        x.crosswalk_category_id as category_id,
        x.factor_code,
        x.is_supplier_rule as is_usable,
        false as is_rule,
        false as is_own_rule
    from industries as i
    inner join resolved as x
        on x.rule_factor_set_id is null
       and x.rule_factor_code is null
       and x.rule_industry_code = i.sni_code
       and x.crosswalk_code is not null
    union all
    select
        c.*,
        r.rule_id as industry_rule_id,
        r.category_id,
        x.factor_code,
        true as is_usable,
        true as is_rule,
        r.organisation_id is not null as is_own_rule
    from industry_candidates as c
    inner join rules as r
        on r.match_kind = 'nace'
       and r.match_value = c.industry_prefix
       and (r.organisation_id is null or r.organisation_id = c.organisation_id)
    left join resolved as x
        on r.factor_code is not null
       and x.rule_factor_set_id is not distinct from r.factor_set_id
       and x.rule_factor_code = r.factor_code
       and x.rule_industry_code is null
),

-- The longest matching industry code decides; a row without a usable factor (e.g. electricity under USEEIO, or
-- public administration, which is no supplier rule) means "no supplier-industry factor" and the account map
-- decides, rather than falling back to a shorter code.
industry_best as (
    select *
    from industry_rows
    qualify row_number() over (
        partition by organisation_id, supplier_org_number, supplier_name
        order by length(industry_prefix) desc, is_rule desc, is_own_rule desc, industry_rule_id) = 1
),

industry_matches as (
    select
        organisation_id,
        supplier_org_number,
        supplier_name,
        sni_code,
        industry_rule_id,
        category_id as industry_category_id,
        factor_code as industry_factor_code
    from industry_best
    where factor_code is not null and is_usable
),

explicit_exclusions as (
    select
        s.organisation_id,
        s.supplier_org_number,
        s.supplier_name,
        min(e.exclusion_id) as exclusion_id,
        min(e.reason) as reason
    from suppliers as s
    inner join supplier_exclusions as e on e.match_value = s.supplier_org_number
    group by all
),

final as (
    select
        s.organisation_id,
        s.supplier_org_number,
        s.supplier_name,
        g.sni_code as supplier_sni_code,
        case
            when s.supplier_org_number = o.org_number then 'internal'
            when e.exclusion_id is not null then e.reason
            when r.is_excluded then coalesce(r.exclusion_reason, 'internal')
        end as exclusion_reason,
        case
            when s.supplier_org_number = o.org_number then 'own_org_number:' || o.org_number
            when e.exclusion_id is not null then 'exclusion:' || e.exclusion_id
            when r.is_excluded then 'supplier_rule:' || r.rule_id
        end as exclusion_rule,
        case when not coalesce(r.is_excluded, false) then r.rule_id end as supplier_rule_id,
        case when not coalesce(r.is_excluded, false) then r.category_id end as supplier_category_id,
        case when not coalesce(r.is_excluded, false) then r.factor_code end as supplier_factor_code,
        case when not coalesce(r.is_excluded, false) then r.rule_industry_code end as supplier_industry_code,
        case when not coalesce(r.is_excluded, false) then r.factor_value end as supplier_factor_value,
        case when not coalesce(r.is_excluded, false) then r.factor_currency end as supplier_factor_currency,
        i.industry_rule_id,
        i.industry_category_id,
        i.industry_factor_code,
        exists (
            select 1 from group_members as m
            where m.group_id = o.group_id
              and m.organisation_id <> s.organisation_id
              and m.org_number = s.supplier_org_number
        ) as is_intra_group
    from suppliers as s
    inner join organisations as o on o.organisation_id = s.organisation_id
    left join rule_matches as r
        on r.organisation_id is not distinct from s.organisation_id
       and r.supplier_org_number is not distinct from s.supplier_org_number
       and r.supplier_name is not distinct from s.supplier_name
    left join industries as g
        on g.organisation_id = s.organisation_id
       and g.supplier_org_number is not distinct from s.supplier_org_number
       and g.supplier_name is not distinct from s.supplier_name
    left join industry_matches as i
        on i.organisation_id = s.organisation_id
       and i.supplier_org_number is not distinct from s.supplier_org_number
       and i.supplier_name is not distinct from s.supplier_name
    left join explicit_exclusions as e
        on e.organisation_id = s.organisation_id
       and e.supplier_org_number is not distinct from s.supplier_org_number
       and e.supplier_name is not distinct from s.supplier_name
)

select * from final
