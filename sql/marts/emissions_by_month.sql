-- Per run and month (YYYY-MM): spend and emissions.
with lines as (
    select * from line_emission where not is_excluded
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
