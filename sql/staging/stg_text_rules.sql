-- The keyword tables of the run's organisations (emission_factors/text_rules/; each organisation reads one, by
-- its country): one row per rule with its terms as search strings over ledger_words(text): ' forskol' for the
-- term förskol* (a word start), ' el ' for el (a whole word).
with source as (
    select * from text_rule
),

tables_in_use as (
    select distinct text_ruleset_id, text_ruleset_version from stg_organisations
),

chosen as (
    select s.*
    from source as s
    inner join tables_in_use as t on t.text_ruleset_id = s.ruleset_id and t.text_ruleset_version = s.version
),

final as (
    select
        ruleset_id,
        rule_id,
        nullif(trim(account_prefix), '') as account_prefix,
        length(coalesce(nullif(trim(account_prefix), ''), '')) as scope_length,
        list_filter(string_split(coalesce(expected_in, ''), ' '), lambda x: x <> '') as expected_in,
        match_in,
        list_transform(
            list_filter(string_split(keywords, '|'), lambda term: trim(term) <> ''),
            lambda term: rtrim(ledger_words(rtrim(trim(term), '*')), ' ')
                         || case when ends_with(trim(term), '*') then '' else ' ' end
        ) as needles,
        category_id,
        regexp_replace(coalesce(industry_code, ''), '[^0-9]', '', 'g') as industry_code,
        factor_set_id,
        factor_code,
        is_excluded,
        exclusion_reason,
        priority
    from chosen
)

select * from final
