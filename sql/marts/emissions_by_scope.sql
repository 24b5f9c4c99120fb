-- Per run and organisation: emissions by GHG Protocol scope and scope 3 category. Spend-based figures are
-- scope 3 category 1 (purchased goods and services) or 2 (capital goods, in full in the year of acquisition);
-- activity data splits into scope 1 (fuels burnt in own vehicles and boilers), scope 2 (purchased electricity
-- and heat) and scope 3 category 3 (well-to-tank and losses) or 6 (business travel).
with lines as (
    select * from run_line_emission where rule_level not in ('excluded', 'unmapped')
),

scope_rows as (
    select run_id, organisation_id, 1 as ghg_scope, cast(null as integer) as scope3_category,
           emissions_scope1_kg_co2e as emissions_kg_co2e, 0.0 as spend_sek
    from lines where emissions_scope1_kg_co2e <> 0
    union all
    select run_id, organisation_id, 2, null, emissions_scope2_kg_co2e, 0.0
    from lines where emissions_scope2_kg_co2e <> 0
    union all
    select run_id, organisation_id, 3, scope3_category, emissions_scope3_kg_co2e, cast(amount_sek as double)
    from lines
),

labels as (
    select * from (values
        (1, null, 'Scope 1: egen förbränning (fordon, pannor)', 'Scope 1: own combustion (vehicles, boilers)'),
        (2, null, 'Scope 2: köpt el och värme', 'Scope 2: purchased electricity and heat'),
        (3, 1, 'Scope 3.1: inköpta varor och tjänster', 'Scope 3.1: purchased goods and services'),
        (3, 2, 'Scope 3.2: kapitalvaror (investeringar)', 'Scope 3.2: capital goods (investments)'),
        (3, 3, 'Scope 3.3: bränsle- och energirelaterat (uppströms, förluster)',
               'Scope 3.3: fuel- and energy-related activities (upstream, losses)'),
        (3, 6, 'Scope 3.6: tjänsteresor', 'Scope 3.6: business travel')
    ) as t(ghg_scope, scope3_category, label_sv, label_en)
),

final as (
    select
        s.run_id,
        s.organisation_id,
        s.ghg_scope,
        s.scope3_category,
        coalesce(l.label_sv, 'Scope ' || s.ghg_scope || coalesce('.' || s.scope3_category, '')) as label_sv,
        coalesce(l.label_en, 'Scope ' || s.ghg_scope || coalesce('.' || s.scope3_category, '')) as label_en,
        sum(s.spend_sek) as spend_sek,
        sum(s.emissions_kg_co2e) as emissions_kg_co2e,
        sum(s.emissions_kg_co2e) / 1000 as emissions_t_co2e
    from scope_rows as s
    left join labels as l
        on l.ghg_scope = s.ghg_scope and l.scope3_category is not distinct from s.scope3_category
    group by all
)

select * from final
