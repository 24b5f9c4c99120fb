-- Annual average exchange rates as units of currency per EUR.
with source as (
    select * from exchange_rate
),

final as (
    select
        year,
        upper(currency) as currency,
        units_per_eur,
        is_extrapolated
    from source
    union all
    -- EUR itself, for every year that has rates
    select distinct year, 'EUR', 1.0, false from source
    where not exists (select 1 from source as s where upper(s.currency) = 'EUR')
)

select * from final
