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

-- The lines are summed once, per account, supplier and rule (one read of the lines and one ledger join); the rules,
-- choices and supplier shares are sums of those sums. Every step groups by run_id and no aggregate reads the lines
-- again (mode() or a distinct aggregate would), so a read of one run (where run_id = ?) filters the lines before the
-- ledger join, however many runs are stored.
by_supplier as (
    select
        run_id,
        organisation_id,
        account,
        coalesce(supplier_name, supplier_org_number) as supplier,
        rule_level,
        rule_id,
        category_id,
        factor_set_id,
        factor_set_version,
        factor_code,
        is_excluded,
        supplier_sni_code,
        exclusion_reason,
        sum(amount_sek) as spend_sek,
        sum(emissions_kg_co2e) as emissions_kg_co2e,
        sum(abs(amount_sek)) as weight_sek,
        count(*) as n_lines
    from lines
    group by all
),

-- per rule and SNI code (the suppliers summed)
by_rule_and_industry as (
    select
        run_id,
        organisation_id,
        account,
        rule_level,
        rule_id,
        category_id,
        factor_set_id,
        factor_set_version,
        factor_code,
        exclusion_reason,
        is_excluded,
        supplier_sni_code,
        sum(spend_sek) as spend_sek,
        sum(emissions_kg_co2e) as emissions_kg_co2e,
        sum(weight_sek) as weight_sek,
        sum(n_lines) as n_lines
    from by_supplier
    group by all
),

-- per rule: its sums, and the SNI code most of its lines have (a supplier-industry rule has one; on a tie the last
-- in alphabetical order)
by_rule as (
    select
        run_id,
        organisation_id,
        account,
        rule_level,
        rule_id,
        category_id,
        factor_set_id,
        factor_set_version,
        factor_code,
        exclusion_reason,
        arg_max(supplier_sni_code, struct_pack(n_lines, supplier_sni_code))
            filter (where supplier_sni_code is not null) as supplier_sni_code,
        sum(spend_sek) as spend_sek,
        sum(emissions_kg_co2e) as emissions_kg_co2e,
        sum(weight_sek) as weight_sek,
        cast(sum(n_lines) as bigint) as n_lines,
        coalesce(sum(spend_sek) filter (where is_excluded), 0) as excluded_spend_sek
    from by_rule_and_industry
    group by run_id, organisation_id, account, rule_level, rule_id, category_id, factor_set_id, factor_set_version,
             factor_code, exclusion_reason
),

-- per choice (rule level, category, factor, exclusion reason): its sums, and the SNI code of the rule with the
-- largest part of its spend (macro rule_rank)
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
        exclusion_reason,
        arg_min(supplier_sni_code, rule_rank(weight_sek, rule_id)) as supplier_sni_code,
        sum(weight_sek) as weight_sek,
        sum(spend_sek) as spend_sek,
        sum(emissions_kg_co2e) as emissions_kg_co2e,
        cast(sum(n_lines) as bigint) as n_lines,
        coalesce(sum(spend_sek) filter (where rule_level = 'unmapped'), 0) as unmapped_spend_sek,
        coalesce(sum(spend_sek) filter (where rule_id = 'needs-activity-data'), 0) as needs_activity_data_sek,
        sum(excluded_spend_sek) as excluded_spend_sek,
        list(rule_id) filter (where rule_level = 'unmapped') as unmapped_rule_ids
    from by_rule
    group by run_id, organisation_id, account, rule_level, category_id, factor_set_id, factor_set_version, factor_code,
             exclusion_reason
),

-- per account: the sums, and the choice with the largest part of the spend (macro choice_rank)
per_account as (
    select
        run_id,
        organisation_id,
        account,
        sum(spend_sek) as spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as emissions_kg_co2e,
        cast(sum(n_lines) as bigint) as n_lines,
        sum(unmapped_spend_sek) as unmapped_spend_sek,
        sum(needs_activity_data_sek) as needs_activity_data_sek,
        sum(excluded_spend_sek) as excluded_spend_sek,
        array_to_string(list_sort(list_distinct(list(rule_level))), ', ') as rule_levels,
        nullif(array_to_string(list_sort(list_distinct(flatten(list(unmapped_rule_ids)))), ', '), '')
            as unmapped_reason,
        arg_min(struct_pack(rule_level, category_id, factor_set_id, factor_set_version, factor_code, exclusion_reason,
                            supplier_sni_code),
                choice_rank(weight_sek, rule_level, factor_code, category_id, factor_set_id, factor_set_version,
                            exclusion_reason))
            as main
    from per_choice
    group by run_id, organisation_id, account
),

per_account_main as (
    select
        * exclude (main),
        main.rule_level,
        main.category_id,
        main.factor_set_id,
        main.factor_set_version,
        main.factor_code,
        main.exclusion_reason,
        main.supplier_sni_code
    from per_account
),

supplier_spend as (
    select
        run_id,
        organisation_id,
        account,
        supplier,
        sum(spend_sek) as supplier_spend_sek
    from by_supplier
    where supplier is not null
    group by run_id, organisation_id, account, supplier
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
        p.rule_level,
        p.rule_levels,
        p.category_id,
        -- the industry of what was bought as the deciding rule says: the supplier's (NACE class of its SNI code)
        -- where the supplier's industry priced the account, else the ledger text's, else the map row's
        case when p.rule_level = 'excluded' then null
             when p.rule_level = 'supplier_industry' then left(p.supplier_sni_code, 4)
             else coalesce(a.text_industry_code, a.map_industry_code) end as industry_code,
        p.exclusion_reason,
        p.factor_set_id,
        p.factor_code,
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
    from per_account_main as p
    left join accounts as a
        on a.run_id = p.run_id and a.organisation_id = p.organisation_id and a.account = p.account
    left join pricing as r
        on r.run_id = p.run_id and r.factor_set_id = p.factor_set_id and r.factor_set_version = p.factor_set_version
    left join factors as f
        on f.factor_set_id = p.factor_set_id and f.version = p.factor_set_version and f.factor_code = p.factor_code
       and (f.region is null or f.region is not distinct from r.region)
       and (f.factor_year is null or f.factor_year is not distinct from r.factor_year)
    left join suppliers as s
        on s.run_id = p.run_id and s.organisation_id = p.organisation_id and s.account = p.account
)

select * from final
