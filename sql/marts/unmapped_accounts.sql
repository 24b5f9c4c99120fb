-- Per run, organisation and account: spend that could not be classified, with why, largest first.
with lines as (
    select * from line_emission where rule_level = 'unmapped'
),

final as (
    select
        run_id,
        organisation_id,
        account,
        string_agg(distinct rule_id, ', ' order by rule_id) as reason,
        sum(amount_sek) as spend_sek,
        count(*) as n_lines
    from lines
    group by run_id, organisation_id, account
    order by spend_sek desc
)

select * from final
