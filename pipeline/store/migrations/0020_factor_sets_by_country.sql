-- 0020 factor sets that fit the country: factors by region (EXIOBASE) and by year (Defra/Leeds), flagged
-- factors, the bridge from one set's codes to industries, organisations' country and factor-set choice, the
-- factor sets a run prices with (its own and the alternatives of the sensitivity), the sensitivity per
-- category, and each line's industry code.

-- factor: region and factor_year join the key, so the table is rebuilt (a primary key cannot be altered).
-- Uniqueness of (set, version, code, gas, region, year) is checked by the loader's schema.
create table factor_by_region_year (
    factor_set_id varchar not null,
    version varchar not null,
    factor_code varchar not null,
    factor_name varchar,
    gas varchar not null,                        -- 'CO2e' for the all-gas total, else the gas name
    value double not null,                       -- the value used (with margins where the set distinguishes)
    value_without_margins double,
    numerator_unit varchar not null,
    denominator_unit varchar not null,
    source_ref varchar,
    notes varchar,
    region varchar,                              -- EXIOBASE region (SE, GB ...); null for sets without regions
    factor_year integer,                         -- Defra: the year (and price year) of the factor; null otherwise
    published_value double,                      -- the published value where the release overrides it
    flag varchar                                 -- overridden | doubtful (see flagged_factors.csv of the release)
);
insert into factor_by_region_year (factor_set_id, version, factor_code, factor_name, gas, value, value_without_margins,
                                   numerator_unit, denominator_unit, source_ref, notes)
select factor_set_id, version, factor_code, factor_name, gas, value, value_without_margins, numerator_unit,
       denominator_unit, source_ref, notes
from factor;
drop table factor;
alter table factor_by_region_year rename to factor;

-- Supplier-industry crosswalk rows that a supplier's industry may not decide (public administration).
alter table industry_crosswalk add column is_supplier_rule boolean default true;

-- Bridge: a factor code of one set -> the industry (NACE) whose product it is, so that a rule naming only
-- another set's code (kommunbas13@1.0.0, overrides with useeio codes) is priced by the run's set.
create table factor_industry (
    crosswalk_id varchar not null,               -- e.g. 'useeio_nace2'
    version varchar not null,
    factor_set_id varchar not null,              -- the set whose codes are bridged
    factor_code_prefix varchar not null,         -- longest prefix of the factor code wins
    industry_code varchar not null,              -- NACE Rev. 2 digits
    notes varchar,
    primary key (crosswalk_id, version, factor_set_id, factor_code_prefix)
);

-- Organisations: the country decides the default factor set (SE: EXIOBASE Swedish region, GB: Defra, else
-- US EPA); factor_set (SET or SET@VERSION) and factor_region override it.
alter table organisation add column country varchar;      -- ISO 3166 alpha-2
alter table organisation add column factor_set varchar;
alter table organisation add column factor_region varchar;

-- The factor sets a run prices with: its own ('run') and those of the sensitivity ('alternative').
create table run_pricing_set (
    run_id integer not null,
    role varchar not null,                       -- run | alternative
    factor_set_id varchar not null,
    factor_set_version varchar not null,
    region varchar,
    factor_year integer,                         -- the factor year used (sets with years), else null
    base_year integer not null,                  -- price year: the set's base year, or factor_year
    currency varchar not null,
    relative_uncertainty double,
    crosswalk_id varchar,
    crosswalk_version varchar,
    primary key (run_id, factor_set_id, factor_set_version)
);

-- The pricing decisions of a run, computed once before its lines (the SQL views read them back through
-- stg_run_*): each industry code resolved in each of the run's sets, each distinct rule key resolved to a
-- factor, and the price conversion of each ledger currency into each set. Small tables (a few hundred rows a
-- run) that also keep the provenance of every distinct pricing decision.
create table run_industry_factor (
    run_id integer not null,
    role varchar not null,
    factor_set_id varchar not null,
    factor_set_version varchar not null,
    industry_code varchar not null,
    crosswalk_code varchar,                      -- the crosswalk row that matched (longest prefix)
    crosswalk_category_id varchar,
    is_supplier_rule boolean,
    factor_code varchar                          -- null: the set has no factor for the industry
);

create table run_factor_rule (
    run_id integer not null,
    role varchar not null,
    factor_set_id varchar not null,
    factor_set_version varchar not null,
    rule_factor_set_id varchar,                  -- the rule key: the factor set and code a rule names, if any,
    rule_factor_code varchar,
    rule_industry_code varchar,                  -- and its industry code (a supplier's SNI code)
    industry_code varchar,                       -- the industry the rule stands for (its own, else bridged)
    crosswalk_code varchar,
    crosswalk_category_id varchar,
    is_supplier_rule boolean,
    factor_code varchar,                         -- the factor of the set it gets; null: none
    resolution varchar                           -- own_set | industry | bridged
);

create table run_price (
    run_id integer not null,
    role varchar not null,
    factor_set_id varchar not null,
    factor_set_version varchar not null,
    base_year integer,
    factor_currency varchar,
    currency varchar not null,                   -- ledger currency
    fx_rate double,                              -- factor currency per ledger currency unit (the run's convention)
    price_adjustment double                      -- CPI ratio of the run's convention
);

-- Sensitivity: the run's spend-priced lines priced again with another set, per organisation and category.
-- One row per (run, organisation, category, set): the alternative's figures are never stored per line.
create table run_sensitivity (
    run_id integer not null,
    organisation_id varchar not null,
    category_id varchar not null,
    factor_set_id varchar not null,
    factor_set_version varchar not null,
    region varchar,
    run_emissions_kg_co2e double not null,       -- the run's own figure for the category (every method)
    emissions_kg_co2e double not null,           -- the same purchases with the alternative set
    repriced_spend_sek double not null,          -- spend the alternative set priced
    kept_spend_sek double not null,              -- spend it could not price: keeps the run's figure
    primary key (run_id, organisation_id, category_id, factor_set_id, factor_set_version)
);

alter table line_emission add column industry_code varchar;  -- the industry whose product the line bought
