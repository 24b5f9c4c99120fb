-- Mapped + excluded + unmapped spend equals loaded spend for the run, to the öre (SEK ledgers),
-- and every line falls in exactly one of the three groups.
with loaded as (
    select coalesce(sum(amount), 0) as spend_sek
    from stg_ledger_lines
    where currency = 'SEK'
),

results as (
    select le.rule_level, le.amount_sek
    from line_emission as le
    inner join stg_ledger_lines as l using (batch_id, source_row)
    where le.run_id = getvariable('run_id') and l.currency = 'SEK'
),

split as (
    select
        coalesce(sum(amount_sek) filter (where rule_level in
            ('supplier', 'supplier_industry', 'account_keyword', 'account', 'account_group', 'default', 'activity')), 0)
            as mapped_sek,
        coalesce(sum(amount_sek) filter (where rule_level = 'excluded'), 0) as excluded_sek,
        coalesce(sum(amount_sek) filter (where rule_level = 'unmapped'), 0) as unmapped_sek,
        count(*) filter (where rule_level not in
            ('supplier', 'supplier_industry', 'account_keyword', 'account', 'account_group', 'default', 'activity',
             'excluded', 'unmapped')) as n_unknown_level
    from results
),

final as (
    select s.*, l.spend_sek as loaded_sek
    from split as s, loaded as l
    where s.mapped_sek + s.excluded_sek + s.unmapped_sek <> l.spend_sek
       or s.n_unknown_level > 0
)

select * from final
