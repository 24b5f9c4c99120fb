-- Per run: excluded spend by reason.
with lines as (
    select * from run_line_emission where is_excluded
),

final as (
    select
        run_id,
        exclusion_reason,
        sum(amount_sek) as spend_sek,
        count(*) as n_lines
    from lines
    group by run_id, exclusion_reason
)

select * from final
