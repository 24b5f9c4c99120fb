-- Per run: each organisation, and each consolidated group (a parent organisation with its companies) that has
-- more than one member in the run.
-- The group rows leave out intra-group purchases (bought from another member of the group), whose
-- emissions the selling member reports from its own purchases; per-organisation rows keep them.
with lines as (
    select * from line_emission
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
        sum(amount_sek) filter (where not is_excluded) as spend_sek,
        sum(amount_sek) filter (where rule_level not in ('excluded', 'unmapped')) as mapped_spend_sek,
        coalesce(sum(amount_sek) filter (where rule_level = 'unmapped'), 0) as unmapped_spend_sek,
        coalesce(sum(amount_sek) filter (where is_excluded), 0) as excluded_spend_sek,
        coalesce(sum(amount_sek) filter (where is_intra_group and not is_excluded), 0) as intra_group_spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as emissions_kg_co2e,
        coalesce(sum(emissions_kg_co2), 0) as emissions_kg_co2,
        coalesce(sum(emissions_lower_kg_co2e), 0) as emissions_lower_kg_co2e,
        coalesce(sum(emissions_upper_kg_co2e), 0) as emissions_upper_kg_co2e,
        coalesce(sum(emissions_scope1_kg_co2e), 0) as emissions_scope1_kg_co2e,
        coalesce(sum(emissions_scope2_kg_co2e), 0) as emissions_scope2_kg_co2e,
        coalesce(sum(emissions_scope3_kg_co2e), 0) as emissions_scope3_kg_co2e,
        count(*) as n_lines,
        count(distinct organisation_id) as n_organisations
    from lines
    group by run_id, organisation_id
),

per_group as (
    select
        run_id,
        group_id as organisation_id,
        group_id,
        true as is_group,
        sum(amount_sek) filter (where not is_excluded and not is_intra_group) as spend_sek,
        sum(amount_sek) filter (where rule_level not in ('excluded', 'unmapped') and not is_intra_group)
            as mapped_spend_sek,
        coalesce(sum(amount_sek) filter (where rule_level = 'unmapped' and not is_intra_group), 0)
            as unmapped_spend_sek,
        coalesce(sum(amount_sek) filter (where is_excluded), 0) as excluded_spend_sek,
        coalesce(sum(amount_sek) filter (where is_intra_group and not is_excluded), 0) as intra_group_spend_sek,
        coalesce(sum(emissions_kg_co2e) filter (where not is_intra_group), 0) as emissions_kg_co2e,
        coalesce(sum(emissions_kg_co2) filter (where not is_intra_group), 0) as emissions_kg_co2,
        coalesce(sum(emissions_lower_kg_co2e) filter (where not is_intra_group), 0) as emissions_lower_kg_co2e,
        coalesce(sum(emissions_upper_kg_co2e) filter (where not is_intra_group), 0) as emissions_upper_kg_co2e,
        coalesce(sum(emissions_scope1_kg_co2e) filter (where not is_intra_group), 0) as emissions_scope1_kg_co2e,
        coalesce(sum(emissions_scope2_kg_co2e) filter (where not is_intra_group), 0) as emissions_scope2_kg_co2e,
        coalesce(sum(emissions_scope3_kg_co2e) filter (where not is_intra_group), 0) as emissions_scope3_kg_co2e,
        count(*) as n_lines,
        count(distinct organisation_id) as n_organisations
    from lines
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
        c.spend_sek,
        c.mapped_spend_sek,
        c.unmapped_spend_sek,
        c.excluded_spend_sek,
        c.intra_group_spend_sek,
        c.emissions_kg_co2e,
        c.emissions_kg_co2e / 1000 as emissions_t_co2e,
        c.emissions_kg_co2,
        c.emissions_lower_kg_co2e,
        c.emissions_upper_kg_co2e,
        c.emissions_scope1_kg_co2e,
        c.emissions_scope2_kg_co2e,
        c.emissions_scope3_kg_co2e,
        case when c.mapped_spend_sek > 0 then c.emissions_kg_co2e / c.mapped_spend_sek * 1000 end
            as intensity_kg_co2e_per_ksek,
        c.n_lines
    from combined as c
    left join organisations as o on o.organisation_id = c.organisation_id
)

select * from final
