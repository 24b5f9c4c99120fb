-- Per run, organisation and department (förvaltning): in-scope spend, emissions with range and scope split,
-- intensity and share of the total, and the spend-weighted data-quality score.
with lines as (
    select * from line_emission
),

per_department as (
    select
        run_id,
        organisation_id,
        department,
        sum(amount_sek) filter (where not is_excluded) as spend_sek,
        sum(amount_sek) filter (where rule_level not in ('excluded', 'unmapped')) as mapped_spend_sek,
        sum(amount_sek) filter (where rule_level = 'unmapped') as unmapped_spend_sek,
        sum(amount_sek) filter (where is_excluded) as excluded_spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as emissions_kg_co2e,
        coalesce(sum(emissions_kg_co2), 0) as emissions_kg_co2,
        coalesce(sum(emissions_lower_kg_co2e), 0) as emissions_lower_kg_co2e,
        coalesce(sum(emissions_upper_kg_co2e), 0) as emissions_upper_kg_co2e,
        coalesce(sum(emissions_scope1_kg_co2e), 0) as emissions_scope1_kg_co2e,
        coalesce(sum(emissions_scope2_kg_co2e), 0) as emissions_scope2_kg_co2e,
        coalesce(sum(emissions_scope3_kg_co2e), 0) as emissions_scope3_kg_co2e,
        coalesce(sum(emissions_kg_co2e) filter (where method = 'activity'), 0) as activity_emissions_kg_co2e,
        sum(dq_score * abs(amount_sek)) filter (where dq_score is not null)
            / nullif(sum(abs(amount_sek)) filter (where dq_score is not null), 0) as dq_score_weighted,
        count(*) as n_lines
    from lines
    group by run_id, organisation_id, department
),

final as (
    select
        *,
        emissions_kg_co2e / 1000 as emissions_t_co2e,
        case when mapped_spend_sek > 0 then emissions_kg_co2e / mapped_spend_sek * 1000 end
            as intensity_kg_co2e_per_ksek,
        emissions_kg_co2e / nullif(sum(emissions_kg_co2e) over (partition by run_id), 0) as share_of_total
    from per_department
)

select * from final
