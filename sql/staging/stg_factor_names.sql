-- The name of every factor code of every factor set and version (its product or industry, e.g. "Construction work
-- (45)"), so that a reader sees what a line or account was priced as, not a code. A code has one name per set and
-- version; min() takes it once across the gases and regions it is stored for.
with source as (
    select * from factor
),

final as (
    select
        factor_set_id,
        version as factor_set_version,
        factor_code,
        min(factor_name) as factor_name
    from source
    group by factor_set_id, version, factor_code
)

select * from final
