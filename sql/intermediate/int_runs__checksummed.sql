-- A checksum of each run's line results: line count, spend, emissions and an order-independent hash of
-- every line's decision (rule, category, factor, emissions to the gram). Stored when a run is published;
-- sql/checks/assert_published_runs_unchanged compares it afterwards.
with lines as (
    select * from run_line_emission
),

final as (
    select
        run_id,
        count(*) || ':' || coalesce(sum(amount_sek), 0) || ':'
            || coalesce(sum(cast(round(emissions_kg_co2e, 3) as decimal(38, 3))), 0) || ':'
            || coalesce(bit_xor(md5_number_lower(concat_ws('|', batch_id, source_row, rule_level, rule_id,
                   category_id, factor_code, cast(round(emissions_kg_co2e, 3) as decimal(38, 3))))), 0)
            as results_checksum
    from lines
    group by run_id
)

select * from final
