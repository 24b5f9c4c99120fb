-- Each distinct (organisation, counterparty) of the run's lines that an exclusion names: exact match
-- (case-insensitive), a prefix pattern ending in '*', or '*' for any non-empty counterparty.
with counterparties as (
    select distinct organisation_id, counterparty
    from stg_ledger_lines
    where counterparty is not null and trim(counterparty) <> ''
),

exclusions as (
    select * from stg_exclusions where match_kind = 'counterparty'
),

final as (
    select
        c.organisation_id,
        c.counterparty,
        e.reason as counterparty_exclusion_reason,
        'exclusion:' || e.exclusion_id as counterparty_exclusion_rule
    from counterparties as c
    inner join exclusions as e
        on lower(trim(c.counterparty)) = lower(e.match_value)
        or (e.match_value like '%*' and starts_with(lower(trim(c.counterparty)), lower(rtrim(e.match_value, '*'))))
    qualify row_number() over (
        partition by c.organisation_id, c.counterparty order by length(e.match_value) desc, e.exclusion_id) = 1
)

select * from final
