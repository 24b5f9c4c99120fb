-- Per run and reporting category: spend and emissions; a category whose net spend is negative is flagged.
-- Measures: sql/macros/total_measures.sql, over the run's lines summed per organisation and decision (run_line_total).
with totals as (
    select * from run_line_total where rule_level not in ('excluded', 'unmapped')
),

categories as (
    select * from category
),

per_category as (
    select
        run_id,
        category_id,
        total_measures(totals, true) as m,
        sum(credit_notes_sek) as credit_notes_sek
    from totals
    group by run_id, category_id
),

final as (
    select
        p.run_id,
        p.category_id,
        c.name_sv as category_name_sv,
        c.name_en as category_name_en,
        p.m.spend_sek,
        p.m.emissions_kg_co2e,
        p.m.emissions_kg_co2e / 1000 as emissions_t_co2e,
        p.m.emissions_lower_kg_co2e,
        p.m.emissions_upper_kg_co2e,
        coalesce(p.credit_notes_sek, 0) as credit_notes_sek,
        p.m.spend_sek < 0 as has_negative_net,
        intensity_kg_co2e_per_ksek(p.m.emissions_kg_co2e, p.m.spend_sek) as intensity_kg_co2e_per_ksek,
        p.m.emissions_kg_co2e / nullif(sum(p.m.emissions_kg_co2e) over (partition by p.run_id), 0) as share_of_total,
        p.m.n_lines
    from per_category as p
    left join categories as c on c.category_id = p.category_id
)

select * from final
