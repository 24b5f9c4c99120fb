-- The organisations of the run with the account map, keyword table and tail-spend default each one uses,
-- and the consolidated group each belongs to (its parent organisation, else itself). Runs made before the
-- keyword table was chosen per organisation used the run's one table (the variables text_ruleset_*).
with run_organisations as (
    select * from run_organisation where run_id = getvariable('run_id')
),

organisations as (
    select * from organisation
),

final as (
    select
        r.organisation_id,
        coalesce(o.name, r.organisation_id) as organisation_name,
        o.org_number,
        coalesce(o.kind, 'municipality') as organisation_kind,
        coalesce(o.parent_organisation_id, r.organisation_id) as group_id,
        r.mapping_id,
        r.mapping_version,
        coalesce(r.text_ruleset_id, getvariable('text_ruleset_id')) as text_ruleset_id,
        coalesce(r.text_ruleset_version, getvariable('text_ruleset_version')) as text_ruleset_version,
        coalesce(r.account_is_text, false) as account_is_text,
        r.default_factor_code,
        coalesce(r.default_category_id, 'other') as default_category_id
    from run_organisations as r
    left join organisations as o on o.organisation_id = r.organisation_id
)

select * from final
