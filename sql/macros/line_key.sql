-- The identity of a ledger line across files, without its amount: the same organisation, account, department,
-- supplier (org number, else name), invoice and date (the posting date, else the period) in two exports is the
-- same line, re-exported. A line's fingerprint is (line_key, amount). Used to find a new file's overlap with loaded
-- batches (pipeline/ingest/overlap.py): same key and amount = the same row; same key, other amount = a changed row.
-- A hash (UBIGINT), computed from the stored columns whenever it is needed (never stored), so a new definition
-- applies to every batch at once.
create or replace macro line_key(organisation_id, account, department, supplier_org_number, supplier_name,
                                 invoice_id, posting_date, period) as
    hash(organisation_id, account, coalesce(department, ''), coalesce(supplier_org_number, supplier_name, ''),
         coalesce(invoice_id, ''), coalesce(cast(posting_date as varchar), period, ''))
