-- Per run: each organisation, and each consolidated group (a parent organisation with its companies) that has
-- more than one member in the run. Measures: sql/macros/total_measures.sql, over the run's lines summed per
-- organisation and decision (run_line_total).
-- The group rows leave out intra-group purchases (bought from another member of the group), whose
-- emissions the selling member reports from its own purchases; per-organisation rows keep them.
with totals as (
    select * from run_line_total
),

organisations as (
    select organisation_id, name, kind from organisation
),

per_organisation as (
    select
        run_id,
        organisation_id,
        any_value(group_id) as group_id,
        false as is_group,
        total_measures(totals, true) as m,
        coalesce(sum(amount_sek) filter (where is_excluded), 0) as excluded_spend_sek,
        coalesce(sum(amount_sek) filter (where is_intra_group and not is_excluded), 0) as intra_group_spend_sek,
        cast(sum(n_lines) as bigint) as n_lines,
        count(distinct organisation_id) as n_organisations
    from totals
    group by run_id, organisation_id
),

-- A group leaves out purchases within it, except in its excluded spend (every excluded line of its members).
per_group as (
    select
        run_id,
        group_id as organisation_id,
        group_id,
        true as is_group,
        total_measures(totals, not totals.is_intra_group) as m,
        coalesce(sum(amount_sek) filter (where is_excluded), 0) as excluded_spend_sek,
        coalesce(sum(amount_sek) filter (where is_intra_group and not is_excluded), 0) as intra_group_spend_sek,
        cast(sum(n_lines) as bigint) as n_lines,
        count(distinct organisation_id) as n_organisations
    from totals
    group by run_id, group_id
    having count(distinct organisation_id) > 1
),

combined as (
    select * from per_organisation
    union all
    select * from per_group
),

final as (
    select
        c.run_id,
        c.organisation_id,
        coalesce(o.name, c.organisation_id) || case when c.is_group then ' (koncern)' else '' end
            as organisation_name,
        o.kind as organisation_kind,
        c.group_id,
        c.is_group,
        c.n_organisations,
        c.m.spend_sek,
        c.m.mapped_spend_sek,
        coalesce(c.m.unmapped_spend_sek, 0) as unmapped_spend_sek,
        c.excluded_spend_sek,
        c.intra_group_spend_sek,
        c.m.emissions_kg_co2e,
        c.m.emissions_kg_co2e / 1000 as emissions_t_co2e,
        c.m.emissions_kg_co2,
        c.m.emissions_lower_kg_co2e,
        c.m.emissions_upper_kg_co2e,
        c.m.emissions_scope1_kg_co2e,
        c.m.emissions_scope2_kg_co2e,
        c.m.emissions_scope3_kg_co2e,
        intensity_kg_co2e_per_ksek(c.m.emissions_kg_co2e, c.m.mapped_spend_sek) as intensity_kg_co2e_per_ksek,
        c.n_lines
    from combined as c
    left join organisations as o on o.organisation_id = c.organisation_id
)

select * from final
