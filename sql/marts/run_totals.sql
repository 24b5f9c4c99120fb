-- Per run: the headline figures. total_emissions_kg_co2e sums every organisation of the run;
-- group_emissions_kg_co2e is the consolidated figure without intra-group purchases.
-- Measures: sql/macros/total_measures.sql, over the run's lines summed per organisation and decision (run_line_total).
with sums as (
    select * from run_line_total
),

runs as (
    select * from run
),

per_run as (
    select
        run_id,
        total_measures(sums, true) as m,
        sum(amount_sek) as loaded_spend_sek,
        coalesce(sum(emissions_kg_co2e) filter (where not is_intra_group), 0) as group_emissions_kg_co2e,
        coalesce(sum(amount_sek) filter (where is_intra_group and not is_excluded), 0) as intra_group_spend_sek,
        coalesce(sum(emissions_kg_co2e) filter (where is_intra_group), 0) as intra_group_emissions_kg_co2e,
        count(distinct organisation_id) as n_organisations
    from sums
    group by run_id
),

totals as (
    select
        run_id,
        loaded_spend_sek,
        m.spend_sek as total_spend_sek,
        m.mapped_spend_sek,
        coalesce(m.excluded_spend_sek, 0) as excluded_spend_sek,
        coalesce(m.unmapped_spend_sek, 0) as unmapped_spend_sek,
        m.emissions_kg_co2e as total_emissions_kg_co2e,
        m.emissions_kg_co2 as total_emissions_kg_co2,
        m.emissions_lower_kg_co2e,
        m.emissions_upper_kg_co2e,
        m.emissions_scope1_kg_co2e,
        m.emissions_scope2_kg_co2e,
        m.emissions_scope3_kg_co2e,
        m.activity_emissions_kg_co2e,
        group_emissions_kg_co2e,
        intra_group_spend_sek,
        intra_group_emissions_kg_co2e,
        m.dq_score_weighted,
        n_organisations,
        m.n_lines
    from per_run
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
