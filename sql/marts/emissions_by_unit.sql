-- Per run and organisational unit at three levels: nämnd (committee) -> förvaltning (department) ->
-- ansvar / cost centre. unit_level says which; the parent levels are carried so a report can drill down.
-- The lines are summed first (macro line_sums) per unit and the few decision columns the measures read (a few
-- thousand rows), then measured at the three levels (sql/macros/total_measures.sql: the measures of line_measures
-- over such sums).
-- The lines come from run_line_emission, which carries each line's committee and cost centre (migration 0084):
-- no join with the ledger lines.
with lines as (
    select
        run_id,
        organisation_id,
        coalesce(committee, '(ingen nämnd)') as committee_label,
        department,
        coalesce(cost_centre, '(inget ansvar)') as cost_centre_label,
        rule_level,
        is_excluded,
        method,
        dq_score,
        unnest(line_sums(run_line_emission))
    from run_line_emission
    group by run_id, organisation_id, committee_label, department, cost_centre_label, rule_level, is_excluded,
             method, dq_score
),

per_unit as (
    select
        run_id,
        organisation_id,
        case
            when grouping(department) = 1 then 'committee'
            when grouping(cost_centre_label) = 1 then 'department'
            else 'cost_centre'
        end as unit_level,
        committee_label as committee,
        case when grouping(department) = 0 then department end as department,
        case when grouping(cost_centre_label) = 0 then cost_centre_label end as cost_centre,
        total_measures(lines, true) as m
    from lines
    group by grouping sets (
        (run_id, organisation_id, committee_label),
        (run_id, organisation_id, committee_label, department),
        (run_id, organisation_id, committee_label, department, cost_centre_label)
    )
),

final as (
    select
        run_id,
        organisation_id,
        unit_level,
        committee,
        department,
        cost_centre,
        m.spend_sek,
        m.mapped_spend_sek,
        m.unmapped_spend_sek,
        m.excluded_spend_sek,
        m.emissions_kg_co2e,
        m.emissions_lower_kg_co2e,
        m.emissions_upper_kg_co2e,
        m.n_lines,
        m.emissions_kg_co2e / 1000 as emissions_t_co2e,
        intensity_kg_co2e_per_ksek(m.emissions_kg_co2e, m.mapped_spend_sek) as intensity_kg_co2e_per_ksek
    from per_unit
)

select * from final
