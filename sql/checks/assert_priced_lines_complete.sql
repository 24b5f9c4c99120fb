-- A classified (mapped) line has every price adjustment it needs: no silent null emissions.
select batch_id, source_row, account, fiscal_year, factor_code, fx_rate, price_adjustment
from line_emission
where run_id = getvariable('run_id')
  and rule_level not in ('excluded', 'unmapped')
  and (emissions_kg_co2e is null or fx_rate is null or price_adjustment is null)
