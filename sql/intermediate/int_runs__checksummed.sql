-- A checksum of each run's line results: line count, spend, emissions and an order-independent hash of
-- every line's decision (rule, category, factor, emissions to the gram). Stored when a run is published;
-- sql/checks/assert_published_runs_unchanged compares it afterwards.
with lines as (
    select * from run_line_emission
),

final as (
    select
        run_id,
        lines_checksum(lines) as results_checksum
    from lines
    group by run_id
)

select * from final
