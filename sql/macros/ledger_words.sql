-- A ledger text as the keyword table reads it: lower case, accents removed, every run of characters that are not
-- letters or digits one space, with a space at both ends: ' it tjanster mars ' for 'IT-tjänster, mars'. The English
-- word 'and' is dropped like '&' ('Drug & Alcohol' and the term 'drug and alcohol' both read ' drug alcohol '). A term
-- of the table matches where ' ' || term (a prefix, for a term ending in *) or ' ' || term || ' ' occurs in it.
create or replace macro ledger_words(text) as
    ' ' || trim(regexp_replace(regexp_replace(strip_accents(lower(text)), '[^a-z0-9]+', ' ', 'g'),
                               '(^| )and( and)*( |$)', ' ', 'g')) || ' '
