-- Mapped + excluded + unmapped spend equals loaded spend for the run, to the cent in each ledger currency,
-- and every line falls in exactly one of the three groups.
with loaded as (
    select currency, sum(amount) as amount
    from stg_ledger_lines
    group by currency
),

results as (
    select
        currency,
        coalesce(sum(amount_ledger_currency) filter (where rule_level in
            ('supplier', 'supplier_industry', 'account_keyword', 'account_text', 'account', 'account_group', 'default',
             'activity')), 0)
            as mapped_amount,
        coalesce(sum(amount_ledger_currency) filter (where rule_level = 'excluded'), 0) as excluded_amount,
        coalesce(sum(amount_ledger_currency) filter (where rule_level = 'unmapped'), 0) as unmapped_amount,
        count(*) filter (where rule_level not in
            ('supplier', 'supplier_industry', 'account_keyword', 'account_text', 'account', 'account_group', 'default',
             'activity',
             'excluded', 'unmapped')) as n_unknown_level
    from line_emission
    where run_id = getvariable('run_id')
    group by currency
),

final as (
    select l.currency, l.amount as loaded_amount, r.*
    from loaded as l
    full outer join results as r on r.currency = l.currency
    where r.currency is null or l.currency is null
       or r.mapped_amount + r.excluded_amount + r.unmapped_amount <> l.amount
       or r.n_unknown_level > 0
)

select * from final
