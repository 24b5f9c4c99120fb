-- Emissions per ledger line (DESIGN.md section 5):
--   amount_net        = amount, less VAT when the batch says amounts include VAT
--   amount_in_factor  = amount_net x (factor currency per EUR / ledger currency per EUR), spend-year rates
--   real_amount       = amount_in_factor x CPI(factor country, base year) / CPI(factor country, spend year)
--   emissions_kg_co2e = real_amount x factor (kg CO2e per factor-currency unit at base-year prices)
-- With the setting inflation_convention = 'ledger_currency_first' the amount is deflated with the
-- ledger currency's CPI first and converted at the base year's rate instead.
with lines as (
    select * from int_ledger_lines__classified
),

factor_set as (
    select * from stg_factor_set
),

factors as (
    select * from stg_factors
),

fx as (
    select * from stg_exchange_rates
),

cpi as (
    select * from stg_price_index
),

currency_country as (
    select * from (values ('SEK', 'SWE'), ('USD', 'USA'), ('GBP', 'GBR'), ('EUR', 'EMU'),
                          ('NOK', 'NOR'), ('DKK', 'DNK')) as t(currency, country_code)
),

joined as (
    select
        l.*,
        fs.factor_set_id,
        fs.factor_set_version,
        fs.base_year,
        fs.factor_currency,
        fs.relative_uncertainty,
        f.factor_kg_co2e_per_unit,
        f.factor_kg_co2_per_unit,
        fx_ledger.units_per_eur as ledger_per_eur,
        fx_sek.units_per_eur as sek_per_eur,
        fx_factor.units_per_eur as factor_per_eur,
        fx_ledger_base.units_per_eur as ledger_per_eur_base,
        fx_factor_base.units_per_eur as factor_per_eur_base,
        cpi_f_base.index_value / cpi_f_spend.index_value as factor_cpi_ratio,
        cpi_l_base.index_value / cpi_l_spend.index_value as ledger_cpi_ratio,
        case
            when l.amounts_include_vat then l.amount - coalesce(l.vat_amount, l.amount * 0.2)
            else l.amount
        end as amount_net
    from lines as l
    cross join factor_set as fs
    left join factors as f
        on f.factor_code = l.factor_code and l.map_factor_set_id = fs.factor_set_id
    left join fx as fx_ledger on fx_ledger.year = l.fiscal_year and fx_ledger.currency = l.currency
    left join fx as fx_sek on fx_sek.year = l.fiscal_year and fx_sek.currency = 'SEK'
    left join fx as fx_factor on fx_factor.year = l.fiscal_year and fx_factor.currency = fs.factor_currency
    left join fx as fx_ledger_base on fx_ledger_base.year = fs.base_year and fx_ledger_base.currency = l.currency
    left join fx as fx_factor_base on fx_factor_base.year = fs.base_year and fx_factor_base.currency = fs.factor_currency
    left join currency_country as lc on lc.currency = l.currency
    left join cpi as cpi_f_base on cpi_f_base.country_code = fs.factor_cpi_country and cpi_f_base.year = fs.base_year
    left join cpi as cpi_f_spend on cpi_f_spend.country_code = fs.factor_cpi_country and cpi_f_spend.year = l.fiscal_year
    left join cpi as cpi_l_base on cpi_l_base.country_code = lc.country_code and cpi_l_base.year = fs.base_year
    left join cpi as cpi_l_spend on cpi_l_spend.country_code = lc.country_code and cpi_l_spend.year = l.fiscal_year
),

priced as (
    select
        *,
        case when getvariable('inflation_convention') = 'ledger_currency_first'
             then factor_per_eur_base / ledger_per_eur_base
             else factor_per_eur / ledger_per_eur
        end as fx_rate,
        case when getvariable('inflation_convention') = 'ledger_currency_first'
             then ledger_cpi_ratio
             else factor_cpi_ratio
        end as price_adjustment,
        factor_code is not null and factor_kg_co2e_per_unit is not null as is_priced
    from joined
),

final as (
    select
        batch_id,
        source_row,
        organisation_id,
        fiscal_year,
        period,
        account,
        committee,
        department,
        cost_centre,
        project,
        supplier_name,
        supplier_org_number,
        cast(round(amount * sek_per_eur / ledger_per_eur, 2) as decimal(18, 2)) as amount_sek,
        cast(round(amount_net * sek_per_eur / ledger_per_eur, 2) as decimal(18, 2)) as amount_net_sek,
        is_excluded,
        exclusion_reason,
        case when is_priced then category_id end as category_id,
        case when is_priced then scope3_category end as scope3_category,
        case
            when rule_level in ('account', 'account_group') and not is_priced then 'unmapped'
            else rule_level
        end as rule_level,
        case
            when rule_level in ('account', 'account_group') and not is_priced then 'factor-missing:' || factor_code
            else rule_id
        end as rule_id,
        case when is_priced then factor_set_id end as factor_set_id,
        case when is_priced then factor_set_version end as factor_set_version,
        case when is_priced then factor_code end as factor_code,
        case when is_priced then factor_kg_co2e_per_unit end as factor_value,
        case when is_priced then fx_rate end as fx_rate,
        case when is_priced then price_adjustment end as price_adjustment,
        case when is_priced then cast(amount_net as double) * fx_rate end as amount_in_factor_currency,
        case when is_priced then cast(amount_net as double) * fx_rate * price_adjustment end as real_amount,
        case
            when is_excluded then 0.0
            when is_priced then cast(amount_net as double) * fx_rate * price_adjustment * factor_kg_co2e_per_unit
        end as emissions_kg_co2e,
        case
            when is_excluded then 0.0
            when is_priced then cast(amount_net as double) * fx_rate * price_adjustment * factor_kg_co2_per_unit
        end as emissions_kg_co2,
        case
            when not is_priced or is_excluded then null
            when rule_level = 'supplier' then 1
            when rule_level = 'supplier_industry' then 2
            when rule_level in ('account_keyword', 'account') then 3
            when rule_level = 'account_group' then 4
            else 5
        end as dq_score,
        case when is_priced and not is_excluded
             then cast(amount_net as double) * fx_rate * price_adjustment * factor_kg_co2e_per_unit
                  * (1 - relative_uncertainty)
        end as emissions_lower_kg_co2e,
        case when is_priced and not is_excluded
             then cast(amount_net as double) * fx_rate * price_adjustment * factor_kg_co2e_per_unit
                  * (1 + relative_uncertainty)
        end as emissions_upper_kg_co2e
    from priced
)

select * from final
