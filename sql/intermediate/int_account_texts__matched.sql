-- The keyword table (stg_text_rules) over the ledger's account texts: for each distinct (organisation, account,
-- account text) of the run's lines, the rule that applies to it, whether that contradicts the account map, and
-- a suggestion. Texts are read as words (ledger_words: lower case, no accents) and searched for the rules' terms.
--   applies:    only to an account the map knows as a purchase that no person confirmed (a confirmed override
--               stands), whose text is not simply the map row's own label, and only within the rule's account
--               prefix; the most specific scope wins, then priority.
--   conflict:   the rule that applies has no account prefix (the text names what was bought), the account is not
--               in one of the rule's expected_in groups, and the rule says another category, another NACE
--               division, or an exclusion where the map says purchase.
--   suggestion: for an account the map does not know, the best rule of any scope (a person must accept it);
--               for a conflict, the rule that applied (accepting it confirms the ledger's word).
with texts as (
    select distinct organisation_id, account, account_name
    from stg_ledger_lines
    where account_name is not null
),

accounts as (
    select * from int_accounts__mapped
),

rules as (
    select * from stg_text_rules
),

resolved as (
    select * from stg_run_factor_rules where role = 'run'
),

words as (
    select *, ledger_words(account_name) as text_words from texts
),

rule_terms as (
    select rule_id, unnest(needles) as needle from rules
),

matched as (
    select distinct w.organisation_id, w.account, w.account_name, t.rule_id
    from words as w
    inner join rule_terms as t on contains(w.text_words, t.needle)
),

hits as (
    select m.organisation_id, m.account, m.account_name, r.*
    from matched as m
    inner join rules as r on r.rule_id = m.rule_id
),

applied as (
    select h.*
    from hits as h
    inner join accounts as a on a.organisation_id = h.organisation_id and a.account = h.account
    where a.is_matched and not a.is_confirmed and not a.is_excluded
      and strip_accents(lower(trim(h.account_name))) <> strip_accents(lower(trim(coalesce(a.map_account_name, ''))))
      and (h.account_prefix is null or starts_with(h.account, h.account_prefix))
    qualify row_number() over (
        partition by h.organisation_id, h.account, h.account_name
        order by h.scope_length desc, h.priority, h.rule_id) = 1
),

suggested as (
    select h.*
    from hits as h
    qualify row_number() over (
        partition by h.organisation_id, h.account, h.account_name
        order by h.priority, h.scope_length desc, h.rule_id) = 1
),

final as (
    select
        t.organisation_id,
        t.account,
        t.account_name,
        p.rule_id as text_rule_id,
        p.account_prefix is null as is_identifying_rule,
        case when not p.is_excluded then p.category_id end as text_category_id,
        case when not p.is_excluded then coalesce(r.industry_code, nullif(p.industry_code, '')) end
            as text_industry_code,
        case when not p.is_excluded then r.factor_code end as text_factor_code,
        case when p.is_excluded then p.exclusion_reason end as text_exclusion_reason,
        p.factor_set_id as text_rule_factor_set_id,
        p.factor_code as text_rule_factor_code,
        p.rule_id is not null and p.account_prefix is null
        and len(list_filter(p.expected_in, lambda x: starts_with(t.account, x))) = 0 and (
            p.is_excluded
            or coalesce(p.category_id, '') <> coalesce(a.category_id, '')
            or (coalesce(p.industry_code, '') <> '' and coalesce(a.map_industry_code, '') <> ''
                and left(p.industry_code, 2) <> left(a.map_industry_code, 2))
        ) as is_conflict,
        s.rule_id as best_rule_id,
        s.category_id as best_category_id,
        nullif(s.industry_code, '') as best_industry_code,
        s.factor_set_id as best_factor_set_id,
        s.factor_code as best_factor_code,
        case when s.is_excluded then s.exclusion_reason end as best_exclusion_reason
    from texts as t
    left join accounts as a on a.organisation_id = t.organisation_id and a.account = t.account
    left join applied as p
        on p.organisation_id = t.organisation_id and p.account = t.account and p.account_name = t.account_name
    left join suggested as s
        on s.organisation_id = t.organisation_id and s.account = t.account and s.account_name = t.account_name
    -- the rule's factor in the run's set (int_factor_rules__resolved: its own code, its industry, or bridged)
    left join resolved as r
        on not coalesce(p.is_excluded, false)
       and r.rule_factor_set_id is not distinct from p.factor_set_id
       and r.rule_factor_code is not distinct from p.factor_code
       and r.rule_industry_code is not distinct from nullif(p.industry_code, '')
)

select * from final
