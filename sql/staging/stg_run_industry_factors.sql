-- Each industry code of the run resolved in each of its factor sets (stored by the run from int_industries__resolved).
with source as (
    select * from run_industry_factor
),

final as (
    select * exclude (run_id)
    from source
    where run_id = getvariable('run_id')
)

select * from final
