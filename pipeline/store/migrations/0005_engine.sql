-- 0005 engine: per-organisation classification settings, the supplier register (industry_crosswalk is
-- in 0004), activity data and
-- activity factors (energy and travel measured in kWh, litres, km ...), capital projects, and the
-- provenance columns of line_emission (method, scopes, intra-group flag, adjustments). Runs record the
-- account map used per organisation and, once published, a checksum of their results.

-- Organisation settings used by the engine ----------------------------------------------------
alter table organisation add column mapping_id varchar;          -- own account map (null = the run's default)
alter table organisation add column mapping_version varchar;     -- null = newest loaded version
alter table organisation add column default_factor_code varchar; -- tail-spend default (factor code of the run's set)
alter table organisation add column default_category_id varchar; -- category of the tail-spend default

-- Supplier register: the industry (SNI 2007 = NACE Rev. 2 + one national digit) of each supplier.
create table supplier_register (
    org_number varchar primary key,              -- normalised NNNNNN-NNNN
    name varchar,
    sni_code varchar,                            -- digits only, e.g. '46470' (first four = NACE class 46.47)
    sni_text varchar,
    source_file_name varchar,
    loaded_at timestamp not null default current_timestamp
);

-- Investment projects whose spend is capital goods (scope 3 category 2) whatever the account.
create table capital_project (
    organisation_id varchar not null,
    project_prefix varchar not null,             -- a project code or the start of one
    name varchar,
    notes varchar,
    primary key (organisation_id, project_prefix)
);

-- Activity data: measured quantities (kWh, litres, km ...) that replace the spend-based estimate
-- of the spend they cover (an account prefix or a category, optionally one department).
create sequence activity_batch_id_seq start 1;

create table activity_batch (
    activity_batch_id integer primary key default nextval('activity_batch_id_seq'),
    organisation_id varchar not null,
    source_file_name varchar not null,
    sha256 varchar not null,
    rows_loaded integer not null,
    status varchar not null default 'loaded',    -- loaded | deleted
    loaded_by varchar,
    loaded_at timestamp not null default current_timestamp
);

create table activity_data (
    activity_batch_id integer not null,
    source_row integer not null,
    organisation_id varchar not null,
    year integer not null,
    account_prefix varchar,                      -- the spend it covers: an account prefix ...
    category_id varchar,                         -- ... or a reporting category
    department varchar,                          -- optional: only this department's spend
    activity_code varchar not null,              -- e.g. electricity_se, district_heating_uk, diesel
    quantity double not null,                    -- in `unit`
    unit varchar not null,                       -- canonical: kWh | litre | m3 | kg | tonne | km | passenger-km
    quantity_as_given double not null,
    unit_as_given varchar not null,              -- as in the file: MWh, liter, Nm3, mil, pkm ...
    factor_kg_co2e_per_unit double,              -- own factor per canonical `unit` (e.g. the supplier's value)
    factor_as_given double,                      -- the own factor per `unit_as_given`, as in the file
    factor_source varchar,
    notes varchar
);

create table activity_factor (
    activity_factor_set_id varchar not null,     -- 'klimatspend_activity'
    version varchar not null,
    activity_code varchar not null,
    activity_name varchar,
    year integer not null,                       -- reporting year the factor is published for
    component varchar not null,                  -- combustion | generation | wtt | distribution_loss | wtt_distribution_loss | vehicle
    ghg_scope integer not null,                  -- 1, 2 or 3 (of the organisation using the activity)
    scope3_category integer,                     -- 3 (fuel- and energy-related activities) for wtt and losses
    gas varchar not null,                        -- CO2e, or CO2 where the source splits it
    value double not null,
    numerator_unit varchar not null,             -- kg CO2e (or kg CO2)
    denominator_unit varchar not null,           -- kWh | litre | m3 | kg | tonne | km | passenger-km
    relative_uncertainty double,
    source varchar,
    source_ref varchar,
    licence varchar,
    notes varchar,
    loaded_at timestamp not null default current_timestamp,
    primary key (activity_factor_set_id, version, activity_code, year, component, gas, denominator_unit)
);

-- Runs ------------------------------------------------------------------------------------------
alter table run add column results_checksum varchar;   -- set when published; sql/checks compares it
alter table run add column n_lines bigint;
alter table run add column activity_factor_version varchar;

create table run_organisation (
    run_id integer not null,
    organisation_id varchar not null,
    mapping_id varchar,
    mapping_version varchar,
    default_factor_code varchar,
    default_category_id varchar,
    primary key (run_id, organisation_id)
);

alter table line_emission add column group_id varchar;                 -- consolidated group (parent organisation)
alter table line_emission add column currency varchar;                 -- ledger currency
alter table line_emission add column amount_ledger_currency decimal(18, 2);
alter table line_emission add column supplier_sni_code varchar;
alter table line_emission add column method varchar;                   -- spend | supplier_specific | activity | spend_fallback | none
alter table line_emission add column is_energy boolean;
alter table line_emission add column is_intra_group boolean;           -- bought from another organisation of the group
alter table line_emission add column activity_code varchar;
alter table line_emission add column activity_scope_id varchar;
alter table line_emission add column emissions_scope1_kg_co2e double;
alter table line_emission add column emissions_scope2_kg_co2e double;
alter table line_emission add column emissions_scope3_kg_co2e double;

-- The activity scopes a run used (what the activity data covered and what it weighed), kept with the run.
create table run_activity (
    run_id integer not null,
    activity_scope_id varchar not null,
    organisation_id varchar not null,
    account_prefix varchar,
    category_id varchar,
    department varchar,
    activity_code varchar,
    quantity_summary varchar,
    n_activity_rows bigint,
    has_own_factor boolean,
    factor_refs varchar,
    emissions_kg_co2e double,
    emissions_kg_co2 double,
    emissions_scope1_kg_co2e double,
    emissions_scope2_kg_co2e double,
    emissions_scope3_kg_co2e double,
    scope3_category integer,
    emissions_lower_kg_co2e double,
    emissions_upper_kg_co2e double,
    primary key (run_id, activity_scope_id)
);
