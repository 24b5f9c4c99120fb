-- Per run and supplier: the suppliers a procurement officer takes into supplier dialogue (issue 20).
-- Emissions with their share of the run, the spend-weighted data quality, and how much the supplier's own data
-- could change the result: the width of its uncertainty range (upper − lower), which supplier-specific figures
-- would narrow. Ordered by that width (largest first); intra-group suppliers are left out (the group's own units).
with lines as (
    select * from line_emission where rule_level not in ('excluded', 'unmapped') and not is_intra_group
),

per_supplier as (
    select
        run_id,
        coalesce(supplier_org_number, supplier_name, '') as supplier_key,
        max(supplier_name) as supplier_name,
        max(supplier_org_number) as supplier_org_number,
        line_measures(lines, true) as m
    from lines
    where coalesce(supplier_org_number, supplier_name) is not null
    group by run_id, coalesce(supplier_org_number, supplier_name, '')
),

run_total as (
    select run_id, sum(emissions_kg_co2e) as run_emissions_kg_co2e
    from line_emission
    group by run_id
),

final as (
    select
        s.run_id,
        s.supplier_key,
        s.supplier_name,
        s.supplier_org_number,
        s.m.mapped_spend_sek as spend_sek,
        s.m.emissions_kg_co2e,
        s.m.emissions_lower_kg_co2e,
        s.m.emissions_upper_kg_co2e,
        s.m.emissions_kg_co2e / nullif(t.run_emissions_kg_co2e, 0) as share_of_total,
        s.m.dq_score_weighted as dq_score,
        s.m.emissions_upper_kg_co2e - s.m.emissions_lower_kg_co2e as range_width_kg_co2e,
        s.m.n_lines
    from per_supplier s
    join run_total t using (run_id)
)

select * from final
