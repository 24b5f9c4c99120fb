-- Each line of int_line__emissions with the key of its decision: a hash of every column that is the same for
-- many lines (what the run decided and derived about the line). A run stores the distinct decisions once
-- (macro decisions_of_lines -> run_decision) and per line only amounts, emissions and bounds (macro
-- results_of_lines -> run_line); the view `line_emission` (migration 0050) joins them back with the ledger line.
with lines as not materialized (
    select * from int_line__emissions
),

final as (
    select
        *,
        hash(group_id, department, supplier_sni_code, industry_code, currency, is_excluded, exclusion_reason,
             is_intra_group, category_id, is_energy, scope3_category, rule_level, rule_id, method,
             activity_scope_id, activity_code, factor_set_id, factor_set_version, factor_code, factor_value,
             fx_rate, price_adjustment, dq_score) as decision_id
    from lines
)

select * from final
