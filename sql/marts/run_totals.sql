-- Per run: the headline figures. total_emissions_kg_co2e sums every organisation of the run;
-- group_emissions_kg_co2e is the consolidated figure without intra-group purchases.
with lines as (
    select * from line_emission
),

runs as (
    select * from run
),

totals as (
    select
        run_id,
        sum(amount_sek) as loaded_spend_sek,
        sum(amount_sek) filter (where not is_excluded) as total_spend_sek,
        sum(amount_sek) filter (where rule_level not in ('excluded', 'unmapped')) as mapped_spend_sek,
        coalesce(sum(amount_sek) filter (where is_excluded), 0) as excluded_spend_sek,
        coalesce(sum(amount_sek) filter (where rule_level = 'unmapped'), 0) as unmapped_spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as total_emissions_kg_co2e,
        coalesce(sum(emissions_kg_co2), 0) as total_emissions_kg_co2,
        coalesce(sum(emissions_lower_kg_co2e), 0) as emissions_lower_kg_co2e,
        coalesce(sum(emissions_upper_kg_co2e), 0) as emissions_upper_kg_co2e,
        coalesce(sum(emissions_scope1_kg_co2e), 0) as emissions_scope1_kg_co2e,
        coalesce(sum(emissions_scope2_kg_co2e), 0) as emissions_scope2_kg_co2e,
        coalesce(sum(emissions_scope3_kg_co2e), 0) as emissions_scope3_kg_co2e,
        coalesce(sum(emissions_kg_co2e) filter (where method = 'activity'), 0) as activity_emissions_kg_co2e,
        coalesce(sum(emissions_kg_co2e) filter (where not is_intra_group), 0) as group_emissions_kg_co2e,
        coalesce(sum(amount_sek) filter (where is_intra_group and not is_excluded), 0) as intra_group_spend_sek,
        coalesce(sum(emissions_kg_co2e) filter (where is_intra_group), 0) as intra_group_emissions_kg_co2e,
        sum(dq_score * abs(amount_sek)) filter (where dq_score is not null)
            / nullif(sum(abs(amount_sek)) filter (where dq_score is not null), 0) as dq_score_weighted,
        count(distinct organisation_id) as n_organisations,
        count(*) as n_lines
    from lines
    group by run_id
),

final as (
    select
        r.run_id,
        r.year,
        r.organisation_id as run_organisation_id,
        r.factor_set_id,
        r.factor_set_version,
        r.mapping_id,
        r.mapping_version,
        r.is_published,
        r.published_at,
        r.created_at,
        r.settings,
        t.* exclude (run_id)
    from runs as r
    left join totals as t on t.run_id = r.run_id
)

select * from final
