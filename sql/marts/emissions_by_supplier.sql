-- Per run and supplier (org number when known, else name): spend and emissions.
with lines as (
    select * from line_emission where rule_level not in ('excluded', 'unmapped')
),

final as (
    select
        run_id,
        coalesce(supplier_org_number, supplier_name, '(okänd leverantör)') as supplier_key,
        max(supplier_name) as supplier_name,
        max(supplier_org_number) as supplier_org_number,
        sum(amount_sek) as spend_sek,
        sum(emissions_kg_co2e) as emissions_kg_co2e,
        sum(emissions_kg_co2e) / 1000 as emissions_t_co2e,
        count(*) as n_lines
    from lines
    group by run_id, coalesce(supplier_org_number, supplier_name, '(okänd leverantör)')
)

select * from final
