-- Per run: share of spend by rule level (what explains 100 % of loaded spend).
-- Reads the run's lines summed per organisation and decision (run_line_total, migration 0075).
with totals as (
    select * from run_line_total
),

per_level as (
    select
        run_id,
        rule_level,
        sum(amount_sek) as spend_sek,
        sum(abs_amount_sek) as gross_spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as emissions_kg_co2e,
        cast(sum(n_lines) as bigint) as n_lines
    from totals
    group by run_id, rule_level
),

final as (
    select
        *,
        spend_sek / nullif(sum(spend_sek) over (partition by run_id), 0) as share_of_spend
    from per_level
)

select * from final
