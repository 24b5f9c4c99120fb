-- Every activity row of the run is priced, and each activity scope's emissions are shared out in full
-- over the ledger lines it covers: nothing lost, nothing counted twice.
with scopes as (
    select activity_scope_id, emissions_kg_co2e from int_activity__scopes
),

allocated as (
    select activity_scope_id, sum(emissions_kg_co2e) as allocated_kg_co2e, count(*) as n_lines
    from run_line_emission
    where run_id = getvariable('run_id') and rule_level = 'activity'
    group by activity_scope_id
),

unpriced_rows as (
    select
        'activity row not priced: ' || d.activity_code || ' ' || d.unit as problem,
        d.organisation_id || ' batch ' || d.activity_batch_id || ' row ' || d.source_row as activity_scope_id,
        cast(null as double) as expected_kg_co2e,
        cast(null as double) as allocated_kg_co2e
    from stg_activity_data as d
    where d.factor_kg_co2e_per_unit is null
      and not exists (
          select 1 from stg_activity_factors as f
          where f.activity_code = d.activity_code and f.denominator_unit = d.unit
      )
),

final as (
    select
        case when a.activity_scope_id is null then 'activity covers no ledger spend (check the account, '
                  || 'category and department it names)'
             else 'allocated emissions differ from the activity emissions' end as problem,
        s.activity_scope_id,
        s.emissions_kg_co2e as expected_kg_co2e,
        a.allocated_kg_co2e
    from scopes as s
    left join allocated as a on a.activity_scope_id = s.activity_scope_id
    where a.activity_scope_id is null
       or abs(a.allocated_kg_co2e - s.emissions_kg_co2e) > 1e-6 * greatest(1, abs(s.emissions_kg_co2e))
    union all
    select * from unpriced_rows
)

select * from final
