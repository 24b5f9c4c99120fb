-- How one unit of each ledger currency of the run becomes the currency and price year of each factor set the run
-- prices with (DESIGN.md section 5, docs/method.md section 3). The one home of the two conventions:
--   'ledger_currency_first' (default): deflate in the ledger currency with its country's CPI, then convert at the
--       price year's rates, so that exchange-rate swings do not show as emission changes:
--           price_adjustment = CPI(ledger country, price year) / CPI(ledger country, spend year)
--           fx_rate          = (factor currency per EUR, price year) / (ledger currency per EUR, price year)
--   'factor_currency': convert at the spend year's rates, then deflate in the factor currency:
--           fx_rate          = (factor currency per EUR, spend year) / (ledger currency per EUR, spend year)
--           price_adjustment = CPI(factor country, price year) / CPI(factor country, spend year)
--   amount in the set's currency at its price year = amount_net x fx_rate x price_adjustment
-- The price year is the set's base year, or for a set with a factor per year (Defra) the factor year used.
with sets as (
    select * from stg_pricing_sets
),

currencies as (
    select distinct currency from stg_ledger_lines
),

fx as (
    select * from stg_exchange_rates
),

cpi as (
    select * from stg_price_index
),

currency_country as (
    select * from currency_countries()
),

joined as (
    select
        s.role,
        s.factor_set_id,
        s.factor_set_version,
        s.base_year,
        s.factor_currency,
        c.currency,
        ledger_spend.units_per_eur as ledger_per_eur_spend_year,
        factor_spend.units_per_eur as factor_per_eur_spend_year,
        ledger_base.units_per_eur as ledger_per_eur_base_year,
        factor_base.units_per_eur as factor_per_eur_base_year,
        cpi_factor_base.index_value / cpi_factor_spend.index_value as factor_cpi_ratio,
        cpi_ledger_base.index_value / cpi_ledger_spend.index_value as ledger_cpi_ratio
    from sets as s
    cross join currencies as c
    left join currency_country as lc on lc.currency = c.currency
    left join fx as ledger_spend on ledger_spend.currency = c.currency and ledger_spend.year = getvariable('run_year')
    left join fx as factor_spend
        on factor_spend.currency = s.factor_currency and factor_spend.year = getvariable('run_year')
    left join fx as ledger_base on ledger_base.currency = c.currency and ledger_base.year = s.base_year
    left join fx as factor_base on factor_base.currency = s.factor_currency and factor_base.year = s.base_year
    left join cpi as cpi_factor_base
        on cpi_factor_base.country_code = s.factor_cpi_country and cpi_factor_base.year = s.base_year
    left join cpi as cpi_factor_spend
        on cpi_factor_spend.country_code = s.factor_cpi_country and cpi_factor_spend.year = getvariable('run_year')
    left join cpi as cpi_ledger_base on cpi_ledger_base.country_code = lc.country_code and cpi_ledger_base.year = s.base_year
    left join cpi as cpi_ledger_spend
        on cpi_ledger_spend.country_code = lc.country_code and cpi_ledger_spend.year = getvariable('run_year')
),

final as (
    select
        role,
        factor_set_id,
        factor_set_version,
        base_year,
        factor_currency,
        currency,
        case when getvariable('inflation_convention') = 'ledger_currency_first'
             then factor_per_eur_base_year / ledger_per_eur_base_year
             else factor_per_eur_spend_year / ledger_per_eur_spend_year
        end as fx_rate,
        case when getvariable('inflation_convention') = 'ledger_currency_first'
             then ledger_cpi_ratio
             else factor_cpi_ratio
        end as price_adjustment
    from joined
)

select * from final
