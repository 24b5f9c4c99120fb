-- CO2e (and CO2) factors of every factor set the run prices with, in the run's region or factor year, per unit of
-- the set's currency at its price year; `flag` marks a doubtful or overridden factor (flagged_factors.csv).
with sets as (
    select * from stg_pricing_sets
),

source as (
    select * from factor
),

chosen as (
    select s.role, s.factor_set_id, s.factor_set_version, f.* exclude (factor_set_id, version)
    from source as f
    inner join sets as s
        on s.factor_set_id = f.factor_set_id
       and s.factor_set_version = f.version
       and (f.region is null or f.region = s.region)
       and (f.factor_year is null or f.factor_year = s.factor_year)
),

final as (
    select
        role,
        factor_set_id,
        factor_set_version,
        factor_code,
        max(factor_name) as factor_name,
        max(case when gas = 'CO2e' then
            case when getvariable('use_margins') then value else coalesce(value_without_margins, value) end
        end) as factor_kg_co2e_per_unit,
        max(case when gas = 'CO2' then
            case when getvariable('use_margins') then value else coalesce(value_without_margins, value) end
        end) as factor_kg_co2_per_unit,
        max(case when gas = 'CO2e' then flag end) as factor_flag
    from chosen
    group by role, factor_set_id, factor_set_version, factor_code
)

select * from final
