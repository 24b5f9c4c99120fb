-- For each industry code the run's rules name and each ledger currency: what one unit of net spend weighs under
-- each alternative factor set of the run (kg CO2e per ledger-currency unit: factor x fx_rate x price_adjustment).
-- The sensitivity (int_runs__sensitivity) and the spread between sets in each line's range use it.
with industries as (
    select * from stg_run_industry_factors where role = 'alternative' and factor_code is not null
),

factors as (
    select * from stg_pricing_factors where role = 'alternative'
),

prices as (
    select * from stg_run_prices where role = 'alternative'
),

final as (
    select
        i.industry_code,
        p.currency,
        i.factor_set_id,
        i.factor_set_version,
        i.factor_code,
        f.factor_kg_co2e_per_unit * p.fx_rate * p.price_adjustment as kg_co2e_per_ledger_unit
    from industries as i
    inner join factors as f
        on f.factor_set_id = i.factor_set_id
       and f.factor_set_version = i.factor_set_version
       and f.factor_code = i.factor_code
    inner join prices as p on p.factor_set_id = i.factor_set_id and p.factor_set_version = i.factor_set_version
    where p.fx_rate is not null and p.price_adjustment is not null
)

select * from final
