-- 0001 initial schema: the data model of DESIGN.md section 4 (ledger, reference data, runs).
-- Later migrations add budget, investment, user and audit tables.

create table organisation (
    organisation_id varchar primary key,        -- short code, e.g. 'kommun', 'bostad_ab'
    name varchar not null,
    org_number varchar,                          -- Swedish organisationsnummer NNNNNN-NNNN
    kind varchar not null default 'municipality', -- municipality | region | company | other
    parent_organisation_id varchar               -- the group parent (consolidated view)
);

create sequence ledger_batch_id_seq start 1;

create table ledger_batch (
    batch_id integer primary key default nextval('ledger_batch_id_seq'),
    organisation_id varchar not null,
    source_file_name varchar not null,           -- base name only, never used as a path
    sha256 varchar not null,
    file_format varchar not null,                -- csv | xlsx | sie
    profile varchar,                             -- import profile name, if any
    uploaded_by varchar,
    uploaded_at timestamp not null default current_timestamp,
    period_start date,
    period_end date,
    fiscal_year integer,
    currency varchar not null default 'SEK',
    amounts_include_vat boolean not null default false,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_rejected bigint not null,
    sum_read decimal(18, 2),
    sum_loaded decimal(18, 2),
    sum_rejected decimal(18, 2),
    status varchar not null,                     -- loaded | replaced | deleted
    replaces_batch_id integer,
    replaced_by_batch_id integer,
    column_mapping json,                         -- canonical field -> source header
    validation_result json,                      -- great-expectations result (summary form)
    validation_summary varchar                   -- the same in plain words
);

-- One accepted ledger row. No primary key index (bulk loads of millions of rows);
-- uniqueness of (batch_id, source_row) is asserted by sql/checks.
create table ledger_line (
    batch_id integer not null,
    source_row integer not null,                 -- row number as the user sees it in the file
    organisation_id varchar not null,
    posting_date date,
    period varchar,                              -- YYYY-MM
    fiscal_year integer not null,
    account varchar not null,
    account_name varchar,
    committee varchar,                           -- nämnd
    department varchar,                          -- förvaltning: the level reports use
    cost_centre varchar,                         -- ansvar / kostnadsställe
    activity varchar,                            -- verksamhet
    project varchar,
    counterparty varchar,                        -- motpart (internal when it is an own unit)
    supplier_name varchar,
    supplier_org_number varchar,                 -- normalised NNNNNN-NNNN
    invoice_id varchar,
    description varchar,
    amount decimal(18, 2) not null,              -- in `currency`, as booked (net of VAT unless the batch says otherwise)
    currency varchar not null,
    vat_amount decimal(18, 2),
    extra json                                   -- kept raw columns that have no canonical field
);

-- One rejected (quarantined) source row; `errors` lists every problem found in it.
create table rejected_line (
    batch_id integer not null,
    source_row integer not null,
    error_code varchar not null,                 -- first error: missing-cell, type-error, constraint-error, ...
    column_name varchar,
    value varchar,
    message varchar not null,
    amount decimal(18, 2),                       -- parsed amount when it could be parsed (for reconciliation)
    errors json,                                 -- all errors of the row
    raw_values json                              -- the row as read
);

-- Non-rejecting findings (warnings), e.g. an unusually large amount or a duplicate invoice line.
create table validation_issue (
    batch_id integer not null,
    source_row integer,
    severity varchar not null,                   -- warning | info
    error_code varchar not null,
    column_name varchar,
    value varchar,
    message varchar not null
);

-- Reference data loaded from emission_factors/ --------------------------------------------

create table factor_set (
    factor_set_id varchar not null,
    version varchar not null,
    name varchar not null,
    publisher varchar,
    url varchar,
    licence varchar,
    base_year integer not null,                  -- price year of the denominator currency
    currency varchar not null,                   -- currency of the denominator (USD, EUR, SEK...)
    price_basis varchar,                         -- purchaser | basic
    gases varchar,
    gwp varchar,
    region varchar,
    relative_uncertainty double,                 -- e.g. 0.3 for +-30 %
    is_partial boolean not null default false,   -- true when known to miss emission sources
    metadata json,
    loaded_at timestamp not null default current_timestamp,
    primary key (factor_set_id, version)
);

create table factor (
    factor_set_id varchar not null,
    version varchar not null,
    factor_code varchar not null,
    factor_name varchar,
    gas varchar not null,                        -- 'CO2e' for the all-gas total, else the gas name
    value double not null,                       -- with margins (purchaser price) where the set distinguishes
    value_without_margins double,
    numerator_unit varchar not null,             -- e.g. 'kg CO2e'
    denominator_unit varchar not null,           -- e.g. 'USD'
    source_ref varchar,
    notes varchar,
    primary key (factor_set_id, version, factor_code, gas)
);

create table category (
    category_id varchar primary key,
    name_sv varchar not null,
    name_en varchar not null,
    sort_order integer
);

create table account_map (
    mapping_id varchar not null,                 -- e.g. 'kommunbas13'
    mapping_version varchar not null,
    account_prefix varchar not null,             -- 2-5 digits; the longest matching prefix wins
    account_name varchar,
    category_id varchar,                         -- null when excluded
    factor_set_id varchar,                       -- the factor family the code refers to
    factor_code varchar,
    scope3_category integer,                     -- 1 purchased goods and services, 2 capital goods
    is_excluded boolean not null default false,
    exclusion_reason varchar,
    notes varchar,
    primary key (mapping_id, mapping_version, account_prefix)
);

create table supplier_rule (
    rule_id varchar primary key,
    organisation_id varchar,                     -- null = applies to all
    match_kind varchar not null,                 -- org_number | name | nace
    match_value varchar not null,
    category_id varchar,
    factor_set_id varchar,
    factor_code varchar,
    factor_value double,                         -- supplier-specific factor (kg CO2e per denominator unit)
    factor_unit varchar,
    is_excluded boolean not null default false,
    exclusion_reason varchar,
    author varchar,
    created_at timestamp default current_timestamp,
    notes varchar
);

create table keyword_rule (
    rule_id varchar primary key,
    account_prefix varchar,                      -- null = any account
    keyword varchar not null,                    -- matched case-insensitively in the description
    category_id varchar,
    factor_set_id varchar,
    factor_code varchar,
    author varchar,
    created_at timestamp default current_timestamp,
    notes varchar
);

create table exclusion (
    exclusion_id varchar primary key,
    match_kind varchar not null,                 -- account_prefix | counterparty | supplier_org_number | keyword
    match_value varchar not null,
    reason varchar not null,
    notes varchar
);

create table price_index (
    country_code varchar not null,               -- ISO 3166 alpha-3 (SWE, USA, GBR) or EMU
    year integer not null,
    index_value double not null,
    base_year integer not null,                  -- index_value = 100 in base_year
    is_extrapolated boolean not null default false,
    source varchar,
    primary key (country_code, year)
);

create table exchange_rate (
    year integer not null,
    currency varchar not null,                   -- ISO 4217
    units_per_eur double not null,               -- annual average of ECB reference rates
    is_extrapolated boolean not null default false,
    source varchar,
    primary key (year, currency)
);

-- Runs and results ---------------------------------------------------------------------------

create sequence run_id_seq start 1;

create table run (
    run_id integer primary key default nextval('run_id_seq'),
    year integer not null,
    organisation_id varchar,                     -- null = all organisations in the store
    factor_set_id varchar not null,
    factor_set_version varchar not null,
    mapping_id varchar not null,
    mapping_version varchar not null,
    settings json,                               -- conventions used (inflation, margins, VAT, gases)
    created_at timestamp not null default current_timestamp,
    created_by varchar,
    is_published boolean not null default false,
    published_at timestamp,
    status varchar not null default 'complete',
    note varchar
);

create table line_emission (
    run_id integer not null,
    batch_id integer not null,
    source_row integer not null,
    organisation_id varchar not null,
    fiscal_year integer not null,
    period varchar,
    account varchar not null,
    committee varchar,
    department varchar,
    cost_centre varchar,
    project varchar,
    supplier_name varchar,
    supplier_org_number varchar,
    amount_sek decimal(18, 2) not null,          -- spend in SEK as booked (converted when the ledger is in another currency)
    amount_net_sek decimal(18, 2),               -- less VAT when the ledger includes VAT
    is_excluded boolean not null,
    exclusion_reason varchar,
    category_id varchar,                         -- null when unmapped or excluded
    scope3_category integer,
    rule_level varchar not null,                 -- supplier | supplier_industry | account_keyword | account | account_group | default | excluded | unmapped
    rule_id varchar,                             -- the account prefix, rule id or keyword that matched
    factor_set_id varchar,
    factor_set_version varchar,
    factor_code varchar,
    factor_value double,                         -- kg CO2e per factor currency unit of the base year
    fx_rate double,                              -- factor currency units per ledger currency unit (spend year)
    price_adjustment double,                     -- CPI(base year) / CPI(spend year)
    amount_in_factor_currency double,
    real_amount double,                          -- in factor currency at base-year prices
    emissions_kg_co2e double,
    emissions_kg_co2 double,                     -- CO2 only, where the set has per-gas factors
    dq_score integer,                            -- 1 (best) .. 5
    emissions_lower_kg_co2e double,
    emissions_upper_kg_co2e double
);
