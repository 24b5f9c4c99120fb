-- The distinct inputs of the run's lines (int_line__inputs): one row per distinct set of the fields that decide a
-- line, with its input_key, what its invoice text's hit decides, its number of lines and their net spend in SEK
-- (what activity data are shared out by).
-- Grouped by the fields themselves, not only their hash: two inputs whose keys collided would give two rows with
-- one key, each line would then join twice and the run's check assert_run_covers_loaded_lines would fail it as a
-- duplicate (never a silent merge).
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
        description_key as description,
        -- functions of (organisation, account, description_key): one value per key
        any_value(keyword_rule_id) as keyword_rule_id,
        any_value(keyword_category_id) as keyword_category_id,
        any_value(keyword_factor_code) as keyword_factor_code,
        any_value(keyword_industry_code) as keyword_industry_code,
        any_value(keyword_exclusion_reason) as keyword_exclusion_reason,
        any_value(keyword_exclusion_rule) as keyword_exclusion_rule,
        any_value(invoice_text_rule_id) as invoice_text_rule_id,
        any_value(invoice_text_category_id) as invoice_text_category_id,
        any_value(invoice_text_industry_code) as invoice_text_industry_code,
        any_value(invoice_text_factor_code) as invoice_text_factor_code,
        any_value(invoice_text_exclusion_reason) as invoice_text_exclusion_reason,
        count(*) as n_lines,
        sum(amount_net_sek_exact) as amount_net_sek_exact
    from inputs
    group by input_key, organisation_id, account, account_name, department, project, counterparty, supplier_name,
             supplier_org_number, currency, description_key
)

select * from final
