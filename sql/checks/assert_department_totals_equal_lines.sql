-- Department totals equal line totals for the run (spend and emissions).
with by_department as (
    select
        sum(coalesce(spend_sek, 0) + coalesce(excluded_spend_sek, 0)) as spend,
        sum(emissions_kg_co2e) as emissions
    from emissions_by_department
    where run_id = getvariable('run_id')
),

-- the stored lines themselves (the mart sums them per organisation and decision first, run_line_total)
by_line as (
    select sum(amount_sek) as spend, coalesce(sum(emissions_kg_co2e), 0) as emissions
    from run_line
    where run_id = getvariable('run_id')
),

final as (
    select d.spend as department_spend, l.spend as line_spend, d.emissions as department_emissions,
           l.emissions as line_emissions
    from by_department as d, by_line as l
    where d.spend <> l.spend or abs(d.emissions - l.emissions) > 0.001 * greatest(1, abs(l.emissions))
)

select * from final
