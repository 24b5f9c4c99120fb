-- The distinct inputs of the run's lines (int_line__inputs): one row per distinct set of the fields that decide a
-- line, with its input_key, its number of lines and their net spend in SEK (what activity data are shared out by).
-- Grouped by the fields themselves, not only their hash: two inputs whose keys collided would give two rows with
-- one key, each line would then join twice and the run's check assert_line_emission_unique would fail it (never a
-- silent merge).
with inputs as (
    select * from int_line__inputs
),

final as (
    select
        input_key,
        organisation_id,
        account,
        account_name,
        department,
        project,
        counterparty,
        supplier_name,
        supplier_org_number,
        currency,
        description_key as description,
        count(*) as n_lines,
        sum(amount_net_sek_exact) as amount_net_sek_exact
    from inputs
    group by all
)

select * from final
