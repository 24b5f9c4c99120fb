-- 0085 a run's lines summed per organisation and decision, stored when the run is computed (issue 19): the view
-- run_line_total (0075) summed every line of the run each time a mart read it (totals, organisations, departments,
-- categories, coverage: five times for one summary, and again for every web page), about 0.1 s per reader at a
-- million lines. compute_run now stores the sums once (sql/intermediate/int_run_lines__summed) in run_line_sum, and
-- run_line_total joins them with the run's decisions. The sums are derived from run_line, which stays the record:
-- the run's check assert_line_sums_equal_lines compares them with the lines, and the verification of a published
-- run (macro published_runs_verified) compares them with its lines too.

-- runs stored since 0050: their sums, from their lines (the same sums as int_run_lines__summed)
create table run_line_sum as
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
group by run_id, organisation_id, decision_id;

-- the view of 0075 over the stored sums (runs stored wide before 0050 are still summed from line_emission_wide)
create or replace view run_line_total as
select s.*, d.* exclude (run_id, decision_id)
from run_line_sum as s
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
