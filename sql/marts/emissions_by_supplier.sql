-- Per run and supplier (org number when known, else name): spend, emissions, industry and how classified.
-- rule_level is the level most of the supplier's lines were classified at (on a tie the last in alphabetical
-- order). The lines are summed per supplier and level first, then per supplier: every step groups by run_id, so
-- a read of one run (where run_id = ?) filters the lines before the ledger join (a mode() over the lines would
-- read them twice, and the filter would then wait for the join of every stored run's lines).
with lines as (
    select * from line_emission where rule_level not in ('excluded', 'unmapped')
),

by_level as (
    select
        run_id,
        coalesce(supplier_org_number, supplier_name, '(okänd leverantör)') as supplier_key,
        rule_level,
        max(supplier_name) as supplier_name,
        max(supplier_org_number) as supplier_org_number,
        max(supplier_sni_code) as supplier_sni_code,
        bool_or(is_intra_group) as is_intra_group,
        sum(amount_sek) as spend_sek,
        sum(emissions_kg_co2e) as emissions_kg_co2e,
        count(*) as n_lines
    from lines
    group by run_id, coalesce(supplier_org_number, supplier_name, '(okänd leverantör)'), rule_level
),

final as (
    select
        run_id,
        supplier_key,
        max(supplier_name) as supplier_name,
        max(supplier_org_number) as supplier_org_number,
        max(supplier_sni_code) as supplier_sni_code,
        arg_max(rule_level, struct_pack(n := n_lines, level := rule_level)) as rule_level,
        bool_or(is_intra_group) as is_intra_group,
        sum(spend_sek) as spend_sek,
        sum(emissions_kg_co2e) as emissions_kg_co2e,
        sum(emissions_kg_co2e) / 1000 as emissions_t_co2e,
        case when sum(spend_sek) > 0 then sum(emissions_kg_co2e) / sum(spend_sek) * 1000 end
            as intensity_kg_co2e_per_ksek,
        cast(sum(n_lines) as bigint) as n_lines
    from by_level
    group by run_id, supplier_key
)

select * from final
