-- Each ledger line of the run with the key of what decides it. A line's classification and pricing depend only on
-- its organisation, account (and account text), department, project, counterparty, supplier, currency and which
-- keyword or text rule its invoice text (description) hits, if any; its amounts are the only per-line part. So the
-- line model classifies and prices each distinct `input_key` once (int_line__keys -> int_line_keys__classified ->
-- int_line_keys__priced) and each line is its amounts times what its key decided (macro emissions_of_lines).
-- The invoice text enters the key only through the rules it hits (int_descriptions__matched,
-- int_invoice_texts__matched: matched once per distinct description), never as text: a ledger whose invoice texts
-- are all different still has few keys. What the hit decides (keyword_*, invoice_text_*) is carried along.
-- amount_net_sek_exact = amount_net x SEK per EUR / ledger currency per EUR (spend-year rates), unrounded.
with lines as (
    select * from stg_ledger_lines
),

keyword_hits as (
    select * from int_descriptions__matched
),

text_hits as (
    select * from int_invoice_texts__matched
),

fx as (
    select currency, units_per_eur from stg_exchange_rates where year = getvariable('run_year')
),

keyed as (
    select
        l.*,
        -- what the hit decides, carried so that the classification need not match the descriptions again
        k.keyword_rule_id,
        k.keyword_category_id,
        k.keyword_factor_code,
        k.keyword_industry_code,
        k.keyword_exclusion_reason,
        k.keyword_exclusion_rule,
        t.text_rule_id as invoice_text_rule_id,
        t.text_category_id as invoice_text_category_id,
        t.text_industry_code as invoice_text_industry_code,
        t.text_factor_code as invoice_text_factor_code,
        t.text_exclusion_reason as invoice_text_exclusion_reason,
        amount_net(l.amount, l.vat_amount, l.amounts_include_vat) as amount_net,
        cast(amount_net(l.amount, l.vat_amount, l.amounts_include_vat) as double)
            * (select units_per_eur from fx where currency = 'SEK') / r.units_per_eur as amount_net_sek_exact
    from lines as l
    left join keyword_hits as k on k.account = l.account and k.description = l.description
    left join text_hits as t
        on t.organisation_id = l.organisation_id and t.account = l.account and t.description = l.description
    left join fx as r on r.currency = l.currency
),

final as (
    select
        *,
        hash(organisation_id, account, account_name, department, project, counterparty, supplier_name,
             supplier_org_number, currency, keyword_rule_id, keyword_exclusion_rule, invoice_text_rule_id)
            as input_key
    from keyed
)

select * from final
