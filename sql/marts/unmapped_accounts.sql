-- Per run: accounts whose spend could not be classified, largest first.
with lines as (
    select * from line_emission where rule_level = 'unmapped'
),

final as (
    select
        run_id,
        account,
        max(rule_id) as reason,
        sum(amount_sek) as spend_sek,
        count(*) as n_lines
    from lines
    group by run_id, account
    order by spend_sek desc
)

select * from final
