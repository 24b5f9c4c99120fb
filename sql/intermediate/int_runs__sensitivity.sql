-- The run's figures per organisation and category with the same purchases priced by each alternative factor set
-- of the run (stg_pricing_sets, role 'alternative'): spend-priced lines with an industry code are priced again
-- through the alternative's crosswalk (net spend x its factor x its price conversion); every other line (activity
-- data, supplier-specific factors, lines the alternative has no factor for) keeps the run's figure. Computed over
-- the stored lines of the run grouped by organisation, category, currency and industry, never stored per line.
with lines as (
    select * from run_line_emission where run_id = getvariable('run_id')
),

sets as (
    select * from stg_pricing_sets where role = 'alternative'
),

alternatives as (
    select * from int_alternatives__per_unit
),

grouped as (
    select
        organisation_id,
        category_id,
        currency,
        industry_code,
        method in ('spend', 'spend_fallback') and industry_code is not null as is_spend_priced,
        rule_level not in ('excluded', 'unmapped') as is_priced,
        sum(emissions_kg_co2e) as run_kg_co2e,
        -- net spend in the ledger currency: real_amount = amount_net x fx_rate x price_adjustment
        sum(real_amount / (fx_rate * price_adjustment))
            filter (where method in ('spend', 'spend_fallback')) as amount_net_ledger_currency,
        sum(amount_net_sek) as amount_net_sek
    from lines
    where not is_excluded and category_id is not null
    group by all
),

repriced as (
    select
        s.factor_set_id,
        s.factor_set_version,
        s.region,
        g.organisation_id,
        g.category_id,
        g.run_kg_co2e,
        g.is_priced,
        g.amount_net_sek,
        g.is_spend_priced and a.kg_co2e_per_ledger_unit is not null as is_repriced,
        case when g.is_spend_priced and a.kg_co2e_per_ledger_unit is not null
             then g.amount_net_ledger_currency * a.kg_co2e_per_ledger_unit
             else g.run_kg_co2e
        end as alternative_kg_co2e
    from grouped as g
    cross join sets as s
    left join alternatives as a
        on a.factor_set_id = s.factor_set_id
       and a.factor_set_version = s.factor_set_version
       and a.industry_code = g.industry_code
       and a.currency = g.currency
),

final as (
    select
        organisation_id,
        category_id,
        factor_set_id,
        factor_set_version,
        any_value(region) as region,
        coalesce(sum(run_kg_co2e), 0) as run_emissions_kg_co2e,
        coalesce(sum(alternative_kg_co2e), 0) as emissions_kg_co2e,
        coalesce(sum(amount_net_sek) filter (where is_repriced), 0) as repriced_spend_sek,
        coalesce(sum(amount_net_sek) filter (where is_priced and not is_repriced), 0) as kept_spend_sek
    from repriced
    group by organisation_id, category_id, factor_set_id, factor_set_version
)

select * from final
