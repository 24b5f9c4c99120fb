-- The sums of a group of a run's stored lines, one block for every reader that sums them before measuring or
-- storing (`line` is the row of run_line or run_line_emission as a struct, as in line_measures): line count,
-- spend, absolute spend, credit notes, emissions, CO2, the scope split and the bounds. Expand it into columns with
--     select organisation_id, decision_id, unnest(line_sums(lines)) from lines group by organisation_id, decision_id
-- Read by int_run_lines__summed (stored as run_line_sum; migration 0085 wrote the same sums for earlier runs),
-- emissions_by_unit and published_runs_verified.
create or replace macro line_sums(line) as struct_pack(
    n_lines := count(*),
    amount_sek := sum(line.amount_sek),
    abs_amount_sek := sum(abs(line.amount_sek)),
    credit_notes_sek := sum(line.amount_sek) filter (where line.amount_sek < 0),
    emissions_kg_co2e := sum(line.emissions_kg_co2e),
    emissions_kg_co2 := sum(line.emissions_kg_co2),
    emissions_scope1_kg_co2e := sum(line.emissions_scope1_kg_co2e),
    emissions_scope2_kg_co2e := sum(line.emissions_scope2_kg_co2e),
    emissions_scope3_kg_co2e := sum(line.emissions_scope3_kg_co2e),
    emissions_lower_kg_co2e := sum(line.emissions_lower_kg_co2e),
    emissions_upper_kg_co2e := sum(line.emissions_upper_kg_co2e)
)
