-- Per run, organisation and account: how it was classified, spend and emissions. The classification shown (rule
-- level, rule, category, factor, method, and its exclusion reason) is the one most of the account's lines have
-- (on a tie the last in alphabetical order of level, rule, category, factor and method). The lines are summed per
-- classification first, then per account: every step groups by run_id, so a read of one run (where run_id = ?)
-- filters the lines before the ledger join (mode() would read the lines once more per column, and the filter would
-- then wait for the join of every stored run's lines).
with lines as (
    select * from line_emission
),

by_classification as (
    select
        run_id,
        organisation_id,
        account,
        rule_level,
        rule_id,
        category_id,
        factor_code,
        method,
        max(exclusion_reason) as exclusion_reason,
        sum(amount_sek) as spend_sek,
        sum(emissions_kg_co2e) as emissions_kg_co2e,
        count(*) as n_lines
    from lines
    group by run_id, organisation_id, account, rule_level, rule_id, category_id, factor_code, method
),

per_account as (
    select
        run_id,
        organisation_id,
        account,
        arg_max(struct_pack(rule_level, rule_id, category_id, factor_code, method, exclusion_reason),
                struct_pack(n_lines, rule_level, rule_id, category_id, factor_code, method)) as main,
        min(rule_level) <> max(rule_level) as has_several_rule_levels,
        sum(spend_sek) as spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as emissions_kg_co2e,
        cast(sum(n_lines) as bigint) as n_lines
    from by_classification
    group by run_id, organisation_id, account
),

final as (
    select
        run_id,
        organisation_id,
        account,
        main.rule_level,
        main.rule_id,
        main.category_id,
        main.factor_code,
        main.method,
        main.exclusion_reason,
        has_several_rule_levels,
        spend_sek,
        emissions_kg_co2e,
        n_lines
    from per_account
)

select * from final
