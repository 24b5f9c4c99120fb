-- Per run and activity scope: the quantities measured, what they weigh, and the spend they replaced.
with scopes as (
    select * from run_activity
),

covered as (
    select
        run_id,
        activity_scope_id,
        sum(amount_sek) as covered_spend_sek,
        sum(emissions_kg_co2e) as allocated_kg_co2e,
        count(*) as n_lines
    from run_line_emission
    where rule_level = 'activity'
    group by run_id, activity_scope_id
),

final as (
    select
        s.run_id,
        s.organisation_id,
        s.activity_scope_id,
        s.account_prefix,
        s.category_id,
        s.department,
        s.activity_code,
        s.quantity_summary,
        s.n_activity_rows,
        s.has_own_factor,
        s.factor_refs,
        s.emissions_kg_co2e,
        s.emissions_kg_co2e / 1000 as emissions_t_co2e,
        s.emissions_scope1_kg_co2e,
        s.emissions_scope2_kg_co2e,
        s.emissions_scope3_kg_co2e,
        s.emissions_lower_kg_co2e,
        s.emissions_upper_kg_co2e,
        c.covered_spend_sek,
        c.allocated_kg_co2e,
        coalesce(c.n_lines, 0) as n_lines,
        case when c.covered_spend_sek > 0 then s.emissions_kg_co2e / c.covered_spend_sek * 1000 end
            as intensity_kg_co2e_per_ksek
    from scopes as s
    left join covered as c on c.run_id = s.run_id and c.activity_scope_id = s.activity_scope_id
)

select * from final
