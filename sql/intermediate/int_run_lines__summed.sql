-- The stored lines of the run being computed summed per organisation and decision (a few hundred rows): count,
-- spend, absolute spend, credit notes, emissions, bounds and scope split. compute_run stores them in run_line_sum,
-- which the view run_line_total joins with the decisions (migration 0085), so that the marts grouped by
-- organisation and decision columns (totals, organisations, departments, categories, coverage) read a few hundred
-- rows instead of summing every line of the run each time they are read. The check
-- assert_line_sums_equal_lines compares what is stored with this.
with lines as (
    select * from run_line where run_id = getvariable('run_id')
),

final as (
    select
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
    from lines
    group by organisation_id, decision_id
)

select * from final
