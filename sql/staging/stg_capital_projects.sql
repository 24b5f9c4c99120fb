-- Investment projects declared as capital goods (scope 3 category 2), per organisation.
with source as (
    select * from capital_project
),

final as (
    select organisation_id, trim(project_prefix) as project_prefix, name as project_name
    from source
)

select * from final
