-- Per run, organisation (and consolidated group, without intra-group purchases) and reporting category:
-- spend and emissions; credit notes net within their category and a negative net is flagged.
-- Measures: sql/macros/line_measures.sql.
with lines as (
    select * from run_line_emission where rule_level not in ('excluded', 'unmapped')
),

categories as (
    select * from category
),

groups as (
    select run_id, group_id
    from run_line_emission
    group by run_id, group_id
    having count(distinct organisation_id) > 1
),

per_organisation as (
    select
        run_id, organisation_id, false as is_group, category_id,
        line_measures(lines, true) as m,
        coalesce(sum(amount_sek) filter (where amount_sek < 0), 0) as credit_notes_sek
    from lines
    group by run_id, organisation_id, category_id
),

per_group as (
    select
        run_id, group_id as organisation_id, true as is_group, category_id,
        line_measures(lines, true) as m,
        coalesce(sum(amount_sek) filter (where amount_sek < 0), 0) as credit_notes_sek
    from lines
    inner join groups using (run_id, group_id)
    where not is_intra_group
    group by run_id, group_id, category_id
),

combined as (
    select * from per_organisation
    union all
    select * from per_group
),

final as (
    select
        p.run_id,
        p.organisation_id,
        p.is_group,
        p.category_id,
        c.name_sv as category_name_sv,
        c.name_en as category_name_en,
        p.m.spend_sek,
        p.m.emissions_kg_co2e,
        p.m.emissions_kg_co2e / 1000 as emissions_t_co2e,
        p.m.emissions_lower_kg_co2e,
        p.m.emissions_upper_kg_co2e,
        p.credit_notes_sek,
        p.m.spend_sek < 0 as has_negative_net,
        intensity_kg_co2e_per_ksek(p.m.emissions_kg_co2e, p.m.spend_sek) as intensity_kg_co2e_per_ksek,
        p.m.emissions_kg_co2e / nullif(sum(p.m.emissions_kg_co2e) over (partition by p.run_id, p.organisation_id,
                                                                    p.is_group), 0) as share_of_total,
        p.m.n_lines
    from combined as p
    left join categories as c on c.category_id = p.category_id
)

select * from final
