-- The distinct inputs of the run's lines (int_line__inputs): one row per distinct set of the fields that decide a
-- line (with what its invoice text's rule hit decides), its input_key, its number of lines and their net spend in
-- SEK (what activity data are shared out by).
-- Grouped by the fields themselves, not only their hash: two inputs whose keys collided (or a rule hit deciding
-- two things) would give two rows with one key, each line would then join twice and the run's check
-- assert_run_covers_loaded_lines would fail it as a duplicate (never a silent merge).
with inputs as (
    select * from int_line__inputs
),

final as (
    select
        input_key,
        organisation_id,
        account,
        account_name,
        department,
        project,
        counterparty,
        supplier_name,
        supplier_org_number,
        currency,
        keyword_rule_id,
        keyword_category_id,
        keyword_factor_code,
        keyword_industry_code,
        keyword_exclusion_reason,
        keyword_exclusion_rule,
        invoice_text_rule_id,
        invoice_text_category_id,
        invoice_text_industry_code,
        invoice_text_factor_code,
        invoice_text_exclusion_reason,
        count(*) as n_lines,
        sum(amount_net_sek_exact) as amount_net_sek_exact
    from inputs
    group by all
)

select * from final
