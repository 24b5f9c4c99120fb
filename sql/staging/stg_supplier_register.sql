-- Supplier register: org number -> SNI 2007 code (digits).
with source as (
    select * from supplier_register
),

final as (
    select
        org_number,
        name as register_name,
        regexp_replace(coalesce(sni_code, ''), '[^0-9]', '', 'g') as sni_code,
        sni_text
    from source
)

select * from final
