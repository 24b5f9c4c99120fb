-- Supplier rules (organisation overrides and shared ones), with match values normalised:
-- org numbers as NNNNNN-NNNN, names in lower case without surrounding spaces, NACE/SNI codes as digits.
with source as (
    select * from supplier_rule
),

final as (
    select
        rule_id,
        organisation_id,
        lower(match_kind) as match_kind,
        case lower(match_kind)
            when 'name' then lower(trim(match_value))
            when 'nace' then regexp_replace(match_value, '[^0-9]', '', 'g')
            when 'org_number' then case
                when length(regexp_replace(match_value, '[^0-9]', '', 'g')) = 10
                    then left(regexp_replace(match_value, '[^0-9]', '', 'g'), 6) || '-'
                         || right(regexp_replace(match_value, '[^0-9]', '', 'g'), 4)
                when length(regexp_replace(match_value, '[^0-9]', '', 'g')) = 12
                    then substr(regexp_replace(match_value, '[^0-9]', '', 'g'), 3, 6) || '-'
                         || right(regexp_replace(match_value, '[^0-9]', '', 'g'), 4)
                else trim(match_value)
            end
            else trim(match_value)
        end as match_value,
        category_id,
        factor_set_id,
        factor_code,
        factor_value,
        upper(coalesce(nullif(regexp_extract(factor_unit, '/\s*([A-Za-z]{3})\s*$', 1), ''), 'SEK'))
            as factor_currency,
        is_excluded,
        exclusion_reason
    from source
)

select * from final
