-- Per run and supplier (org number when known, else name): spend, emissions, industry and how classified.
with lines as (
    select * from line_emission where rule_level not in ('excluded', 'unmapped')
),

final as (
    select
        run_id,
        coalesce(supplier_org_number, supplier_name, '(okänd leverantör)') as supplier_key,
        max(supplier_name) as supplier_name,
        max(supplier_org_number) as supplier_org_number,
        max(supplier_sni_code) as supplier_sni_code,
        mode(rule_level) as rule_level,
        bool_or(is_intra_group) as is_intra_group,
        sum(amount_sek) as spend_sek,
        sum(emissions_kg_co2e) as emissions_kg_co2e,
        sum(emissions_kg_co2e) / 1000 as emissions_t_co2e,
        case when sum(amount_sek) > 0 then sum(emissions_kg_co2e) / sum(amount_sek) * 1000 end
            as intensity_kg_co2e_per_ksek,
        count(*) as n_lines
    from lines
    group by run_id, coalesce(supplier_org_number, supplier_name, '(okänd leverantör)')
)

select * from final
