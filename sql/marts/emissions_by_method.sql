-- Per run, organisation, category and method: which method each figure used. Methods: activity (measured
-- quantities x activity factors), supplier_specific (the supplier's own factor), spend (spend x EEIO factor),
-- spend_fallback (energy spend without activity data: spend-based, low quality), none (unmapped, excluded).
with lines as (
    select * from run_line_emission
),

final as (
    select
        run_id,
        organisation_id,
        coalesce(category_id, case when is_excluded then '(excluded)' else '(unmapped)' end) as category_id,
        method,
        sum(amount_sek) as spend_sek,
        coalesce(sum(emissions_kg_co2e), 0) as emissions_kg_co2e,
        sum(dq_score * abs(amount_sek)) filter (where dq_score is not null)
            / nullif(sum(abs(amount_sek)) filter (where dq_score is not null), 0) as dq_score_weighted,
        bool_or(is_energy) as is_energy,
        count(*) as n_lines
    from lines
    group by all
)

select * from final
