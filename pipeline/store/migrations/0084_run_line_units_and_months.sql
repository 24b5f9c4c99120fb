-- 0084 a run's months and units without the ledger join (issue 19): the marts per month (emissions_by_month) and
-- per nämnd / förvaltning / ansvar (emissions_by_unit) grouped the run's lines by the ledger line's period,
-- committee and cost centre, so they joined every result line with its ledger line: at 5 M lines 1.3 s for the
-- units. `run_line` now carries these three fields of each line (copied from the ledger line when the run is
-- computed; a ledger line never changes once loaded), and `run_line_emission` gives them. Results are unchanged:
-- the checksum of a published run covers none of these columns.

alter table run_line add column period varchar;
alter table run_line add column committee varchar;
alter table run_line add column cost_centre varchar;

-- runs stored since 0050: the fields of each line, from its ledger line
update run_line
set period = l.period, committee = l.committee, cost_centre = l.cost_centre
from ledger_line as l
where l.batch_id = run_line.batch_id and l.source_row = run_line.source_row;

-- the view of 0075 with the three fields (runs stored wide before 0050 have them in line_emission_wide)
create or replace view run_line_emission as
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
    d.industry_code,
    r.period,
    r.committee,
    r.cost_centre
from run_line as r
inner join run_decision as d on d.run_id = r.run_id and d.decision_id = r.decision_id
union all by name
select * exclude (fiscal_year, account, project, supplier_name, supplier_org_number, amount_ledger_currency)
from line_emission_wide;
