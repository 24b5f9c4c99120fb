-- 0011 the ledger's own words (issue 15): where each account-map row comes from (its source, and whether a
-- person confirmed it), the keyword table over account and invoice texts (text_rule, a versioned release
-- in emission_factors/text_rules/), and per run the mapping review of every account: the ledger's text,
-- the map's row, the text rule that matched, conflicts between the two and a suggestion for unknown accounts.

-- OBS, VIL13, ... for shipped maps; 'override:<org>:<id>' for a row an organisation override wrote (confirmed by a person)
alter table account_map add column source varchar;

create table text_rule (
    ruleset_id varchar not null,                 -- e.g. 'sv_ledger_text'
    version varchar not null,
    rule_id varchar not null,
    account_prefix varchar,                      -- only accounts starting with it; null = any purchase account
    expected_in varchar,                         -- prefixes (space-separated) where an unscoped rule refines, not contradicts
    match_in varchar not null,                   -- account_text | account_or_invoice_text
    keywords varchar not null,                   -- terms separated by |, matched at word starts (* = prefix)
    category_id varchar,
    industry_code varchar,                       -- NACE Rev. 2 / SNI 2007 digits of what was bought
    factor_set_id varchar,
    factor_code varchar,
    is_excluded boolean not null default false,
    exclusion_reason varchar,
    priority integer not null default 50,        -- lower first among rules of the same scope
    source varchar,
    notes varchar,
    primary key (ruleset_id, version, rule_id)
);

-- One row per organisation and account of a run: what the mapping review shows next to the run's lines.
create table run_account (
    run_id integer not null,
    organisation_id varchar not null,
    account varchar not null,
    account_name varchar,                        -- the ledger's account text (most frequent)
    map_prefix varchar,                          -- the account-map row that matched (null = unknown account)
    map_label varchar,
    map_category_id varchar,
    map_industry_code varchar,
    map_factor_set_id varchar,
    map_factor_code varchar,
    map_is_excluded boolean,
    map_exclusion_reason varchar,
    map_source varchar,
    is_confirmed boolean not null default false, -- the map row is an organisation override (a person decided)
    text_rule_id varchar,                        -- the keyword rule the account text matched (applied)
    text_category_id varchar,
    text_industry_code varchar,
    text_factor_code varchar,
    text_exclusion_reason varchar,
    is_conflict boolean not null default false,  -- the account text contradicts the map's row
    suggested_rule_id varchar,                   -- for unknown accounts and conflicts
    suggested_category_id varchar,
    suggested_industry_code varchar,
    suggested_factor_set_id varchar,
    suggested_factor_code varchar,
    suggested_exclusion_reason varchar,
    primary key (run_id, organisation_id, account)
);
