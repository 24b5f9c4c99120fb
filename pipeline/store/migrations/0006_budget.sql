-- 0006 budget: carbon budget definitions, allocation inputs, measures, own direct and residents' emissions,
-- and the shipped territorial budgets of the 290 municipalities. Written by `klimatspend budget import`
-- (and later by the web app); read by `klimatspend budget show`. Tonnes (t) unless a column says otherwise.

create table budget (
    budget_id varchar primary key,               -- short id from the definition file, e.g. 'kommun'
    name varchar not null,
    perspective varchar not null,                -- organisation | territorial | residents
    organisations varchar[],                     -- organisation ids counted (organisation perspective); ['*'] = all
    municipality varchar,                        -- territorial: kommun name as in municipality_budget
    scope varchar not null,                      -- co2e | co2
    method varchar not null,                     -- rate | paris | linear | custom | klimatkollen
    rate double,                                 -- rate: yearly reduction as a share (0.16)
    base_year integer,
    base_emissions_t double,                     -- null when taken from the actuals of base_year
    base_from_actual boolean not null default false,
    total_t double,                              -- paris: B
    start_year integer,
    start_emissions_t double,                    -- paris: E0 (t/yr); linear: b(start_year); null when from actuals
    start_from_actual boolean not null default false,
    zero_year integer,                           -- linear
    follow_up_from integer,                      -- first year counted against the budget (null = automatic)
    include_own_emissions boolean not null default false,
    allocate_to varchar not null default 'none', -- department | organisation | none
    allocation_method varchar,                   -- grandfathering | equal | employees | budget | weights
    allocation_base_year integer,
    trend_years integer,
    sort_order integer not null,
    notes varchar,
    definition json not null,                    -- the [[budget]] table as validated
    source_file varchar,
    imported_at timestamp not null default current_timestamp,
    imported_by varchar
);

-- Custom yearly budgets (method = 'custom').
create table budget_year (
    budget_id varchar not null,
    year integer not null,
    budget_t double not null,
    primary key (budget_id, year)
);

-- Allocation inputs per unit: employees, financial budget or a custom weight (from the allocation_basis
-- file or the definition's weights). Shares themselves are computed at follow-up time.
create table budget_allocation (
    budget_id varchar,                           -- null = applies to every budget
    organisation_id varchar,
    department varchar,
    basis varchar not null,                      -- employees | budget | weights
    basis_value double not null,
    source_file varchar,
    source_row integer
);

create table measure (
    measure_id varchar primary key,
    name varchar not null,
    budget_id varchar,                           -- null = the budget covering the organisation
    organisation_id varchar,
    department varchar,
    start_year integer not null,
    end_year integer,                            -- inclusive; null = lasting
    reduction_t_per_year double not null,        -- expected yearly reduction, t CO2e
    cost_sek double,                             -- one-off cost (investment)
    yearly_cost_sek double,                      -- running cost a year
    lifetime_years integer,
    status varchar not null default 'planned',   -- planned | decided | ongoing | done
    notes varchar,
    source_file varchar,
    source_row integer
);

-- The organisation's own direct emissions (e.g. its vehicles' fuel, heating oil) added to the spend-based figures.
create table own_emission (
    organisation_id varchar,
    department varchar,
    year integer not null,
    emissions_t_co2e double not null,
    emissions_t_co2 double,
    source varchar,
    notes varchar,
    source_file varchar,
    source_row integer
);

-- Residents' consumption-based emissions (imported, e.g. from SEI Konsumtionskompassen or own studies).
create table residents_emission (
    year integer primary key,
    emissions_t_co2e double not null,
    population double,
    kg_co2e_per_person double,
    source varchar,
    source_file varchar,
    source_row integer
);

-- Settings of the definition file ([settings] and file names) as key -> JSON value.
create table budget_setting (
    key varchar primary key,
    value json
);

-- Shipped territorial data (emission_factors/carbon_budgets, Klimatkollen, MIT), loaded on import.
create table municipality_budget (
    kommun varchar primary key,
    lan varchar not null,
    budget_t_co2 double not null,
    budget_start_year integer not null,
    start_emissions_t_co2 double not null,
    needed_reduction_pct_klimatkollen double,
    budget_runs_out_klimatkollen date,
    stays_within_budget_klimatkollen boolean,
    hit_net_zero_klimatkollen date,
    never_net_zero_klimatkollen boolean,
    historical_change_pct_klimatkollen double,
    consumption_kg_co2e_per_person double,
    consumption_year integer,
    notes varchar
);

create table municipality_emission (
    kommun varchar not null,
    series varchar not null,                     -- smhi | approximated | paris_path
    year integer not null,
    emissions_t_co2 double not null,
    primary key (kommun, series, year)
);
