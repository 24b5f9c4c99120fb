-- An excluded line has a reason from the fixed vocabulary and no emissions; an unmapped line has a reason
-- (rule_id) and no emissions; a mapped line has a category.
select batch_id, source_row, rule_level, exclusion_reason, rule_id, category_id, emissions_kg_co2e
from run_line_emission
where run_id = getvariable('run_id')
  and (
      (rule_level = 'excluded' and (exclusion_reason is null or emissions_kg_co2e <> 0
           or exclusion_reason not in ('personnel', 'pensions', 'grants_transfers', 'financial', 'depreciation',
                                       'taxes_vat', 'internal', 'balance_sheet', 'revenue')))
      or (rule_level = 'unmapped' and (rule_id is null or emissions_kg_co2e is not null))
      or (rule_level not in ('excluded', 'unmapped') and category_id is null)
  )
