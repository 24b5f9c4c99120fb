-- The pricing decision of each distinct line input (int_line_keys__classified), with its provenance, and the
-- multipliers that turn a line's amounts into its emissions (macro emissions_of_lines; DESIGN.md section 5):
-- Spend-based (factor of the run's set, kg CO2e per factor-currency unit at the set's price year):
--   amount_net        = amount, less VAT when the batch says amounts include VAT (the line's VAT amount,
--                       else the run's VAT rate: net = amount / (1 + rate))
--   real_amount       = amount_net x fx_rate x price_adjustment   (int_prices__by_set, stored per run: the run's convention,
--                       by default deflate with the ledger country's CPI, then convert at the price year's rates)
--   emissions_kg_co2e = real_amount x factor
--   lower, upper      = emissions x spend_range(set uncertainty, data quality, spread to the other sets)
-- Supplier-specific factor (kg CO2e per unit of its currency, spend-year prices): amount_net converted to that
-- currency at spend-year rates x factor; no inflation adjustment.
-- Activity data: the activity scope's emissions shared over the lines it covers in proportion to their net
-- SEK amount (credit notes take a negative share), replacing the spend-based estimate (no double counting).
-- Energy (electricity, heat, fuels: energy_kind of the line's industry, or the energy category) priced by spend is
-- an estimate (method spend_fallback, data quality 5) until activity data replace it.
with lines as materialized (
    select * from int_line_keys__classified
),

factor_set as (
    select * from stg_pricing_sets where role = 'run'
),

factors as (
    select * from stg_pricing_factors where role = 'run'
),

set_prices as (
    select * from stg_run_prices where role = 'run'
),

-- what the same net spend weighs under the run's alternative sets, per industry and currency (lowest and highest)
alternatives as (
    select
        industry_code,
        currency,
        min(kg_co2e_per_ledger_unit) as alt_min_kg_per_unit,
        max(kg_co2e_per_ledger_unit) as alt_max_kg_per_unit
    from int_alternatives__per_unit
    group by industry_code, currency
),

activity_scopes as (
    select * from int_activity__scopes
),

fx as (
    select * from stg_exchange_rates
),

-- Every rate and index a line needs depends only on its currency and (for a supplier-specific factor) the
-- supplier factor's currency: one small table, joined once per line.
price_keys as (
    select distinct l.currency, coalesce(r.factor_currency, '') as supplier_factor_currency
    from (select distinct currency from lines) as l
    cross join (select distinct factor_currency from stg_supplier_rules union select null) as r
),

fx_spend_year as (
    select currency, units_per_eur from fx where year = getvariable('run_year')
),

prices as materialized (
    select
        k.currency,
        k.supplier_factor_currency,
        fs.factor_set_id as run_factor_set_id,
        fs.factor_set_version as run_factor_set_version,
        fs.base_year,
        fs.factor_currency,
        fs.relative_uncertainty,
        fx_ledger.units_per_eur as ledger_per_eur,
        (select units_per_eur from fx_spend_year where currency = 'SEK') as sek_per_eur,
        fx_supplier.units_per_eur as supplier_per_eur,
        sp.fx_rate as set_fx_rate,
        sp.price_adjustment as set_price_adjustment
    from price_keys as k
    cross join factor_set as fs
    left join fx_spend_year as fx_ledger on fx_ledger.currency = k.currency
    left join fx_spend_year as fx_supplier on fx_supplier.currency = k.supplier_factor_currency
    left join set_prices as sp on sp.currency = k.currency
),

-- Activity scopes: which (organisation, account, category, department) each scope covers, most specific
-- scope first. Only organisations with activity data are looked at.
line_keys as (
    select distinct organisation_id, account, category_id, department
    from lines
    where not is_excluded
      and organisation_id in (select organisation_id from activity_scopes)
),

key_scopes as (
    select
        k.organisation_id,
        k.account,
        k.category_id,
        k.department,
        s.activity_scope_id
    from line_keys as k
    inner join activity_scopes as s
        on s.organisation_id = k.organisation_id
       and (s.account_prefix is null or starts_with(k.account, s.account_prefix))
       and (s.category_id is null or s.category_id = k.category_id)
       and (s.department is null or s.department = k.department)
    qualify row_number() over (
        partition by k.organisation_id, k.account, k.category_id, k.department
        order by (s.department is not null) desc, (s.account_prefix is not null) desc,
                 length(coalesce(s.account_prefix, '')) desc, (s.category_id is not null) desc) = 1
),

joined as not materialized (
    select
        l.*,
        ks.activity_scope_id,
        p.* exclude (currency, supplier_factor_currency),
        f.factor_kg_co2e_per_unit,
        f.factor_kg_co2_per_unit,
        alt.alt_min_kg_per_unit,
        alt.alt_max_kg_per_unit
    from lines as l
    left join key_scopes as ks
        on not l.is_excluded
       and ks.organisation_id = l.organisation_id
       and ks.account = l.account
       and ks.category_id is not distinct from l.category_id
       and ks.department = l.department
    left join factors as f on f.factor_code = l.factor_code
    left join alternatives as alt on alt.industry_code = l.industry_code and alt.currency = l.currency
    left join prices as p
        on p.currency = l.currency
       and p.supplier_factor_currency = coalesce(l.supplier_factor_currency, '')
),

priced as not materialized (
    select
        *,
        case
            when activity_scope_id is not null then 'activity'
            when is_excluded then 'excluded'
            when supplier_factor_value is not null then 'supplier_specific'
            when factor_code is not null and factor_kg_co2e_per_unit is not null then 'spend'
            else 'none'
        end as method_found
    from joined
),

-- net SEK and lines per activity scope, summed over the inputs it covers
scope_spend as (
    select
        ks.activity_scope_id,
        sum(l.amount_net_sek_exact) as scope_net_sek,
        cast(sum(l.n_lines) as bigint) as scope_lines
    from lines as l
    inner join key_scopes as ks
        on not l.is_excluded
       and ks.organisation_id = l.organisation_id
       and ks.account = l.account
       and ks.category_id is not distinct from l.category_id
       and ks.department = l.department
    group by ks.activity_scope_id
),

computed as (
    select
        p.*,
        s.activity_code,
        (coalesce(p.category_id, '') = 'energy' or energy_kind(p.industry_code) is not null)
            and not p.is_excluded as is_energy_line,
        ss.scope_net_sek,
        ss.scope_lines,
        s.emissions_kg_co2e as scope_kg_co2e,
        s.emissions_kg_co2 as scope_kg_co2,
        s.emissions_scope1_kg_co2e as scope_scope1_kg,
        s.emissions_scope2_kg_co2e as scope_scope2_kg,
        s.emissions_scope3_kg_co2e as scope_scope3_kg,
        s.scope3_category as activity_scope3_category,
        s.emissions_lower_kg_co2e as scope_lower_kg,
        s.emissions_upper_kg_co2e as scope_upper_kg,
        case p.method_found
            when 'spend' then p.set_fx_rate
            when 'supplier_specific' then p.supplier_per_eur / p.ledger_per_eur
        end as fx_rate,
        case p.method_found
            when 'spend' then p.set_price_adjustment
            when 'supplier_specific' then 1.0
        end as price_adjustment,
        case p.method_found
            when 'spend' then p.factor_kg_co2e_per_unit
            when 'supplier_specific' then p.supplier_factor_value
        end as factor_value_used
    from priced as p
    left join scope_spend as ss on ss.activity_scope_id = p.activity_scope_id
    left join activity_scopes as s on s.activity_scope_id = p.activity_scope_id
),

-- Data quality (1 best .. 5) from the rule level, and the range of a spend-based line (macro spend_range): the
-- set's uncertainty, the data quality and the spread to what the run's other applicable sets say for the same
-- purchase (their weight per unit of net spend over this run's).
scored as (
    select
        *,
        case
            when method_found in ('excluded', 'none') then null
            when method_found = 'activity' then 1
            when method_found = 'supplier_specific' then 1
            when is_energy_line then 5
            when rule_level in ('supplier', 'supplier_industry') then 2
            when rule_level in ('account_keyword', 'account_text', 'account') then 3
            when rule_level = 'account_group' then 4
            else 5
        end as dq_found
    from computed
),

ranged as (
    select
        *,
        case when method_found = 'spend' then spend_range(
            relative_uncertainty, dq_found,
            alt_min_kg_per_unit / nullif(fx_rate * price_adjustment * factor_value_used, 0),
            alt_max_kg_per_unit / nullif(fx_rate * price_adjustment * factor_value_used, 0))
        end as range_found
    from scored
),

decided as (
    select
        input_key,
        organisation_id,
        group_id,
        department,
        supplier_sni_code,
        industry_code,
        currency,
        is_excluded,
        exclusion_reason,
        is_intra_group,
        case when not is_excluded then category_id end as category_id,
        is_energy_line as is_energy,
        case
            when method_found = 'activity' then coalesce(activity_scope3_category, scope3_category)
            when method_found in ('spend', 'supplier_specific') then scope3_category
        end as scope3_category,
        case
            when method_found = 'activity' then 'activity'
            when method_found = 'none' and not is_excluded then 'unmapped'
            else rule_level
        end as rule_level,
        case
            when method_found = 'activity' then 'activity:' || activity_scope_id
            when method_found = 'none' and not is_excluded and rule_level <> 'unmapped'
                then 'factor-missing:' || coalesce(factor_code, rule_level)
            else rule_id
        end as rule_id,
        case
            when method_found = 'spend' and is_energy_line then 'spend_fallback'
            when method_found = 'excluded' then 'none'
            else method_found
        end as method,
        activity_scope_id,
        case when method_found = 'activity' then activity_code end as activity_code,
        case when method_found in ('spend', 'supplier_specific') then
            case when method_found = 'spend' then run_factor_set_id else 'supplier' end
        end as factor_set_id,
        case when method_found = 'spend' then run_factor_set_version end as factor_set_version,
        case when method_found in ('spend', 'supplier_specific') then factor_code end as factor_code,
        factor_value_used as factor_value,
        fx_rate,
        price_adjustment,
        dq_found as dq_score,
        -- what a line's amounts are multiplied by (macro emissions_of_lines)
        method_found,
        sek_per_eur,
        ledger_per_eur,
        factor_kg_co2_per_unit,
        range_found.lower_multiplier as lower_multiplier,
        range_found.upper_multiplier as upper_multiplier,
        scope_net_sek,
        scope_lines,
        scope_kg_co2e,
        scope_kg_co2,
        scope_scope1_kg,
        scope_scope2_kg,
        scope_scope3_kg,
        scope_lower_kg,
        scope_upper_kg
    from ranged
),

final as (
    select
        input_key,
        hash(group_id, department, supplier_sni_code, industry_code, currency, is_excluded, exclusion_reason,
             is_intra_group, category_id, is_energy, scope3_category, rule_level, rule_id, method,
             activity_scope_id, activity_code, factor_set_id, factor_set_version, factor_code, factor_value,
             fx_rate, price_adjustment, dq_score) as decision_id,
        * exclude (input_key)
    from decided
)

select * from final
