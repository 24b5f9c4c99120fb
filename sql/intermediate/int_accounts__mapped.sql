-- Each distinct account of the run's lines with the account-map row of its longest matching prefix.
-- Classifying distinct accounts (thousands) instead of lines (millions) keeps the join cheap.
with accounts as (
    select distinct account from stg_ledger_lines
),

account_map as (
    select * from stg_account_map
),

candidates as (
    select
        a.account,
        left(a.account, n.n) as account_prefix
    from accounts as a
    cross join lateral (select unnest(generate_series(1, length(a.account))) as n) as n
),

matches as (
    select
        c.account,
        m.*
    from candidates as c
    inner join account_map as m on m.account_prefix = c.account_prefix
    qualify row_number() over (partition by c.account order by m.prefix_length desc) = 1
),

final as (
    select
        a.account,
        m.account_prefix as matched_prefix,
        m.prefix_length,
        m.map_account_name,
        m.category_id,
        m.factor_set_id as map_factor_set_id,
        m.factor_code,
        m.scope3_category,
        coalesce(m.is_excluded, false) as is_excluded,
        m.exclusion_reason,
        m.account_prefix is not null as is_matched
    from accounts as a
    left join matches as m on m.account = a.account
)

select * from final
