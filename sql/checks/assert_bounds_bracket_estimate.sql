-- The lower and upper bounds bracket each priced line's estimate (for credit notes the signs flip).
select batch_id, source_row, emissions_lower_kg_co2e, emissions_kg_co2e, emissions_upper_kg_co2e
from run_line_emission
where run_id = getvariable('run_id')
  and emissions_kg_co2e is not null
  and rule_level not in ('excluded', 'unmapped')
  and (least(emissions_lower_kg_co2e, emissions_upper_kg_co2e) > emissions_kg_co2e + 1e-9
       or greatest(emissions_lower_kg_co2e, emissions_upper_kg_co2e) < emissions_kg_co2e - 1e-9)
