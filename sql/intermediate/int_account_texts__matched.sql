-- The keyword table (stg_text_rules) over the ledger's account texts: for each distinct (organisation, account,
-- account text) of the run's lines, the rule that applies to it, whether that contradicts the account map, and
-- a suggestion. Texts are read as words (ledger_words: lower case, no accents) and searched for the rules' terms.
--   applies:    only to an account the map knows as a purchase that no person confirmed (a confirmed override
--               stands), whose text is not simply the map row's own label, and only within the rule's account
--               prefix; the most specific scope wins, then priority.
--   conflict:   the rule that applies has no account prefix (the text names what was bought), the account is not
--               in one of the rule's expected_in groups, and the rule says another category, another NACE
--               division, or an exclusion where the map says purchase.
--   expense types: an organisation whose keyword table reads the account itself (account_is_text: a UK council's
--               account is its expense type) has it read as its text, and there the table also classifies accounts
--               the map does not know or whose map row gives no factor in the run's set (a map row with the same
--               label and a factor decides, like any map row's own label).
--   suggestion: for an account the map does not know, the best rule of any scope (a person must accept it);
--               for a conflict, the rule that applied (accepting it confirms the ledger's word).
with organisations as (
    select organisation_id, text_ruleset_id, account_is_text from stg_organisations
),

texts as (
    select distinct
        l.organisation_id,
        l.account,
        l.account_name,
        case when o.account_is_text then l.account else l.account_name end as account_text,
        o.text_ruleset_id,
        o.account_is_text
    from stg_ledger_lines as l
    inner join organisations as o on o.organisation_id = l.organisation_id
    where (case when o.account_is_text then l.account else l.account_name end) is not null
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
    select distinct text_ruleset_id, account_text, ledger_words(account_text) as text_words from texts
),

rule_terms as (
    select ruleset_id, rule_id, unnest(needles) as needle from rules
),

matched as (
    select distinct w.text_ruleset_id, w.account_text, t.rule_id
    from words as w
    inner join rule_terms as t on t.ruleset_id = w.text_ruleset_id and contains(w.text_words, t.needle)
),

hits as (
    select t.organisation_id, t.account, t.account_name, t.account_text, t.account_is_text, r.*
    from texts as t
    inner join matched as m on m.text_ruleset_id = t.text_ruleset_id and m.account_text = t.account_text
    inner join rules as r on r.ruleset_id = m.text_ruleset_id and r.rule_id = m.rule_id
),

applied as (
    select h.*
    from hits as h
    inner join accounts as a on a.organisation_id = h.organisation_id and a.account = h.account
    where ((a.is_matched and not a.is_confirmed and not a.is_excluded
            and strip_accents(lower(trim(h.account_text)))
                <> strip_accents(lower(trim(coalesce(a.map_account_name, '')))))
           or (h.account_is_text and not a.is_excluded and (not a.is_matched
               -- an expense type whose map row gives no factor in the run's set (Harrogate's "Electricity":
               -- energy, no industry) is classified by the table like an unknown one
               or (not a.has_factor and not a.is_confirmed))))
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
        p.rule_id is not null and p.account_prefix is null and a.is_matched
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
        on p.organisation_id = t.organisation_id and p.account = t.account
       and p.account_name is not distinct from t.account_name
    left join suggested as s
        on s.organisation_id = t.organisation_id and s.account = t.account
       and s.account_name is not distinct from t.account_name
    -- the rule's factor in the run's set (int_factor_rules__resolved: its own code, its industry, or bridged)
    left join resolved as r
        on not coalesce(p.is_excluded, false)
       and r.rule_factor_set_id is not distinct from p.factor_set_id
       and r.rule_factor_code is not distinct from p.factor_code
       and r.rule_industry_code is not distinct from nullif(p.industry_code, '')
)

select * from final
