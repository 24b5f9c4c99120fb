-- Each rule key of the run resolved to a factor of each of its sets (stored by the run from
-- int_factor_rules__resolved before the lines are priced; the classification models read it here).
with source as (
    select * from run_factor_rule
),

final as (
    select * exclude (run_id)
    from source
    where run_id = getvariable('run_id')
)

select * from final
