-- Per run and organisation: what explains 100 % of loaded spend, by rule level (and exclusion reason).
with lines as (
    select * from run_line_emission
),

per_level as (
    select
        run_id,
        organisation_id,
        rule_level,
        exclusion_reason,
        sum(amount_sek) as spend_sek,
        sum(abs(amount_sek)) as gross_spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as emissions_kg_co2e,
        count(*) as n_lines
    from lines
    group by run_id, organisation_id, rule_level, exclusion_reason
),

final as (
    select
        *,
        spend_sek / nullif(sum(spend_sek) over (partition by run_id, organisation_id), 0) as share_of_spend
    from per_level
)

select * from final
