-- Per run and factor: the lines priced by a factor that a plausibility check flagged (emission_factors/<set>/
-- <version>/flagged_factors.csv): 'doubtful' factors are kept as published, 'overridden' ones replaced in the
-- release; both are listed with the spend and emissions they carry, never used silently.
with lines as (
    select * from run_line_emission where factor_set_id is not null and factor_code is not null
),

pricing as (
    select * from run_pricing_set where role = 'run'
),

factors as (
    select * from factor where gas = 'CO2e' and flag is not null
),

final as (
    select
        l.run_id,
        l.factor_set_id,
        l.factor_set_version,
        p.region,
        p.factor_year,
        l.factor_code,
        any_value(f.factor_name) as factor_name,
        any_value(f.flag) as flag,
        any_value(f.value) as factor_value,
        any_value(f.published_value) as published_value,
        any_value(f.notes) as reason,
        sum(l.amount_sek) as spend_sek,
        sum(l.emissions_kg_co2e) as emissions_kg_co2e,
        count(*) as n_lines
    from lines as l
    inner join pricing as p
        on p.run_id = l.run_id
       and p.factor_set_id = l.factor_set_id
       and p.factor_set_version = l.factor_set_version
    inner join factors as f
        on f.factor_set_id = l.factor_set_id
       and f.version = l.factor_set_version
       and f.factor_code = l.factor_code
       and (f.region is null or f.region = p.region)
       and (f.factor_year is null or f.factor_year = p.factor_year)
    group by l.run_id, l.factor_set_id, l.factor_set_version, p.region, p.factor_year, l.factor_code
)

select * from final
