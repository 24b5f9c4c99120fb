-- Ledger lines with their classification and the rule that decided it.
-- Precedence: explicit exclusions (counterparty / supplier) -> account map (longest prefix:
-- 'account' for 4+ digits, 'account_group' for shorter prefixes) -> unmapped.
with lines as (
    select * from stg_ledger_lines
),

accounts as (
    select * from int_accounts__mapped
),

exclusions as (
    select * from exclusion
),

flagged as (
    select
        l.*,
        (select e.reason from exclusions as e
         where (e.match_kind = 'counterparty' and l.counterparty is not null
                and (e.match_value = '*' or l.counterparty = e.match_value))
            or (e.match_kind = 'supplier_org_number' and l.supplier_org_number = e.match_value)
         limit 1) as explicit_exclusion_reason
    from lines as l
),

final as (
    select
        f.batch_id,
        f.source_row,
        f.organisation_id,
        f.fiscal_year,
        f.period,
        f.account,
        f.committee,
        f.department,
        f.cost_centre,
        f.project,
        f.supplier_name,
        f.supplier_org_number,
        f.amount,
        f.currency,
        f.vat_amount,
        f.amounts_include_vat,
        f.explicit_exclusion_reason is not null or a.is_excluded as is_excluded,
        coalesce(f.explicit_exclusion_reason, case when a.is_excluded then a.exclusion_reason end) as exclusion_reason,
        case when f.explicit_exclusion_reason is null and not a.is_excluded then a.category_id end as category_id,
        case when f.explicit_exclusion_reason is null and not a.is_excluded then a.scope3_category end
            as scope3_category,
        a.map_factor_set_id,
        case when f.explicit_exclusion_reason is null and not a.is_excluded then a.factor_code end as factor_code,
        case
            when f.explicit_exclusion_reason is not null or a.is_excluded then 'excluded'
            when not a.is_matched then 'unmapped'
            when a.prefix_length >= 4 then 'account'
            else 'account_group'
        end as rule_level,
        case
            when f.explicit_exclusion_reason is not null then 'exclusion'
            else a.matched_prefix
        end as rule_id
    from flagged as f
    inner join accounts as a on a.account = f.account
)

select * from final
