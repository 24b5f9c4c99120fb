-- Factors of the run's set: the CO2e total and, where the set has it, CO2 alone (per unit of the set's currency).
with source as (
    select * from factor
),

chosen as (
    select *
    from source
    where factor_set_id = getvariable('factor_set_id')
      and version = getvariable('factor_set_version')
),

final as (
    select
        factor_code,
        max(factor_name) as factor_name,
        max(case when gas = 'CO2e' then
            case when getvariable('use_margins') then value else coalesce(value_without_margins, value) end
        end) as factor_kg_co2e_per_unit,
        max(case when gas = 'CO2' then
            case when getvariable('use_margins') then value else coalesce(value_without_margins, value) end
        end) as factor_kg_co2_per_unit
    from chosen
    group by factor_code
)

select * from final
