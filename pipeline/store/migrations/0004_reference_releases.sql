-- 0004 reference releases: which released reference-data versions are loaded (with the sha256
-- of their files, so that a changed release is detected instead of silently overwritten),
-- the supplier-industry crosswalk (SNI 2007 / NACE Rev. 2 -> factor code) and the expense-type
-- crosswalk (UK council expense types -> reporting category).

create table reference_release (
    kind varchar not null,                       -- factor_set | account_map | crosswalk
    release_id varchar not null,                 -- e.g. 'useeio', 'kommunbas13', 'nace2_useeio'
    version varchar not null,
    sha256 varchar not null,                     -- of the release's data and metadata files, in name order
    status varchar not null default 'released',  -- released | draft | custom
    loaded_at timestamp not null default current_timestamp,
    primary key (kind, release_id, version)
);

create table industry_crosswalk (
    crosswalk_id varchar not null,               -- e.g. 'nace2_useeio'
    version varchar not null,
    industry_code varchar not null,              -- SNI 2007 / NACE Rev. 2 code without dots: 2 (division), 3 (group) or 4 (class) digits; longest prefix wins
    industry_name varchar,
    category_id varchar,
    factor_set_id varchar,                       -- null with factor_code: no spend-based factor for this industry
    factor_code varchar,                         -- (e.g. electricity); the account map then decides
    notes varchar,
    primary key (crosswalk_id, version, industry_code)
);

create table expense_type_map (
    crosswalk_id varchar not null,               -- e.g. 'uk_council_expense_types'
    version varchar not null,
    source_column varchar not null,              -- the ledger column the value comes from, e.g. 'Expense Type'
    expense_type varchar not null,               -- value as found, matched case-insensitively after trimming
    category_id varchar,                         -- null when excluded
    factor_set_id varchar,
    factor_code varchar,
    is_excluded boolean not null default false,
    exclusion_reason varchar,
    notes varchar,
    primary key (crosswalk_id, version, source_column, expense_type)
);
