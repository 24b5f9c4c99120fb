-- Consumer price index per country and year.
with source as (
    select * from price_index
),

final as (
    select
        country_code,
        year,
        index_value,
        is_extrapolated
    from source
)

select * from final
