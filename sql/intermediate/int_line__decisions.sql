-- The distinct decisions of a run's lines (rule, category, method, factor and its adjustments, data quality,
-- and what the run derived about the line), one row each; stored per run in run_decision.
with lines as not materialized (
    select * from int_line__keyed
),

final as (
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
    from lines
)

select * from final
