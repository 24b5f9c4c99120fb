-- What differs from line to line of a run (stored per run in run_line): amounts, emissions and bounds, with the
-- key of the line's decision (decisions_of_keys), and the line's organisation, period, committee and cost centre
-- (so that readers grouping by them need not join the ledger line: the view run_line_emission, migrations 0075
-- and 0084). `inputs` names the line inputs
-- (int_line__inputs), `keys` a table of their decisions (int_line_keys__priced rows); see emissions_of_lines.
create or replace macro results_of_lines(inputs, keys) as table
select
    batch_id,
    source_row,
    organisation_id,
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
    emissions_upper_kg_co2e,
    period,
    committee,
    cost_centre
from emissions_of_lines(inputs, keys)
