-- Per run and month (YYYY-MM): spend and emissions. run_line_emission carries each line's period (migration 0084):
-- no join with the ledger lines.
with lines as (
    select * from run_line_emission where not is_excluded
),

final as (
    select
        run_id,
        period,
        sum(amount_sek) as spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as emissions_kg_co2e,
        coalesce(sum(emissions_kg_co2e), 0) / 1000 as emissions_t_co2e
    from lines
    group by run_id, period
)

select * from final
