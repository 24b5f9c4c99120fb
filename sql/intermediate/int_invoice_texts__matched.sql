-- The keyword table's rules marked account_or_invoice_text over the invoice text (description) of each distinct
-- (organisation, account, description) of the run's lines, for accounts the map knows as a purchase that no
-- person confirmed (for an organisation whose table reads the account itself, UK expense types: only accounts the
-- map does not know, so that a free-text narrative never overrides a reviewed expense type); only the rules of the organisation's own table; within the rule's account prefix, the most
-- specific scope wins, then priority. A line whose account text matched a rule takes that one
-- (int_account_texts__matched); this one is the fallback.
with candidates as (
    select distinct l.organisation_id, o.text_ruleset_id, l.account, l.description
    from stg_ledger_lines as l
    inner join stg_organisations as o on o.organisation_id = l.organisation_id
    inner join int_accounts__mapped as a on a.organisation_id = l.organisation_id and a.account = l.account
    where l.description is not null
      and ((not o.account_is_text and a.is_matched and not a.is_confirmed and not a.is_excluded)
           or (o.account_is_text and not a.is_matched and not a.is_excluded))
),

rules as (
    select * from stg_text_rules where match_in = 'account_or_invoice_text'
),

resolved as (
    select * from stg_run_factor_rules where role = 'run'
),

-- only the rules whose scope covers the account are tried on its descriptions
in_scope as (
    select distinct c.description, r.ruleset_id, r.rule_id
    from candidates as c
    inner join rules as r
        on r.ruleset_id = c.text_ruleset_id
       and (r.account_prefix is null or starts_with(c.account, r.account_prefix))
),

descriptions as (
    select distinct description, ledger_words(description) as text_words from candidates
),

rule_terms as (
    select ruleset_id, rule_id, unnest(needles) as needle from rules
),

description_hits as (
    select distinct s.description, s.ruleset_id, s.rule_id
    from in_scope as s
    inner join descriptions as d on d.description = s.description
    inner join rule_terms as t on t.ruleset_id = s.ruleset_id and t.rule_id = s.rule_id
    where contains(d.text_words, t.needle)
),

hits as (
    select c.organisation_id, c.account, c.description, r.*
    from candidates as c
    inner join description_hits as h on h.description = c.description and h.ruleset_id = c.text_ruleset_id
    inner join rules as r
        on r.ruleset_id = h.ruleset_id
       and r.rule_id = h.rule_id
       and (r.account_prefix is null or starts_with(c.account, r.account_prefix))
    qualify row_number() over (
        partition by c.organisation_id, c.account, c.description
        order by r.scope_length desc, r.priority, r.rule_id) = 1
),

final as (
    select
        h.organisation_id,
        h.account,
        h.description,
        h.rule_id as text_rule_id,
        case when not h.is_excluded then h.category_id end as text_category_id,
        case when not h.is_excluded then coalesce(r.industry_code, nullif(h.industry_code, '')) end
            as text_industry_code,
        case when not h.is_excluded then r.factor_code end as text_factor_code,
        case when h.is_excluded then h.exclusion_reason end as text_exclusion_reason
    from hits as h
    -- the rule's factor in the run's set (int_factor_rules__resolved: its own code, its industry, or bridged)
    left join resolved as r
        on not h.is_excluded
       and r.rule_factor_set_id is not distinct from h.factor_set_id
       and r.rule_factor_code is not distinct from h.factor_code
       and r.rule_industry_code is not distinct from nullif(h.industry_code, '')
)

select * from final
