-- 0075 a run's lines without the ledger join (issue 19): most readers of a run (marts grouped by organisation,
-- department, category, scope or method; the run checks; the checksum of a published run) need no field of the
-- ledger line but its organisation. `run_line` now carries the line's organisation, and the view
-- `run_line_emission` gives every column of `line_emission` except the ledger line's own fields (fiscal year,
-- period, account, committee, cost centre, project, supplier, amount in the ledger currency) without joining
-- `ledger_line`: at a million lines that join cost about 0.1 s per reader. Readers that need those fields
-- (months, suppliers, accounts, units, line results) keep reading `line_emission`.

alter table run_line add column organisation_id varchar;

-- runs stored since 0050: the organisation of each line, from its ledger line (never changed once loaded)
update run_line
set organisation_id = l.organisation_id
from ledger_line as l
where l.batch_id = run_line.batch_id and l.source_row = run_line.source_row;

create view run_line_emission as
select
    r.run_id,
    r.batch_id,
    r.source_row,
    r.organisation_id,
    d.department,
    r.amount_sek,
    r.amount_net_sek,
    d.is_excluded,
    d.exclusion_reason,
    d.category_id,
    d.scope3_category,
    d.rule_level,
    d.rule_id,
    d.factor_set_id,
    d.factor_set_version,
    d.factor_code,
    d.factor_value,
    d.fx_rate,
    d.price_adjustment,
    r.amount_in_factor_currency,
    r.amount_in_factor_currency * d.price_adjustment as real_amount,
    r.emissions_kg_co2e,
    r.emissions_kg_co2,
    d.dq_score,
    r.emissions_lower_kg_co2e,
    r.emissions_upper_kg_co2e,
    d.group_id,
    d.currency,
    d.supplier_sni_code,
    d.method,
    d.is_energy,
    d.is_intra_group,
    d.activity_code,
    d.activity_scope_id,
    r.emissions_scope1_kg_co2e,
    r.emissions_scope2_kg_co2e,
    r.emissions_scope3_kg_co2e,
    d.industry_code
from run_line as r
inner join run_decision as d on d.run_id = r.run_id and d.decision_id = r.decision_id
union all by name
select * exclude (fiscal_year, period, account, committee, cost_centre, project, supplier_name, supplier_org_number,
                  amount_ledger_currency)
from line_emission_wide;

-- A run's lines summed per organisation and decision (a few hundred rows a run): what the marts that group by
-- organisation and decision columns only (totals, organisations, departments, categories, coverage) aggregate
-- instead of a million lines (macro total_measures, the same measures as line_measures). Runs stored wide (before
-- 0050) are summed per organisation and distinct decision columns, without a decision id.
create view run_line_total as
with sums as (
    select
        run_id,
        organisation_id,
        decision_id,
        count(*) as n_lines,
        sum(amount_sek) as amount_sek,
        sum(abs(amount_sek)) as abs_amount_sek,
        sum(amount_sek) filter (where amount_sek < 0) as credit_notes_sek,
        sum(emissions_kg_co2e) as emissions_kg_co2e,
        sum(emissions_kg_co2) as emissions_kg_co2,
        sum(emissions_scope1_kg_co2e) as emissions_scope1_kg_co2e,
        sum(emissions_scope2_kg_co2e) as emissions_scope2_kg_co2e,
        sum(emissions_scope3_kg_co2e) as emissions_scope3_kg_co2e,
        sum(emissions_lower_kg_co2e) as emissions_lower_kg_co2e,
        sum(emissions_upper_kg_co2e) as emissions_upper_kg_co2e
    from run_line
    group by run_id, organisation_id, decision_id
)

select s.*, d.* exclude (run_id, decision_id)
from sums as s
inner join run_decision as d on d.run_id = s.run_id and d.decision_id = s.decision_id
union all by name
select
    run_id,
    organisation_id,
    group_id,
    department,
    supplier_sni_code,
    industry_code,
    currency,
    is_excluded,
    exclusion_reason,
    is_intra_group,
    category_id,
    is_energy,
    scope3_category,
    rule_level,
    rule_id,
    method,
    activity_scope_id,
    activity_code,
    factor_set_id,
    factor_set_version,
    factor_code,
    factor_value,
    fx_rate,
    price_adjustment,
    dq_score,
    count(*) as n_lines,
    sum(amount_sek) as amount_sek,
    sum(abs(amount_sek)) as abs_amount_sek,
    sum(amount_sek) filter (where amount_sek < 0) as credit_notes_sek,
    sum(emissions_kg_co2e) as emissions_kg_co2e,
    sum(emissions_kg_co2) as emissions_kg_co2,
    sum(emissions_scope1_kg_co2e) as emissions_scope1_kg_co2e,
    sum(emissions_scope2_kg_co2e) as emissions_scope2_kg_co2e,
    sum(emissions_scope3_kg_co2e) as emissions_scope3_kg_co2e,
    sum(emissions_lower_kg_co2e) as emissions_lower_kg_co2e,
    sum(emissions_upper_kg_co2e) as emissions_upper_kg_co2e
from line_emission_wide
group by all;
