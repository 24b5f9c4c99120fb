-- Per run, alternative factor set and reporting category: the run's emissions and what the same purchases give
-- with the other set ("with US EPA factors the same purchases give X t"), summed over the run's organisations.
-- Spend the other set could not price keeps the run's figure (kept_spend_sek).
with sensitivity as (
    select * from run_sensitivity
),

categories as (
    select * from category
),

sets as (
    select * from factor_set
),

per_category as (
    select
        run_id,
        factor_set_id,
        factor_set_version,
        any_value(region) as region,
        category_id,
        sum(run_emissions_kg_co2e) as run_emissions_kg_co2e,
        sum(emissions_kg_co2e) as emissions_kg_co2e,
        sum(repriced_spend_sek) as repriced_spend_sek,
        sum(kept_spend_sek) as kept_spend_sek
    from sensitivity
    group by run_id, factor_set_id, factor_set_version, category_id
),

final as (
    select
        p.run_id,
        p.factor_set_id,
        p.factor_set_version,
        p.region,
        s.name as factor_set_name,
        p.category_id,
        c.name_sv as category_name_sv,
        c.name_en as category_name_en,
        c.sort_order,
        p.run_emissions_kg_co2e,
        p.emissions_kg_co2e,
        p.emissions_kg_co2e - p.run_emissions_kg_co2e as difference_kg_co2e,
        p.emissions_kg_co2e / nullif(p.run_emissions_kg_co2e, 0) as ratio_to_run,
        p.repriced_spend_sek,
        p.kept_spend_sek
    from per_category as p
    left join categories as c on c.category_id = p.category_id
    left join sets as s on s.factor_set_id = p.factor_set_id and s.version = p.factor_set_version
)

select * from final
