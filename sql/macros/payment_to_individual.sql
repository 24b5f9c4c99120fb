-- A payment to a private person in a published spend file: councils redact the supplier's name ("Redacted
-- Personal Information", "REDACTED PERSONAL DATA", "Private Individual", "Individual", "Name withheld - Data
-- Protection"). Such a line is classified by its expense type like any other and flagged, so that reports can say
-- how much went to individuals.
create or replace macro is_payment_to_individual(supplier_name) as
    coalesce(regexp_matches(lower(supplier_name),
                            'redacted|personal (data|information|details)|private individual|^ *individuals? *$'
                            || '|withheld|data protection'), false)
