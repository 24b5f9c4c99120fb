-- The checksum of a run's line results (an aggregate over its lines; `line` is the row of run_line_emission as a
-- struct, as in line_measures): line count, spend, emissions to the gram and an order-independent hash of every
-- line's decision (rule, category, factor, emissions). Stored when a run is published (int_runs__checksummed) and
-- compared afterwards (macro published_runs_verified).
create or replace macro lines_checksum(line) as
    count(*) || ':' || coalesce(sum(line.amount_sek), 0) || ':'
        || coalesce(sum(cast(round(line.emissions_kg_co2e, 3) as decimal(38, 3))), 0) || ':'
        || coalesce(bit_xor(md5_number_lower(concat_ws('|', line.batch_id, line.source_row, line.rule_level,
               line.rule_id, line.category_id, line.factor_code,
               cast(round(line.emissions_kg_co2e, 3) as decimal(38, 3))))), 0)
