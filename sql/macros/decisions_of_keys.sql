-- The distinct decisions of a run's lines, one row each (stored per run in run_decision): rule, category, method,
-- factor set, code and value, adjustments, data quality, and what the run derived about the line (group,
-- department, supplier industry). `keys` names a table of int_line_keys__priced rows (one per distinct line
-- input; several inputs may share a decision): compute_run materialises them once and stores them as decisions
-- (this) and, with each line's amounts, as narrow lines (results_of_lines).
create or replace macro decisions_of_keys(keys) as table
select distinct
    decision_id,
    group_id,
    department,
    supplier_sni_code,
    industry_code,
    currency,
    is_excluded,
    exclusion_reason,
    is_intra_group,
    category_id,
    is_energy,
    scope3_category,
    rule_level,
    rule_id,
    method,
    activity_scope_id,
    activity_code,
    factor_set_id,
    factor_set_version,
    factor_code,
    factor_value,
    fx_rate,
    price_adjustment,
    dq_score
from query_table(keys)
