-- Per run, organisation and account: the mapping review. What the ledger calls the account (its account text),
-- its spend and emissions, the account map's row (label, category, industry), how the run classified it (the
-- rule level, category, industry and factor of the largest part of its spend), the keyword rule its text matched,
-- whether text and map contradict each other, the spend that is unmapped (and whether it waits for activity
-- data), a suggestion for unknown accounts and conflicts, and the three largest suppliers.
with lines as (
    select * from line_emission
),

accounts as (
    select * from run_account
),

factors as (
    select
        factor_set_id,
        version,
        factor_code,
        factor_name,
        value as factor_value,
        numerator_unit || '/' || denominator_unit as factor_unit,
        region,
        factor_year
    from factor
    where gas = 'CO2e'
),

-- the region and factor year each set of the run priced with (a Defra set has a factor per year)
pricing as (
    select run_id, factor_set_id, factor_set_version, region, factor_year from run_pricing_set
),

per_account as (
    select
        run_id,
        organisation_id,
        account,
        sum(amount_sek) as spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as emissions_kg_co2e,
        count(*) as n_lines,
        coalesce(sum(amount_sek) filter (where rule_level = 'unmapped'), 0) as unmapped_spend_sek,
        coalesce(sum(amount_sek) filter (where rule_id = 'needs-activity-data'), 0) as needs_activity_data_sek,
        coalesce(sum(amount_sek) filter (where is_excluded), 0) as excluded_spend_sek,
        string_agg(distinct rule_level, ', ' order by rule_level) as rule_levels,
        string_agg(distinct rule_id, ', ' order by rule_id) filter (where rule_level = 'unmapped') as unmapped_reason
    from lines
    group by run_id, organisation_id, account
),

per_choice as (
    select
        run_id,
        organisation_id,
        account,
        rule_level,
        category_id,
        factor_set_id,
        factor_set_version,
        factor_code,
        max(exclusion_reason) as exclusion_reason,
        mode(supplier_sni_code) as supplier_sni_code,
        sum(abs(amount_sek)) as weight_sek
    from lines
    group by run_id, organisation_id, account, rule_level, category_id, factor_set_id, factor_set_version, factor_code
),

main as (
    select *
    from per_choice
    qualify row_number() over (
        partition by run_id, organisation_id, account
        order by weight_sek desc, rule_level, factor_code) = 1
),

supplier_spend as (
    select
        run_id,
        organisation_id,
        account,
        coalesce(supplier_name, supplier_org_number) as supplier,
        sum(amount_sek) as supplier_spend_sek
    from lines
    where coalesce(supplier_name, supplier_org_number) is not null
    group by run_id, organisation_id, account, coalesce(supplier_name, supplier_org_number)
    qualify row_number() over (
        partition by run_id, organisation_id, account order by supplier_spend_sek desc, supplier) <= 3
),

suppliers as (
    select
        run_id,
        organisation_id,
        account,
        string_agg(supplier, '; ' order by supplier_spend_sek desc, supplier) as largest_suppliers
    from supplier_spend
    group by all
),

final as (
    select
        p.run_id,
        p.organisation_id,
        p.account,
        a.account_name,
        p.spend_sek,
        p.emissions_kg_co2e,
        p.n_lines,
        a.map_prefix,
        a.map_label,
        a.map_category_id,
        a.map_industry_code,
        a.map_is_excluded,
        a.map_source,
        a.is_confirmed,
        m.rule_level,
        p.rule_levels,
        m.category_id,
        -- the industry of what was bought as the deciding rule says: the supplier's (NACE class of its SNI code)
        -- where the supplier's industry priced the account, else the ledger text's, else the map row's
        case when m.rule_level = 'excluded' then null
             when m.rule_level = 'supplier_industry' then left(m.supplier_sni_code, 4)
             else coalesce(a.text_industry_code, a.map_industry_code) end as industry_code,
        m.exclusion_reason,
        m.factor_set_id,
        m.factor_code,
        f.factor_name,
        f.factor_value,
        f.factor_unit,
        a.text_rule_id,
        a.is_conflict,
        p.unmapped_spend_sek,
        p.needs_activity_data_sek,
        p.excluded_spend_sek,
        p.unmapped_reason,
        a.suggested_rule_id,
        a.suggested_category_id,
        a.suggested_industry_code,
        a.suggested_factor_set_id,
        a.suggested_factor_code,
        a.suggested_exclusion_reason,
        s.largest_suppliers
    from per_account as p
    left join accounts as a
        on a.run_id = p.run_id and a.organisation_id = p.organisation_id and a.account = p.account
    left join main as m
        on m.run_id = p.run_id and m.organisation_id = p.organisation_id and m.account = p.account
    left join pricing as r
        on r.run_id = p.run_id and r.factor_set_id = m.factor_set_id and r.factor_set_version = m.factor_set_version
    left join factors as f
        on f.factor_set_id = m.factor_set_id and f.version = m.factor_set_version and f.factor_code = m.factor_code
       and (f.region is null or f.region is not distinct from r.region)
       and (f.factor_year is null or f.factor_year is not distinct from r.factor_year)
    left join suppliers as s
        on s.run_id = p.run_id and s.organisation_id = p.organisation_id and s.account = p.account
)

select * from final
