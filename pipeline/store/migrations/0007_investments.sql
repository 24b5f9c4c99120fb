-- 0007 investments: investment register (plan file and ledger project codes), green classification with who
-- decided and when, and the internal carbon fee (klimatväxling). Written by `klimatspend investments ...` and
-- `klimatspend budget import` ([carbon_fee]); read by the investment outputs.

-- Green categories in the style of Swedish municipal green-bond frameworks (shipped in
-- emission_factors/green_taxonomy, or an organisation's own file loaded with `investments taxonomy --load`).
create table green_category (
    category_id varchar primary key,
    name_sv varchar not null,
    name_en varchar not null,
    eligibility_sv varchar not null,
    eligibility_en varchar not null,
    impact_indicator_sv varchar,
    impact_indicator_en varchar,
    sort_order integer,
    source varchar                               -- shipped file name or the organisation's file
);

-- One investment project of the plan (attributes that do not change by year).
create table investment (
    project_id varchar primary key,              -- the project code used in the ledger (Projekt), e.g. '91104'
    name varchar not null,
    organisation_id varchar,
    department varchar,
    category_id varchar,                         -- spend category (fixed vocabulary), e.g. construction_property
    expected_reduction_t_per_year double,        -- expected avoided emissions, t CO2e a year once in use
    reduction_start_year integer,                -- first year the reduction counts (default: the year after the last amount)
    lifetime_years integer,                      -- years the reduction lasts (null = lasting)
    financing varchar,                           -- own | loan | green_loan | grant | mixed
    notes varchar,
    source_file varchar,
    source_row integer,
    imported_at timestamp not null default current_timestamp,
    imported_by varchar
);

-- Planned (budgeted) investment amount of a project in a year.
create table investment_year (
    project_id varchar not null,
    year integer not null,
    amount_sek double not null,
    green_loan_sek double,                       -- part financed by a green loan / green bond
    source_row integer,
    primary key (project_id, year)
);

-- Every classification decision, newest last; the current one has is_current = true.
-- green_category_id null with is_green = false means "not green" (a decision, not a gap).
create table green_classification (
    project_id varchar not null,
    green_category_id varchar,
    is_green boolean not null,
    decided_by varchar not null,
    decided_at date not null,
    rationale varchar,
    source varchar not null,                     -- plan | cli | web
    recorded_at timestamp not null default current_timestamp,
    is_current boolean not null default true
);

-- The internal carbon fee (klimatväxling): SEK per kg CO2e charged to departments on their emissions.
create table carbon_fee (
    price_sek_per_kg_co2e double not null,
    scope varchar not null default 'co2e',       -- co2e | co2
    categories varchar[],                        -- null = all categories
    from_year integer,
    to_year integer,
    fund varchar,                                -- where the money goes, e.g. 'green investments'
    notes varchar,
    source varchar not null,                     -- definition | cli
    recorded_at timestamp not null default current_timestamp
);
