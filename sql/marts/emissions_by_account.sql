-- Per run, organisation and account: how it was classified, spend and emissions.
with lines as (
    select * from line_emission
),

final as (
    select
        run_id,
        organisation_id,
        account,
        mode(rule_level) as rule_level,
        mode(rule_id) as rule_id,
        mode(category_id) as category_id,
        mode(factor_code) as factor_code,
        mode(method) as method,
        max(exclusion_reason) as exclusion_reason,
        count(distinct rule_level) > 1 as has_several_rule_levels,
        sum(amount_sek) as spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as emissions_kg_co2e,
        count(*) as n_lines
    from lines
    group by run_id, organisation_id, account
)

select * from final
