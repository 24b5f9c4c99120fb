-- 0030 UK council spend files (issue 17): a keyword table per organisation, chosen by its country.
--
-- Each keyword-table release says which country's ledgers it reads and whether the ledger's account is itself
-- the text to read (UK council files: the account is the expense type, "Refuse Collection"), in which case the
-- table classifies accounts the account map does not know instead of only suggesting for them.
create table text_ruleset (
    ruleset_id varchar not null,
    version varchar not null,
    country varchar,                             -- ISO two-letter country whose ledgers it reads; null = the default
    account_is_text boolean not null default false,
    primary key (ruleset_id, version)
);

-- the keyword table each organisation of a run used (null in runs made before 0030: the run's one table)
alter table run_organisation add column text_ruleset_id varchar;
alter table run_organisation add column text_ruleset_version varchar;
alter table run_organisation add column account_is_text boolean default false;
