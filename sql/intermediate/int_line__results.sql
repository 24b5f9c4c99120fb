-- What differs from line to line of a run: amounts, emissions and bounds, with the key of the line's decision
-- (int_line__decisions); stored per run in run_line.
with lines as not materialized (
    select * from int_line__keyed
),

final as (
    select
        batch_id,
        source_row,
        decision_id,
        amount_sek,
        amount_net_sek,
        amount_in_factor_currency,
        emissions_kg_co2e,
        emissions_kg_co2,
        emissions_scope1_kg_co2e,
        emissions_scope2_kg_co2e,
        emissions_scope3_kg_co2e,
        emissions_lower_kg_co2e,
        emissions_upper_kg_co2e
    from lines
)

select * from final
