-- Every organisation in the store with its group and normalised org number: purchases from another
-- member of the same group are intra-group (left out of the consolidated group figures).
with organisations as (
    select * from organisation
),

final as (
    select
        organisation_id,
        coalesce(parent_organisation_id, organisation_id) as group_id,
        org_number
    from organisations
    where org_number is not null
)

select * from final
