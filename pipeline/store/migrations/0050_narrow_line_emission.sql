-- 0050 narrow line emissions (issue 19): a run stores per line only what differs from line to line (amounts,
-- emissions, bounds) and a key to its decision; the decision (rule, category, method, factor set, factor code
-- and value, adjustments, data quality, and what the run derived about the line: group, supplier industry,
-- department) is stored once per distinct decision. The view `line_emission` joins them back with the ledger
-- line (which is never changed or deleted once loaded), so every reader sees the same columns as before.
--
-- Runs computed before this migration keep their wide rows in `line_emission_wide` (read through the same
-- view): published runs keep their checksum, which reads the same columns through the view.

alter table line_emission rename to line_emission_wide;

-- One row per distinct decision of a run. `decision_id` is a hash of the columns below (unique within a run;
-- sql/checks/assert_line_emission_unique would catch two decisions sharing one id, as duplicated lines).
create table run_decision (
    run_id integer not null,
    decision_id ubigint not null,
    group_id varchar,
    department varchar,                          -- as classified (a company's name when the ledger has none)
    supplier_sni_code varchar,
    industry_code varchar,
    currency varchar,
    is_excluded boolean not null,
    exclusion_reason varchar,
    is_intra_group boolean,
    category_id varchar,
    is_energy boolean,
    scope3_category integer,
    rule_level varchar not null,
    rule_id varchar,
    method varchar,
    activity_scope_id varchar,
    activity_code varchar,
    factor_set_id varchar,
    factor_set_version varchar,
    factor_code varchar,
    factor_value double,
    fx_rate double,
    price_adjustment double,
    dq_score integer
);

-- One row per line of a run: amounts, emissions and bounds.
create table run_line (
    run_id integer not null,
    batch_id integer not null,
    source_row integer not null,
    decision_id ubigint not null,
    amount_sek decimal(18, 2) not null,
    amount_net_sek decimal(18, 2),
    amount_in_factor_currency double,            -- net amount x fx_rate (real_amount = this x price_adjustment)
    emissions_kg_co2e double,
    emissions_kg_co2 double,
    emissions_scope1_kg_co2e double,
    emissions_scope2_kg_co2e double,
    emissions_scope3_kg_co2e double,
    emissions_lower_kg_co2e double,
    emissions_upper_kg_co2e double
);

-- Every line with its provenance, in the columns (and order) of the former table.
create view line_emission as
select
    r.run_id,
    r.batch_id,
    r.source_row,
    l.organisation_id,
    l.fiscal_year,
    l.period,
    l.account,
    l.committee,
    d.department,
    l.cost_centre,
    l.project,
    l.supplier_name,
    l.supplier_org_number,
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
    l.amount as amount_ledger_currency,
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
inner join ledger_line as l on l.batch_id = r.batch_id and l.source_row = r.source_row
union all by name
select * from line_emission_wide;
