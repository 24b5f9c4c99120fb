-- A line with a rule level that prices it has an emission figure and every adjustment its method needs:
-- no silent null emissions.
select batch_id, source_row, account, fiscal_year, rule_level, method, factor_code, fx_rate, price_adjustment
from line_emission
where run_id = getvariable('run_id')
  and rule_level not in ('excluded', 'unmapped')
  and (emissions_kg_co2e is null
       or emissions_lower_kg_co2e is null
       or emissions_upper_kg_co2e is null
       or dq_score is null
       or (method in ('spend', 'spend_fallback', 'supplier_specific') and (fx_rate is null or price_adjustment is null))
       or method not in ('spend', 'spend_fallback', 'supplier_specific', 'activity'))
