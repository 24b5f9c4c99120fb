-- The stored lines of the run being computed summed per organisation and decision (a few hundred rows): count,
-- spend, absolute spend, credit notes, emissions, bounds and scope split (macro line_sums). compute_run stores them in run_line_sum,
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
        unnest(line_sums(lines))
    from lines
    group by organisation_id, decision_id
)

select * from final
