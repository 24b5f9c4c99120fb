-- The keyword table of the run (emission_factors/text_rules/): patterns over the ledger's account and invoice
-- texts, with the pattern folded the way texts are (lower case, accents removed), scope prefix as given.
with source as (
    select * from text_rule
),

final as (
    select
        rule_id,
        nullif(trim(account_prefix), '') as account_prefix,
        length(coalesce(nullif(trim(account_prefix), ''), '')) as scope_length,
        list_filter(string_split(coalesce(expected_in, ''), ' '), lambda x: x <> '') as expected_in,
        match_in,
        strip_accents(lower(pattern)) as pattern_folded,
        category_id,
        regexp_replace(coalesce(industry_code, ''), '[^0-9]', '', 'g') as industry_code,
        factor_set_id,
        factor_code,
        is_excluded,
        exclusion_reason,
        priority
    from source
    where ruleset_id = getvariable('text_ruleset_id')
      and version = getvariable('text_ruleset_version')
)

select * from final
