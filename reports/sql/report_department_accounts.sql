-- Per run, department and account: how the spend was classified and its emissions (the department sheets).
-- Parameters: $run_id. Account names come from the ledger lines of the run (the organisation's own names).
with lines as (
    select * from line_emission where run_id = $run_id
),

ledger as (
    select * from ledger_line
),

account_names as (
    select
        l.organisation_id,
        l.account,
        max(g.account_name) as account_name
    from lines as l
    inner join ledger as g on g.batch_id = l.batch_id and g.source_row = l.source_row
    group by l.organisation_id, l.account
),

per_account as (
    select
        organisation_id,
        department,
        category_id,
        account,
        rule_level,
        exclusion_reason,
        max(struct_pack(factor_code, factor_set_id, factor_set_version)) filter (where factor_code is not null) as factor,
        sum(amount_sek) as spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as emissions_kg_co2e,
        count(*) as n_lines
    from lines
    group by organisation_id, department, category_id, account, rule_level, exclusion_reason
),

-- the factor's product or industry name, beside its code
factor_names as (
    select * from stg_factor_names
),

final as (
    select
        p.organisation_id,
        p.department,
        p.category_id,
        p.account,
        n.account_name,
        p.rule_level,
        p.exclusion_reason,
        p.factor.factor_code,
        f.factor_name,
        p.spend_sek,
        p.emissions_kg_co2e,
        p.n_lines
    from per_account as p
    left join account_names as n on n.organisation_id = p.organisation_id and n.account = p.account
    left join factor_names as f
        on f.factor_set_id = p.factor.factor_set_id
       and f.factor_set_version = p.factor.factor_set_version
       and f.factor_code = p.factor.factor_code
    order by p.organisation_id, p.department nulls last, p.emissions_kg_co2e desc, p.spend_sek desc, p.account
)

select * from final
