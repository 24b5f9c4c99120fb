-- The run's organisations with their group and org number: a purchase from another organisation of the
-- same group that is also in the run is intra-group (left out of the consolidated group figures, because
-- the selling member reports the emissions of its own purchases in the same run).
with organisations as (
    select * from stg_organisations
),

final as (
    select
        organisation_id,
        group_id,
        org_number
    from organisations
    where org_number is not null
)

select * from final
