-- The measures of line_measures over rows of run_line_total (a run's lines summed per organisation and decision),
-- defined once for the marts that group by organisation and decision columns only:
--     select run_id, department, total_measures(totals, true) as m from totals group by all
-- `total` is the row (the table alias used as a struct) and `keep` a condition on it. The same figures as
-- line_measures over the lines: spend sums are exact (decimals); the weighted data quality sums each decision's
-- absolute amount times its score; emission sums differ from the line-by-line sum at most in the last digits.
create or replace macro total_measures(total, keep) as struct_pack(
    spend_sek := sum(total.amount_sek) filter (where keep and not total.is_excluded),
    mapped_spend_sek := sum(total.amount_sek) filter (where keep and total.rule_level not in ('excluded', 'unmapped')),
    unmapped_spend_sek := sum(total.amount_sek) filter (where keep and total.rule_level = 'unmapped'),
    excluded_spend_sek := sum(total.amount_sek) filter (where keep and total.is_excluded),
    emissions_kg_co2e := coalesce(sum(total.emissions_kg_co2e) filter (where keep), 0),
    emissions_kg_co2 := coalesce(sum(total.emissions_kg_co2) filter (where keep), 0),
    emissions_lower_kg_co2e := coalesce(sum(total.emissions_lower_kg_co2e) filter (where keep), 0),
    emissions_upper_kg_co2e := coalesce(sum(total.emissions_upper_kg_co2e) filter (where keep), 0),
    emissions_scope1_kg_co2e := coalesce(sum(total.emissions_scope1_kg_co2e) filter (where keep), 0),
    emissions_scope2_kg_co2e := coalesce(sum(total.emissions_scope2_kg_co2e) filter (where keep), 0),
    emissions_scope3_kg_co2e := coalesce(sum(total.emissions_scope3_kg_co2e) filter (where keep), 0),
    activity_emissions_kg_co2e := coalesce(sum(total.emissions_kg_co2e) filter (where keep and total.method = 'activity'), 0),
    dq_score_weighted := sum(total.dq_score * total.abs_amount_sek) filter (where keep and total.dq_score is not null)
        / nullif(sum(total.abs_amount_sek) filter (where keep and total.dq_score is not null), 0),
    n_lines := cast(coalesce(sum(total.n_lines) filter (where keep), 0) as bigint)
)
