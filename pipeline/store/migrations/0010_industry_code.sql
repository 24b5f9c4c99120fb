-- What was bought, as an industry (NACE Rev. 2 / SNI 2007 / UK SIC 2007 code without dots, 2-4 digits):
-- an account-map row, a keyword rule or an expense type names the industry whose product it is, and each
-- factor set's industry crosswalk turns that into a factor of the set (longest prefix wins). A row may
-- still name a factor of one set directly (factor_set_id + factor_code).
alter table account_map add column industry_code varchar;
alter table keyword_rule add column industry_code varchar;
alter table expense_type_map add column industry_code varchar;
