-- Per run, organisation and department (förvaltning): in-scope spend, emissions with range and scope split,
-- intensity and share of the total, and the spend-weighted data-quality score (measures: sql/macros).
-- Reads the run's lines summed per organisation and decision (run_line_total, migration 0075).
with totals as (
    select * from run_line_total
),

per_department as (
    select
        run_id,
        organisation_id,
        department,
        total_measures(totals, true) as m
    from totals
    group by run_id, organisation_id, department
),

final as (
    select
        run_id,
        organisation_id,
        department,
        m.*,
        m.emissions_kg_co2e / 1000 as emissions_t_co2e,
        intensity_kg_co2e_per_ksek(m.emissions_kg_co2e, m.mapped_spend_sek) as intensity_kg_co2e_per_ksek,
        m.emissions_kg_co2e / nullif(sum(m.emissions_kg_co2e) over (partition by run_id), 0) as share_of_total
    from per_department
)

select * from final
