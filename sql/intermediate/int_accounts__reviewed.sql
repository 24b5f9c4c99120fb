-- The mapping review of a run: one row per organisation and account with the ledger's account text (the most
-- frequent), the account-map row it matched (label, category, industry, factor, exclusion, source, whether a
-- person confirmed it), the keyword rule its text matched, whether the two contradict each other, and a
-- suggestion (for a conflict: the ledger's word; for an account the map does not know: the best keyword rule).
-- compute_run stores it as run_account; the mart mapping_review joins it to the run's spend.
with names as (
    select organisation_id, account, mode(account_name) as account_name
    from stg_ledger_lines
    group by organisation_id, account
),

accounts as (
    select * from int_accounts__mapped
),

texts as (
    select * from int_account_texts__matched
),

final as (
    select
        n.organisation_id,
        n.account,
        n.account_name,
        a.matched_prefix as map_prefix,
        a.map_account_name as map_label,
        a.category_id as map_category_id,
        a.map_industry_code,
        a.map_factor_set_id,
        a.factor_code as map_factor_code,
        case when a.is_matched then a.is_excluded end as map_is_excluded,
        a.exclusion_reason as map_exclusion_reason,
        a.map_source,
        coalesce(a.is_confirmed, false) as is_confirmed,
        t.text_rule_id,
        t.text_category_id,
        t.text_industry_code,
        t.text_factor_code,
        t.text_exclusion_reason,
        coalesce(t.is_conflict, false) as is_conflict,
        case when t.is_conflict then t.text_rule_id when not a.is_matched and t.text_rule_id is null then t.best_rule_id end
            as suggested_rule_id,
        case when t.is_conflict then t.text_category_id when not a.is_matched and t.text_rule_id is null then t.best_category_id end
            as suggested_category_id,
        case when t.is_conflict then t.text_industry_code when not a.is_matched and t.text_rule_id is null then t.best_industry_code end
            as suggested_industry_code,
        case when t.is_conflict then t.text_rule_factor_set_id when not a.is_matched and t.text_rule_id is null then t.best_factor_set_id end
            as suggested_factor_set_id,
        case when t.is_conflict then t.text_rule_factor_code when not a.is_matched and t.text_rule_id is null then t.best_factor_code end
            as suggested_factor_code,
        case when t.is_conflict then t.text_exclusion_reason when not a.is_matched and t.text_rule_id is null then t.best_exclusion_reason end
            as suggested_exclusion_reason
    from names as n
    inner join accounts as a on a.organisation_id = n.organisation_id and a.account = n.account
    left join texts as t
        on t.organisation_id = n.organisation_id and t.account = n.account
       and t.account_name is not distinct from n.account_name
)

select * from final
