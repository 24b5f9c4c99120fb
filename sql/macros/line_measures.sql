-- The measures every mart reports, defined once: aggregate it over a set of line_emission rows, e.g.
--     select run_id, department, line_measures(lines, true) as m from lines group by all
-- then `m.*` (or single fields) in the next CTE. `line` is the row (the table alias used as a struct) and
-- `keep` a condition on it: only lines where it holds count (a consolidated group passes
-- `not lines.is_intra_group`). Spend measures are null when no line counts; emission sums are 0.
--   spend_sek            in-scope spend: every line that is not excluded (mapped + unmapped)
--   mapped_spend_sek     spend priced by a rule (not excluded, not unmapped)
--   dq_score_weighted    data-quality score (1 best .. 5) weighted by the absolute amount of each line
create or replace macro line_measures(line, keep) as struct_pack(
    spend_sek := sum(line.amount_sek) filter (where keep and not line.is_excluded),
    mapped_spend_sek := sum(line.amount_sek) filter (where keep and line.rule_level not in ('excluded', 'unmapped')),
    unmapped_spend_sek := sum(line.amount_sek) filter (where keep and line.rule_level = 'unmapped'),
    excluded_spend_sek := sum(line.amount_sek) filter (where keep and line.is_excluded),
    emissions_kg_co2e := coalesce(sum(line.emissions_kg_co2e) filter (where keep), 0),
    emissions_kg_co2 := coalesce(sum(line.emissions_kg_co2) filter (where keep), 0),
    emissions_lower_kg_co2e := coalesce(sum(line.emissions_lower_kg_co2e) filter (where keep), 0),
    emissions_upper_kg_co2e := coalesce(sum(line.emissions_upper_kg_co2e) filter (where keep), 0),
    emissions_scope1_kg_co2e := coalesce(sum(line.emissions_scope1_kg_co2e) filter (where keep), 0),
    emissions_scope2_kg_co2e := coalesce(sum(line.emissions_scope2_kg_co2e) filter (where keep), 0),
    emissions_scope3_kg_co2e := coalesce(sum(line.emissions_scope3_kg_co2e) filter (where keep), 0),
    activity_emissions_kg_co2e := coalesce(sum(line.emissions_kg_co2e) filter (where keep and line.method = 'activity'), 0),
    dq_score_weighted := sum(line.dq_score * abs(line.amount_sek)) filter (where keep and line.dq_score is not null)
        / nullif(sum(abs(line.amount_sek)) filter (where keep and line.dq_score is not null), 0),
    n_lines := count(*) filter (where keep)
)
