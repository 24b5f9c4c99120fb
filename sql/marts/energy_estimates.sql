-- Per run, organisation and kind of energy (electricity, heat, fuel: energy_kind of each line's industry; 'other'
-- for the energy category without an industry, e.g. water): what activity data cover, what is a spend-based
-- estimate (flagged: load kWh or litres to replace it) and what is still without an estimate. For fuels the
-- estimate covers the supply chain only: burning them (scope 1) is missing until litres are loaded.
with lines as (
    select * from run_line_emission where not is_excluded
),

energy_lines as (
    select
        *,
        coalesce(energy_kind(industry_code), 'other') as kind
    from lines
    where energy_kind(industry_code) is not null or category_id = 'energy'
),

final as (
    select
        run_id,
        organisation_id,
        kind as energy_kind,
        coalesce(sum(amount_sek) filter (where method = 'spend_fallback'), 0) as estimated_spend_sek,
        coalesce(sum(emissions_kg_co2e) filter (where method = 'spend_fallback'), 0) as estimated_emissions_kg_co2e,
        count(*) filter (where method = 'spend_fallback') as estimated_lines,
        coalesce(sum(amount_sek) filter (where method = 'activity'), 0) as activity_spend_sek,
        coalesce(sum(emissions_kg_co2e) filter (where method = 'activity'), 0) as activity_emissions_kg_co2e,
        coalesce(sum(amount_sek) filter (where rule_level = 'unmapped'), 0) as unestimated_spend_sek,
        kind = 'fuel' and coalesce(sum(amount_sek) filter (where method = 'spend_fallback'), 0) <> 0
            as is_combustion_missing
    from energy_lines
    group by run_id, organisation_id, kind
)

select * from final
