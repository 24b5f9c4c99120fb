-- The keyword table's rules marked account_or_invoice_text over the invoice text (description) of each distinct
-- (organisation, account, description) of the run's lines, for accounts the map knows as a purchase that no
-- person confirmed; within the rule's account prefix, the most specific scope wins, then priority. A line whose
-- account text matched a rule takes that one (int_account_texts__matched); this one is the fallback.
with candidates as (
    select distinct l.organisation_id, l.account, l.description
    from stg_ledger_lines as l
    inner join int_accounts__mapped as a on a.organisation_id = l.organisation_id and a.account = l.account
    where l.description is not null
      and a.is_matched and not a.is_confirmed and not a.is_excluded
),

rules as (
    select * from stg_text_rules where match_in = 'account_or_invoice_text'
),

factors as (
    select factor_code from stg_factors
),

factor_set as (
    select factor_set_id from stg_factor_set
),

descriptions as (
    select distinct description, strip_accents(lower(description)) as text_folded from candidates
),

description_hits as (
    select d.description, r.*
    from descriptions as d
    inner join rules as r on regexp_matches(d.text_folded, r.pattern_folded)
),

hits as (
    select c.organisation_id, c.account, h.*
    from candidates as c
    inner join description_hits as h
        on h.description = c.description
       and (h.account_prefix is null or starts_with(c.account, h.account_prefix))
    qualify row_number() over (
        partition by c.organisation_id, c.account, c.description
        order by h.scope_length desc, h.priority, h.rule_id) = 1
),

final as (
    select
        organisation_id,
        account,
        description,
        rule_id as text_rule_id,
        case when not is_excluded then category_id end as text_category_id,
        case when not is_excluded then nullif(industry_code, '') end as text_industry_code,
        case when not is_excluded
                  and factor_set_id = (select factor_set_id from factor_set)
                  and factor_code in (select factor_code from factors) then factor_code
        end as text_factor_code,
        case when is_excluded then exclusion_reason end as text_exclusion_reason
    from hits
)

select * from final
