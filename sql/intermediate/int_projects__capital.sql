-- Each distinct (organisation, project) of the run's lines that is a declared investment project:
-- its spend is capital goods (scope 3 category 2) whatever the account.
with projects as (
    select distinct organisation_id, project
    from stg_ledger_lines
    where project is not null and trim(project) <> ''
),

capital_projects as (
    select * from stg_capital_projects
),

final as (
    select
        p.organisation_id,
        p.project,
        c.project_prefix as capital_project_prefix
    from projects as p
    inner join capital_projects as c
        on c.organisation_id = p.organisation_id and starts_with(p.project, c.project_prefix)
    qualify row_number() over (partition by p.organisation_id, p.project order by length(c.project_prefix) desc) = 1
)

select * from final
