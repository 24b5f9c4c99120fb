-- Per run and organisational unit at three levels: nämnd (committee) -> förvaltning (department) ->
-- ansvar / cost centre. unit_level says which; the parent levels are carried so a report can drill down.
with lines as (
    select
        *,
        coalesce(committee, '(ingen nämnd)') as committee_label,
        coalesce(cost_centre, '(inget ansvar)') as cost_centre_label
    from line_emission
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
        sum(amount_sek) filter (where not is_excluded) as spend_sek,
        sum(amount_sek) filter (where rule_level not in ('excluded', 'unmapped')) as mapped_spend_sek,
        sum(amount_sek) filter (where rule_level = 'unmapped') as unmapped_spend_sek,
        sum(amount_sek) filter (where is_excluded) as excluded_spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as emissions_kg_co2e,
        coalesce(sum(emissions_lower_kg_co2e), 0) as emissions_lower_kg_co2e,
        coalesce(sum(emissions_upper_kg_co2e), 0) as emissions_upper_kg_co2e,
        count(*) as n_lines
    from lines
    group by grouping sets (
        (run_id, organisation_id, committee_label),
        (run_id, organisation_id, committee_label, department),
        (run_id, organisation_id, committee_label, department, cost_centre_label)
    )
),

final as (
    select
        *,
        emissions_kg_co2e / 1000 as emissions_t_co2e,
        case when mapped_spend_sek > 0 then emissions_kg_co2e / mapped_spend_sek * 1000 end
            as intensity_kg_co2e_per_ksek
    from per_unit
)

select * from final
