-- Per run and ledger line: the result with its provenance in words, for drill-down to single lines
-- (which batch and row, the description and account text as booked, the rule that decided, whether the account
-- text contradicts the account map (the mapping review's conflict flag), whether it is a payment to an individual
-- (the supplier's name is redacted), the factor, and the adjustments
-- applied: VAT removed, currency conversion and deflation in the run's convention, margins).
with lines as (
    select * from line_emission
),

ledger as (
    select batch_id, source_row, description, account_name, posting_date from ledger_line
),

accounts as (
    select run_id, organisation_id, account, is_conflict from run_account
),

batches as (
    select batch_id, source_file_name, amounts_include_vat from ledger_batch
),

runs as (
    select
        run_id,
        coalesce(json_extract_string(settings, '$.inflation_convention'), 'factor_currency') as inflation_convention,
        coalesce(cast(json_extract(settings, '$.use_margins') as boolean), true) as use_margins,
        factor_set_id as run_factor_set_id
    from run
),

factor_sets as (
    select factor_set_id, version, base_year, upper(currency) as factor_currency from factor_set
),

-- the price year a run used (a set with a factor per year: the factor year); runs before it was recorded: the base year
pricing as (
    select run_id, factor_set_id, factor_set_version, base_year from run_pricing_set
),

final as (
    select
        l.*,
        b.source_file_name,
        g.posting_date,
        g.description,
        g.account_name as ledger_account_text,
        coalesce(a.is_conflict, false) as is_text_conflict,
        is_payment_to_individual(l.supplier_name) as is_payment_to_individual,
        concat_ws(';',
            case when b.amounts_include_vat then 'vat_removed' end,
            case when l.currency <> 'SEK' then 'ledger_' || l.currency || '_to_SEK@' || l.fiscal_year end,
            case when l.method in ('spend', 'spend_fallback') then
                case when r.inflation_convention = 'ledger_currency_first'
                     then 'cpi_' || l.currency || '_' || l.fiscal_year || '_to_' || coalesce(p.base_year, fs.base_year)
                          || ';fx_' || l.currency || '_to_' || fs.factor_currency || '@' || coalesce(p.base_year, fs.base_year)
                     else 'fx_' || l.currency || '_to_' || fs.factor_currency || '@' || l.fiscal_year
                          || ';cpi_' || fs.factor_currency || '_' || l.fiscal_year || '_to_' || coalesce(p.base_year, fs.base_year)
                end || case when r.use_margins then ';with_margins' else ';without_margins' end
            end,
            case when l.method = 'supplier_specific' then 'fx_' || l.currency || '_at_' || l.fiscal_year end,
            case when l.method = 'activity' then 'activity_share_of_' || l.activity_scope_id end
        ) as adjustments
    from lines as l
    inner join runs as r on r.run_id = l.run_id
    left join factor_sets as fs on fs.factor_set_id = l.factor_set_id and fs.version = l.factor_set_version
    left join pricing as p
        on p.run_id = l.run_id and p.factor_set_id = l.factor_set_id and p.factor_set_version = l.factor_set_version
    left join ledger as g on g.batch_id = l.batch_id and g.source_row = l.source_row
    left join batches as b on b.batch_id = l.batch_id
    left join accounts as a
        on a.run_id = l.run_id and a.organisation_id = l.organisation_id and a.account = l.account
)

select * from final
