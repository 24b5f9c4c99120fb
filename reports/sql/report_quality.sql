-- Per run: the spend-weighted data-quality score (1 best .. 5) of the classified lines.
-- Parameters: $run_id. Weights are absolute amounts so credit notes do not cancel quality out.
with lines as (
    select * from line_emission
    where run_id = $run_id and rule_level not in ('excluded', 'unmapped') and dq_score is not null
),

final as (
    select
        sum(abs(amount_sek) * dq_score) / nullif(sum(abs(amount_sek)), 0) as dq_score_weighted,
        min(dq_score) as dq_score_best,
        max(dq_score) as dq_score_worst,
        count(*) as n_lines
    from lines
)

select * from final
