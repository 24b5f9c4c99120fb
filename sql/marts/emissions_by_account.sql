-- Per run, organisation and account: how it was classified, spend and emissions. When its lines were classified
-- in several ways, the classification shown (rule level, category, factor, exclusion reason) is the one with the
-- largest part of its spend (macro choice_rank, shared with mapping_review), and its rule and method are those of
-- the rule with the largest part of that (macro rule_rank). The lines are summed per rule first, then per
-- classification and per account: every step groups by run_id, so a read of one run (where run_id = ?) filters the
-- lines before the ledger join (mode() would read the lines once more per column, and the filter would then wait
-- for the join of every stored run's lines).
with lines as (
    select * from line_emission
),

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
        method,
        sum(amount_sek) as spend_sek,
        sum(emissions_kg_co2e) as emissions_kg_co2e,
        sum(abs(amount_sek)) as weight_sek,
        count(*) as n_lines
    from lines
    group by all
),

by_choice as (
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
        arg_min(struct_pack(rule_id, method), rule_rank(weight_sek, rule_id)) as main_rule,
        sum(spend_sek) as spend_sek,
        sum(emissions_kg_co2e) as emissions_kg_co2e,
        sum(weight_sek) as weight_sek,
        sum(n_lines) as n_lines
    from by_rule
    group by run_id, organisation_id, account, rule_level, category_id, factor_set_id, factor_set_version, factor_code,
             exclusion_reason
),

per_account as (
    select
        run_id,
        organisation_id,
        account,
        arg_min(struct_pack(rule_level, rule_id := main_rule.rule_id, category_id, factor_set_id,
                            factor_set_version, factor_code, method := main_rule.method, exclusion_reason),
                choice_rank(weight_sek, rule_level, factor_code, category_id, factor_set_id, factor_set_version,
                            exclusion_reason)) as main,
        min(rule_level) <> max(rule_level) as has_several_rule_levels,
        sum(spend_sek) as spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as emissions_kg_co2e,
        cast(sum(n_lines) as bigint) as n_lines
    from by_choice
    group by run_id, organisation_id, account
),

-- the factor's product or industry name, so that a reader sees what the account was priced as, not a code
factor_names as (
    select * from stg_factor_names
),

final as (
    select
        a.run_id,
        a.organisation_id,
        a.account,
        a.main.rule_level,
        a.main.rule_id,
        a.main.category_id,
        a.main.factor_set_id,
        a.main.factor_set_version,
        a.main.factor_code,
        n.factor_name,
        a.main.method,
        a.main.exclusion_reason,
        a.has_several_rule_levels,
        a.spend_sek,
        a.emissions_kg_co2e,
        a.n_lines
    from per_account as a
    left join factor_names as n
        on n.factor_set_id = a.main.factor_set_id
       and n.factor_set_version = a.main.factor_set_version
       and n.factor_code = a.main.factor_code
)

select * from final
