-- Per run: the headline figures.
with lines as (
    select * from line_emission
),

runs as (
    select * from run
),

totals as (
    select
        run_id,
        sum(amount_sek) as loaded_spend_sek,
        sum(amount_sek) filter (where not is_excluded) as total_spend_sek,
        sum(amount_sek) filter (where rule_level not in ('excluded', 'unmapped')) as mapped_spend_sek,
        coalesce(sum(amount_sek) filter (where is_excluded), 0) as excluded_spend_sek,
        coalesce(sum(amount_sek) filter (where rule_level = 'unmapped'), 0) as unmapped_spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as total_emissions_kg_co2e,
        coalesce(sum(emissions_kg_co2), 0) as total_emissions_kg_co2,
        coalesce(sum(emissions_lower_kg_co2e), 0) as emissions_lower_kg_co2e,
        coalesce(sum(emissions_upper_kg_co2e), 0) as emissions_upper_kg_co2e,
        count(*) as n_lines
    from lines
    group by run_id
),

final as (
    select
        r.run_id,
        r.year,
        r.factor_set_id,
        r.factor_set_version,
        r.mapping_id,
        r.mapping_version,
        r.is_published,
        t.* exclude (run_id)
    from runs as r
    left join totals as t on t.run_id = r.run_id
)

select * from final
