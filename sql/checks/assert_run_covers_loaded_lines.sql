-- Nothing lost, nothing doubled, sums reconcile: every loaded line of the run's year is in the run's results
-- exactly once with a known rule level, nothing else is, and per ledger currency the run's mapped + excluded +
-- unmapped spend equals the loaded spend to the cent. Problems, one row each:
--   missing / unexpected / duplicate / unknown-rule-level  (batch_id, source_row)
--   spend-mismatch                                          (currency, loaded - run amount in that currency)
-- First the two sides' fingerprints: the number of lines and the sum of a 64-bit hash of each line's
-- (batch_id, source_row), summed exactly (HUGEINT). Equal fingerprints and no unknown rule level mean the same
-- lines, each once (a missing, extra or doubled line changes the count or the sum; two changes that cancel in
-- both need two hashes summing to the same 64-bit value), and then the spend is the same lines' spend too: the
-- full join that names each problem line runs only when they differ (it gets no rows otherwise). At 5 M lines
-- the fingerprints take 0.2 s, the join 1.1 s. A line whose decision is missing is not in run_line_emission:
-- missing.
with run_lines as not materialized (
    select
        batch_id,
        source_row,
        rule_level in ('supplier', 'supplier_industry', 'account_keyword', 'account_text', 'account',
                       'account_group', 'default', 'activity', 'excluded', 'unmapped') as is_level_known
    from run_line_emission
    where run_id = getvariable('run_id')
),

loaded_lines as not materialized (
    select batch_id, source_row, currency, amount from stg_ledger_lines
),

loaded_fingerprint as (
    select count(*) as n_lines, sum(cast(hash(batch_id, source_row) as hugeint)) as line_hash_sum
    from loaded_lines
),

run_fingerprint as (
    select
        count(*) as n_lines,
        sum(cast(hash(batch_id, source_row) as hugeint)) as line_hash_sum,
        coalesce(bool_and(is_level_known), true) as is_level_known
    from run_lines
),

fingerprints as (
    select
        l.n_lines = r.n_lines and l.line_hash_sum is not distinct from r.line_hash_sum and r.is_level_known
            as is_same
    from loaded_fingerprint as l
    cross join run_fingerprint as r
),

expected as (
    select * from loaded_lines where not (select is_same from fingerprints)
),

actual as (
    select
        batch_id,
        source_row,
        count(*) as n_results,
        bool_and(is_level_known) as is_level_known
    from run_lines
    where not (select is_same from fingerprints)
    group by batch_id, source_row
),

joined as (
    select
        coalesce(e.batch_id, a.batch_id) as batch_id,
        coalesce(e.source_row, a.source_row) as source_row,
        e.currency,
        e.amount,
        a.batch_id is not null and a.is_level_known as is_counted,
        case
            when a.batch_id is null then 'missing'
            when e.batch_id is null then 'unexpected'
            when a.n_results > 1 then 'duplicate'
            when not a.is_level_known then 'unknown-rule-level'
        end as problem
    from expected as e
    full outer join actual as a on a.batch_id = e.batch_id and a.source_row = e.source_row
),

spend as (
    select
        currency,
        sum(amount) as loaded_amount,
        coalesce(sum(amount) filter (where is_counted), 0) as run_amount
    from joined
    where currency is not null
    group by currency
),

final as (
    select problem, batch_id, source_row, null as currency, null as amount_difference
    from joined
    where problem is not null
    union all
    select 'spend-mismatch', null, null, currency, loaded_amount - run_amount
    from spend
    where loaded_amount <> run_amount
)

select * from final
