-- The stored sums of the run's lines per organisation and decision (run_line_sum, which the marts read through
-- run_line_total) are the sums of its stored lines (int_run_lines__summed): the same organisations and decisions,
-- the same line counts and spend to the öre, and emissions equal up to the last digits a sum of doubles may differ
-- in when added in another order. One row per organisation and decision that differs.
with stored as (
    select * from run_line_sum where run_id = getvariable('run_id')
),

lines as (
    select * from int_run_lines__summed
),

final as (
    select
        coalesce(s.organisation_id, l.organisation_id) as organisation_id,
        coalesce(s.decision_id, l.decision_id) as decision_id,
        s.n_lines as stored_lines,
        l.n_lines as lines,
        s.amount_sek as stored_amount_sek,
        l.amount_sek as amount_sek,
        s.emissions_kg_co2e as stored_emissions_kg_co2e,
        l.emissions_kg_co2e as emissions_kg_co2e
    from stored as s
    full outer join lines as l
        on l.organisation_id is not distinct from s.organisation_id and l.decision_id = s.decision_id
    where s.n_lines is distinct from l.n_lines
       or s.amount_sek is distinct from l.amount_sek
       or s.abs_amount_sek is distinct from l.abs_amount_sek
       or s.credit_notes_sek is distinct from l.credit_notes_sek
       or not sums_agree(s.emissions_kg_co2e, l.emissions_kg_co2e)
       or not sums_agree(s.emissions_kg_co2, l.emissions_kg_co2)
       or not sums_agree(s.emissions_scope1_kg_co2e, l.emissions_scope1_kg_co2e)
       or not sums_agree(s.emissions_scope2_kg_co2e, l.emissions_scope2_kg_co2e)
       or not sums_agree(s.emissions_scope3_kg_co2e, l.emissions_scope3_kg_co2e)
       or not sums_agree(s.emissions_lower_kg_co2e, l.emissions_lower_kg_co2e)
       or not sums_agree(s.emissions_upper_kg_co2e, l.emissions_upper_kg_co2e)
)

select * from final
