-- Per run and account: how it was classified, spend and emissions.
with lines as (
    select * from line_emission
),

final as (
    select
        run_id,
        account,
        max(rule_level) as rule_level,
        max(rule_id) as rule_id,
        max(category_id) as category_id,
        max(factor_code) as factor_code,
        max(exclusion_reason) as exclusion_reason,
        sum(amount_sek) as spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as emissions_kg_co2e,
        count(*) as n_lines
    from lines
    group by run_id, account
)

select * from final
