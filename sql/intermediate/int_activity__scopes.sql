-- Activity data of the run priced and grouped by the spend it covers (an "activity scope": organisation,
-- account prefix or category, optionally one department). Emissions = quantity x the sum of the
-- activity code's components (combustion, generation, well-to-tank, losses) for the spend year: the
-- factor of that year when published, else the nearest earlier year, else the nearest later year.
-- A row with its own factor (e.g. the district-heating supplier's value) uses it instead of the table.
with activity_rows as (
    select * from stg_activity_data
),

factors as (
    select * from stg_activity_factors
),

available_years as (
    select distinct f.activity_code, f.denominator_unit, f.factor_year
    from factors as f
    inner join (select distinct activity_code, unit from activity_rows) as r
        on r.activity_code = f.activity_code and r.unit = f.denominator_unit
),

chosen_years as (
    select *
    from available_years
    qualify row_number() over (
        partition by activity_code, denominator_unit
        order by case when factor_year <= getvariable('run_year') then 0 else 1 end,
                 abs(factor_year - getvariable('run_year'))) = 1
),

main_scope as (
    select activity_code, min(ghg_scope) as ghg_scope, min(scope3_category) as scope3_category
    from factors
    where component in ('combustion', 'generation', 'vehicle')
    group by activity_code
),

table_components as (
    select
        r.*,
        f.component,
        f.ghg_scope,
        f.scope3_category,
        f.gas,
        f.value as factor_per_unit,
        f.relative_uncertainty,
        f.factor_year,
        f.source_ref as factor_ref
    from activity_rows as r
    inner join chosen_years as y on y.activity_code = r.activity_code and y.denominator_unit = r.unit
    inner join factors as f
        on f.activity_code = r.activity_code and f.denominator_unit = r.unit and f.factor_year = y.factor_year
    where r.factor_kg_co2e_per_unit is null
),

own_components as (
    select
        r.*,
        'own_factor' as component,
        coalesce(m.ghg_scope, 3) as ghg_scope,
        m.scope3_category,
        'CO2e' as gas,
        r.factor_kg_co2e_per_unit as factor_per_unit,
        0.2 as relative_uncertainty,
        r.year as factor_year,
        coalesce(r.factor_source, 'own factor') as factor_ref
    from activity_rows as r
    left join main_scope as m on m.activity_code = r.activity_code
    where r.factor_kg_co2e_per_unit is not null
),

components as (
    select * from table_components
    union all
    select * from own_components
),

scoped as (
    select
        organisation_id || '|' || coalesce(account_prefix, '') || '|' || coalesce(category_id, '') || '|'
            || coalesce(department, '*') as activity_scope_id,
        *,
        quantity * factor_per_unit as component_kg
    from components
),

row_summaries as (
    select
        activity_scope_id,
        string_agg(distinct format('{:.6g} {} {}', quantity_as_given, unit_as_given, activity_code), ' + ')
            as quantity_summary
    from (select distinct activity_scope_id, activity_batch_id, source_row, quantity_as_given, unit_as_given,
                          activity_code from scoped)
    group by activity_scope_id
),

final as (
    select
        s.activity_scope_id,
        s.organisation_id,
        s.account_prefix,
        s.category_id,
        s.department,
        string_agg(distinct s.activity_code, '+' order by s.activity_code) as activity_code,
        max(r.quantity_summary) as quantity_summary,
        count(distinct (s.activity_batch_id, s.source_row)) as n_activity_rows,
        bool_or(s.component = 'own_factor') as has_own_factor,
        string_agg(distinct s.factor_ref, '; ') as factor_refs,
        sum(s.component_kg) filter (where s.gas = 'CO2e') as emissions_kg_co2e,
        sum(s.component_kg) filter (where s.gas = 'CO2') as emissions_kg_co2,
        coalesce(sum(s.component_kg) filter (where s.gas = 'CO2e' and s.ghg_scope = 1), 0) as emissions_scope1_kg_co2e,
        coalesce(sum(s.component_kg) filter (where s.gas = 'CO2e' and s.ghg_scope = 2), 0) as emissions_scope2_kg_co2e,
        coalesce(sum(s.component_kg) filter (where s.gas = 'CO2e' and s.ghg_scope = 3), 0) as emissions_scope3_kg_co2e,
        min(s.scope3_category) filter (where s.gas = 'CO2e' and s.ghg_scope = 3) as scope3_category,
        sum(s.component_kg * (1 - s.relative_uncertainty)) filter (where s.gas = 'CO2e') as emissions_lower_kg_co2e,
        sum(s.component_kg * (1 + s.relative_uncertainty)) filter (where s.gas = 'CO2e') as emissions_upper_kg_co2e
    from scoped as s
    left join row_summaries as r on r.activity_scope_id = s.activity_scope_id
    group by s.activity_scope_id, s.organisation_id, s.account_prefix, s.category_id, s.department
)

select * from final
