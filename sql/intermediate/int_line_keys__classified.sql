-- The classification of each distinct line input (int_line__keys: every line with the same input_key is decided
-- alike) and the rule that decided it (DESIGN.md section 5).
-- Exclusions first (account map or account prefix, counterparty, supplier, keyword, the keyword table's
-- exclusions in the account or invoice text); then the first level with a usable factor wins:
-- supplier-specific -> supplier industry (SNI/NACE) -> organisation keyword rule on the description ->
-- account text (the keyword table over the ledger's account text, else its invoice text; never over a map
-- row a person confirmed) -> account (4+ digit prefix) -> account group (shorter prefix) -> the
-- organisation's tail-spend default (opt-in) -> unmapped. Energy spend without a factor never takes the
-- default: it waits for activity data (kWh, litres) and is otherwise reported as unmapped; so does spend whose
-- account text names energy. `industry_code` is the NACE code of what the deciding rule says was bought.
with lines as (
    select * from int_line__keys
),

organisations as (
    select * from stg_organisations
),

accounts as (
    select * from int_accounts__mapped
),

suppliers as (
    select * from int_suppliers__matched
),

counterparties as (
    select * from int_counterparties__matched
),

account_texts as (
    select * from int_account_texts__matched
),

projects as (
    select * from int_projects__capital
),

factors as (
    select factor_code from stg_pricing_factors where role = 'run'
),

joined as (
    select
        l.*,
        o.organisation_name,
        o.organisation_kind,
        o.group_id,
        o.default_factor_code,
        o.default_category_id,
        o.account_is_text,
        o.default_factor_code in (select factor_code from factors) as has_default,
        a.matched_prefix,
        a.prefix_length,
        a.map_industry_code,
        a.category_id as account_category_id,
        a.factor_code as account_factor_code,
        a.industry_code as account_industry_code,
        a.scope3_category as account_scope3_category,
        a.is_matched as is_account_matched,
        a.has_factor as account_has_factor,
        a.is_excluded as is_account_excluded,
        a.exclusion_reason as account_exclusion_reason,
        a.exclusion_rule as account_exclusion_rule,
        s.supplier_sni_code,
        s.exclusion_reason as supplier_exclusion_reason,
        s.exclusion_rule as supplier_exclusion_rule,
        s.supplier_rule_id,
        s.supplier_category_id,
        s.supplier_factor_code,
        s.supplier_industry_code,
        s.supplier_factor_value,
        s.supplier_factor_currency,
        s.industry_rule_id,
        s.industry_category_id,
        s.industry_factor_code,
        coalesce(s.is_intra_group, false) as is_intra_group,
        c.counterparty_exclusion_reason,
        c.counterparty_exclusion_rule,
        coalesce(t.text_rule_id, l.invoice_text_rule_id) as text_rule_id,
        case when t.text_rule_id is not null then t.text_category_id else l.invoice_text_category_id end
            as text_category_id,
        case when t.text_rule_id is not null then t.text_industry_code else l.invoice_text_industry_code end
            as text_industry_code,
        case when t.text_rule_id is not null then t.text_factor_code else l.invoice_text_factor_code end
            as text_factor_code,
        case when t.text_rule_id is not null then t.text_exclusion_reason else l.invoice_text_exclusion_reason end
            as text_exclusion_reason,
        p.capital_project_prefix
    from lines as l
    inner join organisations as o on o.organisation_id = l.organisation_id
    inner join accounts as a on a.organisation_id = l.organisation_id and a.account = l.account
    left join suppliers as s
        on s.organisation_id = l.organisation_id
       and coalesce(s.supplier_org_number, '') = coalesce(l.supplier_org_number, '')
       and coalesce(s.supplier_name, '') = coalesce(l.supplier_name, '')
    left join counterparties as c on c.organisation_id = l.organisation_id and c.counterparty = l.counterparty
    left join account_texts as t
        on t.organisation_id = l.organisation_id and t.account = l.account
       and t.account_name is not distinct from l.account_name
       and t.text_rule_id is not null
    left join projects as p on p.organisation_id = l.organisation_id and p.project = l.project
),

decided as (
    select
        *,
        coalesce(
            case when is_account_excluded then account_exclusion_reason end,
            counterparty_exclusion_reason,
            supplier_exclusion_reason,
            keyword_exclusion_reason,
            text_exclusion_reason
        ) as exclusion_reason_found,
        case
            when is_account_excluded then account_exclusion_rule
            when counterparty_exclusion_reason is not null then counterparty_exclusion_rule
            when supplier_exclusion_reason is not null then supplier_exclusion_rule
            when keyword_exclusion_reason is not null then keyword_exclusion_rule
            when text_exclusion_reason is not null then 'text_rule:' || text_rule_id
        end as exclusion_rule_found,
        case
            when supplier_factor_value is not null then 'supplier'
            when supplier_factor_code is not null then 'supplier'
            when industry_factor_code is not null then 'supplier_industry'
            when keyword_factor_code is not null then 'account_keyword'
            when text_factor_code is not null then 'account_text'
            when text_category_id = 'energy' then 'unmapped'
            -- a text account (a UK expense type) matched its map row as a whole: that is the account's own row
            when account_has_factor and (prefix_length >= 4 or account_is_text) then 'account'
            when account_has_factor then 'account_group'
            when coalesce(account_category_id, '') <> 'energy' and has_default then 'default'
            else 'unmapped'
        end as level_found
    from joined
),

final as (
    select
        input_key,
        n_lines,
        amount_net_sek_exact,
        organisation_id,
        organisation_name,
        organisation_kind,
        group_id,
        account,
        coalesce(department,
                 case when organisation_kind = 'company' then organisation_name end,
                 '(okänd förvaltning)') as department,
        project,
        supplier_name,
        supplier_org_number,
        supplier_sni_code,
        currency,
        is_intra_group,
        exclusion_reason_found is not null as is_excluded,
        exclusion_reason_found as exclusion_reason,
        case when exclusion_reason_found is not null then 'excluded' else level_found end as rule_level,
        case
            when exclusion_reason_found is not null then exclusion_rule_found
            when level_found = 'supplier' then 'supplier_rule:' || supplier_rule_id
            when level_found = 'supplier_industry' then industry_rule_id || ' (SNI ' || supplier_sni_code || ')'
            when level_found = 'account_keyword' then 'keyword_rule:' || keyword_rule_id
            when level_found = 'account_text' then 'text_rule:' || text_rule_id
            when level_found in ('account', 'account_group') then matched_prefix
            when level_found = 'default' then 'default:' || organisation_id
            when not is_account_matched then 'no-account-match'
            when text_category_id = 'energy' then 'needs-activity-data'
            when account_category_id = 'energy' then 'needs-activity-data'
            when account_factor_code is null then 'no-factor:' || matched_prefix
            else 'factor-missing:' || account_factor_code
        end as rule_id,
        case
            when exclusion_reason_found is not null then null
            when level_found = 'supplier' then coalesce(supplier_category_id, account_category_id, 'other')
            when level_found = 'supplier_industry' then coalesce(industry_category_id, account_category_id, 'other')
            when level_found = 'account_keyword' then coalesce(keyword_category_id, account_category_id, 'other')
            when level_found = 'account_text' then coalesce(text_category_id, account_category_id, 'other')
            when level_found in ('account', 'account_group') then coalesce(account_category_id, 'other')
            when level_found = 'default' then default_category_id
            when text_category_id = 'energy' then text_category_id
            else account_category_id
        end as category_id,
        case
            when exclusion_reason_found is not null then null
            when capital_project_prefix is not null then 2
            else account_scope3_category
        end as scope3_category,
        capital_project_prefix,
        case
            when exclusion_reason_found is not null then null
            when level_found = 'supplier' then supplier_factor_code
            when level_found = 'supplier_industry' then industry_factor_code
            when level_found = 'account_keyword' then keyword_factor_code
            when level_found = 'account_text' then text_factor_code
            when level_found in ('account', 'account_group') then account_factor_code
            when level_found = 'default' then default_factor_code
        end as factor_code,
        -- the industry whose product the line bought, as the deciding rule says (prices it in other sets)
        case
            when exclusion_reason_found is not null then null
            when level_found = 'supplier' then supplier_industry_code
            when level_found = 'supplier_industry' then supplier_sni_code
            when level_found = 'account_keyword' then keyword_industry_code
            when level_found = 'account_text' then text_industry_code
            when level_found = 'default' then null
            when level_found = 'unmapped' and text_category_id = 'energy' then text_industry_code
            else account_industry_code
        end as industry_code,
        case when exclusion_reason_found is null and level_found = 'supplier' then supplier_factor_value
        end as supplier_factor_value,
        case when exclusion_reason_found is null and level_found = 'supplier' then supplier_factor_currency
        end as supplier_factor_currency
    from decided
)

select * from final
