-- Each line's amounts, emissions and bounds: the line's amounts (`inputs`: int_line__inputs rows) times what its
-- input key decided (`keys`: int_line_keys__priced rows, the decision and its multipliers), with every column of
-- both. The formulas (docs/method.md; DESIGN.md section 5):
--   amount_sek        = amount x SEK per EUR / ledger currency per EUR (spend-year rates), to the öre
--   spend-based       emissions = amount_net x fx_rate x price_adjustment x factor; lower/upper = emissions x the
--                     key's spend_range multipliers
--   supplier-specific emissions = amount_net x fx_rate x factor; lower/upper = emissions x (1 -/+ the run's supplier
--                     factor uncertainty)
--   activity          the scope's emissions x the line's share: its net SEK / the scope's net SEK (else 1 / lines)
--   excluded          0
-- The view int_line__emissions is this over the line model; compute_run stores it with the keys materialised once.
create or replace macro emissions_of_lines(inputs, keys) as table
with joined as (
    select
        l.batch_id,
        l.source_row,
        l.fiscal_year,
        l.period,
        l.account,
        l.committee,
        l.cost_centre,
        l.project,
        l.supplier_name,
        l.supplier_org_number,
        l.amount,
        l.amount_net,
        l.amount_net_sek_exact,
        k.*,
        case
            when k.scope_net_sek > 0 then l.amount_net_sek_exact / k.scope_net_sek
            else 1.0 / k.scope_lines
        end as activity_share
    from query_table(inputs) as l
    inner join query_table(keys) as k on k.input_key = l.input_key
)
select
    batch_id,
    source_row,
    organisation_id,
    group_id,
    fiscal_year,
    period,
    account,
    committee,
    department,
    cost_centre,
    project,
    supplier_name,
    supplier_org_number,
    supplier_sni_code,
    industry_code,
    currency,
    amount as amount_ledger_currency,
    cast(round(cast(amount as double) * sek_per_eur / ledger_per_eur, 2) as decimal(18, 2)) as amount_sek,
    cast(round(amount_net_sek_exact, 2) as decimal(18, 2)) as amount_net_sek,
    is_excluded,
    exclusion_reason,
    is_intra_group,
    category_id,
    is_energy,
    scope3_category,
    rule_level,
    rule_id,
    method,
    activity_scope_id,
    activity_code,
    factor_set_id,
    factor_set_version,
    factor_code,
    factor_value,
    fx_rate,
    price_adjustment,
    cast(amount_net as double) * fx_rate as amount_in_factor_currency,
    cast(amount_net as double) * fx_rate * price_adjustment as real_amount,
    case
        when method_found = 'excluded' then 0.0
        when method_found = 'activity' then scope_kg_co2e * activity_share
        when method_found in ('spend', 'supplier_specific')
            then cast(amount_net as double) * fx_rate * price_adjustment * factor_value
    end as emissions_kg_co2e,
    case
        when method_found = 'excluded' then 0.0
        when method_found = 'activity' then scope_kg_co2 * activity_share
        when method_found = 'spend'
            then cast(amount_net as double) * fx_rate * price_adjustment * factor_kg_co2_per_unit
    end as emissions_kg_co2,
    case
        when method_found = 'activity' then scope_scope1_kg * activity_share
        when method_found in ('spend', 'supplier_specific') then 0.0
    end as emissions_scope1_kg_co2e,
    case
        when method_found = 'activity' then scope_scope2_kg * activity_share
        when method_found in ('spend', 'supplier_specific') then 0.0
    end as emissions_scope2_kg_co2e,
    case
        when method_found = 'activity' then scope_scope3_kg * activity_share
        when method_found in ('spend', 'supplier_specific')
            then cast(amount_net as double) * fx_rate * price_adjustment * factor_value
    end as emissions_scope3_kg_co2e,
    dq_score,
    case
        when method_found = 'activity' then scope_lower_kg * activity_share
        when method_found = 'spend'
            then cast(amount_net as double) * fx_rate * price_adjustment * factor_value * lower_multiplier
        when method_found = 'supplier_specific'
            then cast(amount_net as double) * fx_rate * factor_value * (1 - getvariable('supplier_factor_uncertainty'))
    end as emissions_lower_kg_co2e,
    case
        when method_found = 'activity' then scope_upper_kg * activity_share
        when method_found = 'spend'
            then cast(amount_net as double) * fx_rate * price_adjustment * factor_value * upper_multiplier
        when method_found = 'supplier_specific'
            then cast(amount_net as double) * fx_rate * factor_value * (1 + getvariable('supplier_factor_uncertainty'))
    end as emissions_upper_kg_co2e,
    decision_id
from joined
