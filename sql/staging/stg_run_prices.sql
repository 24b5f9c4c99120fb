-- The price conversion of each ledger currency into each factor set of the run (stored by the run from
-- int_prices__by_set): factor currency per ledger currency unit and the CPI ratio of the run's convention.
with source as (
    select * from run_price
),

final as (
    select * exclude (run_id)
    from source
    where run_id = getvariable('run_id')
)

select * from final
