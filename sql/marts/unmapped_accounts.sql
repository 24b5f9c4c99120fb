-- Per run, organisation and account: spend that could not be classified, with why, largest first; with the
-- ledger's account text, the largest suppliers and a suggestion from the keyword table (run_account).
with lines as (
    select * from line_emission where rule_level = 'unmapped'
),

accounts as (
    select * from run_account
),

supplier_spend as (
    select
        run_id,
        organisation_id,
        account,
        coalesce(supplier_name, supplier_org_number) as supplier,
        sum(amount_sek) as supplier_spend_sek
    from lines
    where coalesce(supplier_name, supplier_org_number) is not null
    group by run_id, organisation_id, account, coalesce(supplier_name, supplier_org_number)
    qualify row_number() over (
        partition by run_id, organisation_id, account order by supplier_spend_sek desc, supplier) <= 3
),

suppliers as (
    select
        run_id,
        organisation_id,
        account,
        string_agg(supplier, '; ' order by supplier_spend_sek desc, supplier) as largest_suppliers
    from supplier_spend
    group by all
),

per_account as (
    select
        run_id,
        organisation_id,
        account,
        string_agg(distinct rule_id, ', ' order by rule_id) as reason,
        sum(amount_sek) as spend_sek,
        count(*) as n_lines
    from lines
    group by run_id, organisation_id, account
),

final as (
    select
        p.*,
        a.account_name,
        s.largest_suppliers,
        a.suggested_rule_id,
        a.suggested_category_id,
        a.suggested_industry_code,
        a.suggested_factor_set_id,
        a.suggested_factor_code,
        a.suggested_exclusion_reason
    from per_account as p
    left join accounts as a
        on a.run_id = p.run_id and a.organisation_id = p.organisation_id and a.account = p.account
    left join suppliers as s
        on s.run_id = p.run_id and s.organisation_id = p.organisation_id and s.account = p.account
    order by p.spend_sek desc
)

select * from final
