"""Annual runs: compute a year's emissions as a recorded run, publish (freeze) it, and say which run is shown.

The SQL models themselves are views built by `store` (see pipeline/store/models.py); a run sets the run
variables, inserts `int_line__emissions` (as `run_decision` + `run_line`, read through the view `line_emission`)
and runs the sql/checks assertions.
"""

from __future__ import annotations

import json
import time
from typing import Callable
from dataclasses import dataclass, field

import duckdb

from ..errors import DataError, KlimatspendError, UsageError
from ..factors import activity, ensure_reference_data
from ..organisations import newest_mapping_version, newest_version_sql
from ..store import transaction
from ..store.models import load_models, run_checks, set_variable
from . import pricing


@dataclass(frozen=True)
class RunOrganisation:
    """One organisation of a run with the account map, tail-spend default, country and factor-set choice it uses."""

    organisation_id: str
    mapping_id: str
    mapping_version: str
    default_factor_code: str | None
    default_category_id: str | None
    country: str | None = None
    factor_set: str | None = None
    factor_region: str | None = None


# 'ledger_currency_first' (default): deflate with the ledger country's CPI, convert at the price year's rates, so
# that exchange-rate swings do not show as emission changes; 'factor_currency': convert at the spend year's rates,
# then deflate with the factor currency's CPI. The formulas: sql/intermediate/int_prices__by_set.sql.
INFLATION_CONVENTIONS = ("ledger_currency_first", "factor_currency")


@dataclass
class RunSettings:
    """Conventions of a run; stored with it and stated in the reports."""

    use_margins: bool = True                       # purchaser-price factors (with margins)
    inflation_convention: str = "ledger_currency_first"  # or 'factor_currency'
    gases: str = "all"                             # all | co2 (budget scope; both are computed per line)
    vat_rate: float = 0.25                         # removes VAT when a batch includes it and a line has no VAT amount
    supplier_factor_uncertainty: float = 0.25      # relative uncertainty of supplier-specific factors

    def as_dict(self) -> dict:
        """Return the settings as plain data."""
        return {"use_margins": self.use_margins, "inflation_convention": self.inflation_convention,
                "gases": self.gases, "vat_rate": self.vat_rate,
                "supplier_factor_uncertainty": self.supplier_factor_uncertainty}


@dataclass
class RunResult:
    """A computed run: its id, the versions used, timings and check results."""

    run_id: int
    year: int
    factor_set_id: str
    factor_set_version: str
    mapping_id: str
    mapping_version: str
    settings: dict
    timings: dict[str, float] = field(default_factory=dict)
    checks: dict[str, int] = field(default_factory=dict)


def resolve_mapping(con: duckdb.DuckDBPyConnection, spec: str | None, default: str = "kommunbas13") -> tuple[str, str]:
    """Return (mapping id, version) for MAP or MAP@VERSION; without a version the newest loaded one."""
    spec = spec or default
    map_id, _, version = spec.partition("@")
    if version:
        row = con.execute("select distinct mapping_id, mapping_version from account_map "
                          "where mapping_id = ? and mapping_version = ?", [map_id, version]).fetchone()
    else:
        row = con.execute("select distinct mapping_id, mapping_version, "
                          "string_split(mapping_version, '.')::int[] as version_key from account_map "
                          "where mapping_id = ? order by version_key desc limit 1", [map_id]).fetchone()
    if row is None:
        raise UsageError(f"--mapping {spec}: no such account map in the database; see `klimatspend factors list`")
    return row[0], row[1]


def compute_run(con: duckdb.DuckDBPyConnection, year: int, *, factors: str | None = None, mapping: str | None = None,
                settings: RunSettings | None = None, organisation_id: str | None = None,
                created_by: str | None = None, note: str | None = None, crosswalk: str | None = None,
                activity_factors: str | None = None, region: str | None = None,
                progress: Callable[[str], None] | None = None) -> RunResult:
    """Compute emissions for every loaded line of `year` as a new run, atomically; return the run.

    `progress(step)` is told each step as it starts ("pricing", "lines", "checks"), for the CLI's progress lines.

    Each organisation uses its own account map when it has one (`klimatspend org set ID --mapping MAP`),
    else `mapping` (default: newest kommunbas13). The factor set is `factors`, else the organisations' own
    setting, else the one that fits their country (SE: EXIOBASE Swedish region, GB: Defra, others US EPA;
    pipeline/engine/pricing.py); the sets applicable to their countries are priced too, per category, for the
    sensitivity. The previous unpublished run with the same year, organisation, factor set, mapping and
    settings is replaced; published runs are never touched. Fails (nothing kept) if any sql/checks assertion
    returns rows.
    """
    settings = settings or RunSettings()
    if settings.inflation_convention not in INFLATION_CONVENTIONS:
        raise UsageError(f"inflation convention {settings.inflation_convention!r}: use factor_currency or "
                         "ledger_currency_first")
    if settings.gases not in ("all", "co2"):
        raise UsageError(f"gases {settings.gases!r}: use all or co2")
    t0 = time.perf_counter()
    ensure_reference_data(con)
    try:
        default_map = resolve_mapping(con, mapping)
    except UsageError:
        if mapping:
            raise
        default_map = None
    n_lines = con.execute(
        "select count(*) from ledger_line l join ledger_batch b using (batch_id) "
        "where b.status = 'loaded' and l.fiscal_year = ? and (? is null or l.organisation_id = ?)",
        [year, organisation_id, organisation_id]).fetchone()[0]
    if n_lines == 0:
        raise UsageError(f"--year {year}: no loaded ledger lines for that year; load a ledger with "
                         "`klimatspend ingest FILE` first (see `klimatspend batches`)")
    run_orgs = run_organisations(con, year, organisation_id, default_map)
    # the run's map is the one its organisations used when they all used one (a UK council's own expense-type map,
    # not the Swedish default nobody used), else the default; each organisation's own is in run_organisation
    used_maps = {(o.mapping_id, o.mapping_version) for o in run_orgs}
    map_id, map_version = (next(iter(used_maps)) if len(used_maps) == 1
                           else default_map or (run_orgs[0].mapping_id, run_orgs[0].mapping_version))
    spec, org_region, country = pricing.run_set_spec(run_orgs, factors)
    run_set = pricing.pricing_set(con, "run", spec, year, region=region or org_region, country=country,
                                  crosswalk=crosswalk)
    fs_id, fs_version, cw_id, cw_version = run_set.factor_set_id, run_set.version, run_set.crosswalk_id, \
        run_set.crosswalk_version
    text_id, text_version = resolve_text_rules(con)
    text_tables = {o.organisation_id: organisation_text_rules(con, o.country, (text_id, text_version)) for o in run_orgs}
    act_version = activity.load_activity_factors(con, activity_factors)
    missing = pricing.missing_for(con, run_set, year, organisation_id, settings.inflation_convention)
    if missing:
        raise DataError(f"run for {year} with {fs_id}@{fs_version}: missing {'; '.join(missing)}; load current "
                        "reference data with `klimatspend factors load` (or add the rates and indices)",
                        code="missing-prices")
    alternatives: list[pricing.PricingSet] = []
    skipped: list[str] = []
    for alt_id in pricing.alternative_specs(run_orgs, fs_id):
        if pricing.newest_set_version(con, alt_id) is None:
            continue
        alt = pricing.pricing_set(con, "alternative", alt_id, year, country=country)
        if alt.region is not None and country and alt.region != country.upper():
            continue  # the set has no region for this country: not applicable
        lacking = pricing.missing_for(con, alt, year, organisation_id, settings.inflation_convention)
        if lacking:
            skipped.append(f"{alt.label}: missing {'; '.join(lacking)}")
        else:
            alternatives.append(alt)
    models = load_models()
    run_settings = settings.as_dict() | {
        "factor_region": run_set.region, "factor_year": run_set.factor_year, "price_year": run_set.base_year,
        "factor_notes": run_set.notes,
        "mappings": {o.organisation_id: f"{o.mapping_id}@{o.mapping_version}" for o in run_orgs},
        "crosswalk": f"{cw_id}@{cw_version}" if cw_id else None,
        "text_rules": f"{text_id}@{text_version}" if text_id else None,
        **({"text_rules_by_organisation": {org: f"{t[0]}@{t[1]}" for org, t in text_tables.items()}}
           if any(t[:2] != (text_id, text_version) for t in text_tables.values()) else {}),
        # tail spend priced at an organisation's average factor: an explicit opt-in setting, off unless set
        "tail_spend": {o.organisation_id: o.default_factor_code for o in run_orgs if o.default_factor_code},
        "activity_factors": f"{activity.ACTIVITY_FACTOR_SET}@{act_version}",
        "sensitivity": [a.as_dict() for a in alternatives], "sensitivity_skipped": skipped}
    timings: dict[str, float] = {"prepare": time.perf_counter() - t0}
    with transaction(con):
        run_id = con.execute("select nextval('run_id_seq')").fetchone()[0]
        for name, value in {"run_id": run_id, "run_year": int(year), "run_organisation_id": organisation_id,
                            "factor_set_id": fs_id, "factor_set_version": fs_version, "mapping_id": map_id,
                            "mapping_version": map_version, "use_margins": settings.use_margins,
                            "inflation_convention": settings.inflation_convention, "crosswalk_id": cw_id,
                            "crosswalk_version": cw_version, "text_ruleset_id": text_id,
                            "text_ruleset_version": text_version, "activity_factor_set_id": activity.ACTIVITY_FACTOR_SET,
                            "activity_factor_version": act_version, "vat_rate": float(settings.vat_rate),
                            "supplier_factor_uncertainty": float(settings.supplier_factor_uncertainty)}.items():
            set_variable(con, name, value)
        old = [r[0] for r in con.execute(
            """select run_id from run where year = ? and not is_published and factor_set_id = ?
               and factor_set_version = ? and mapping_id = ? and mapping_version = ?
               and organisation_id is not distinct from ? and settings = ?::json""",
            [year, fs_id, fs_version, map_id, map_version, organisation_id,
             json.dumps(run_settings)]).fetchall()]
        if old:
            ids = ", ".join(map(str, old))
            for table in ("run_line", "run_line_sum", "run_decision", "line_emission_wide"):
                con.execute(f"delete from {table} where run_id in ({ids})")
            con.execute(f"delete from run_organisation where run_id in ({ids})")
            con.execute(f"delete from run_activity where run_id in ({ids})")
            for table in ("run_pricing_set", "run_industry_factor", "run_factor_rule", "run_price", "run_sensitivity", "run_account"):
                con.execute(f"delete from {table} where run_id in ({ids})")
            con.execute(f"delete from run where run_id in ({ids})")
        con.execute(
            """insert into run (run_id, year, organisation_id, factor_set_id, factor_set_version, mapping_id,
                                mapping_version, settings, created_by, note, status, activity_factor_version)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'computing', ?)""",
            [run_id, year, organisation_id, fs_id, fs_version, map_id, map_version,
             json.dumps(run_settings), created_by, note, act_version])
        con.executemany("insert into run_organisation (run_id, organisation_id, mapping_id, mapping_version, "
                        "default_factor_code, default_category_id, text_ruleset_id, text_ruleset_version, "
                        "account_is_text) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [[run_id, o.organisation_id, o.mapping_id, o.mapping_version, o.default_factor_code,
                          o.default_category_id, *text_tables[o.organisation_id]] for o in run_orgs])
        pricing.record_pricing_sets(con, run_id, [run_set, *alternatives])
        tell = progress or (lambda step: None)
        tell("pricing")
        t1 = time.perf_counter()
        # The pricing decisions (a few hundred rows) are computed once and stored before the lines: the line model
        # reads them back instead of re-deriving them in every view that needs them.
        for table, model in (("run_industry_factor", "int_industries__resolved"),
                             ("run_factor_rule", "int_factor_rules__resolved"), ("run_price", "int_prices__by_set")):
            con.execute(f"insert into {table} by name select getvariable('run_id') as run_id, * from {model}")
        timings["pricing"] = time.perf_counter() - t1
        tell("lines")
        t1 = time.perf_counter()
        # A line's decision (rule, factor, adjustments) depends only on a few of its fields (its input key,
        # sql/intermediate/int_line__inputs): the decisions are computed once per distinct input into a temporary
        # table (int_line_keys__priced), stored once per distinct decision (run_decision), and each line is stored
        # narrow as its amounts times its key's decision (run_line); the view line_emission joins them back
        # (migration 0050).
        t2 = time.perf_counter()
        con.execute("create or replace temp table _line_keys as select * from int_line_keys__priced")
        timings["compute_keys"] = time.perf_counter() - t2
        try:
            for table, source in (("run_decision", "decisions_of_keys('_line_keys')"),
                                  ("run_line", "results_of_lines('int_line__inputs', '_line_keys')")):
                t2 = time.perf_counter()
                con.execute(f"insert into {table} by name select getvariable('run_id') as run_id, * from {source}")
                timings[f"store_{table}"] = time.perf_counter() - t2
        finally:
            con.execute("drop table if exists _line_keys")
        # the lines summed per organisation and decision, read by the marts through run_line_total (migration 0085)
        for table, model in (("run_line_sum", "int_run_lines__summed"), ("run_activity", "int_activity__scopes"),
                             ("run_sensitivity", "int_runs__sensitivity"), ("run_account", "int_accounts__reviewed")):
            t2 = time.perf_counter()
            con.execute(f"insert into {table} by name select getvariable('run_id') as run_id, * from {model}")
            timings[f"compute_{table}"] = time.perf_counter() - t2
        timings["compute"] = time.perf_counter() - t1
        tell("checks")
        t2 = time.perf_counter()
        failures = {name: rows for name, rows in run_checks(con, models).items() if rows}
        timings["checks"] = time.perf_counter() - t2
        if failures:
            detail = "; ".join(f"{name}: {len(rows)} row(s), e.g. {rows[0]}" for name, rows in failures.items())
            raise KlimatspendError(f"run for {year} failed its checks, nothing was kept: {detail}",
                                   code="check-failed")
        n_done = con.execute("select count(*) from run_line where run_id = ?", [run_id]).fetchone()[0]
        con.execute("update run set status = 'complete', n_lines = ? where run_id = ?", [n_done, run_id])
    timings["total"] = time.perf_counter() - t0
    return RunResult(run_id=run_id, year=year, factor_set_id=fs_id, factor_set_version=fs_version,
                     mapping_id=map_id, mapping_version=map_version, settings=run_settings,
                     timings=timings, checks={name: 0 for name in models if models[name].layer == "checks"})


def results_checksum(con: duckdb.DuckDBPyConnection, run_id: int) -> str:
    """Return a checksum of a run's line results (count, spend, emissions, and a hash of every line's decision)."""
    row = con.execute("select results_checksum from int_runs__checksummed where run_id = ?", [run_id]).fetchone()
    return row[0] if row else "0:0:0:0"


def publish_run(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    """Freeze a run: its results are kept as they are, later runs never replace it, and a checksum of its
    line results is stored so that sql/checks/assert_published_runs_unchanged detects any change."""
    row = con.execute("select is_published, status from run where run_id = ?", [run_id]).fetchone()
    if row is None:
        raise UsageError(f"run {run_id}: no such run; see `klimatspend run --list`")
    if row[0]:
        raise UsageError(f"run {run_id} is already published (frozen)")
    if row[1] != "complete":
        raise UsageError(f"run {run_id} is {row[1]}, not complete; compute it again before publishing")
    con.execute("update run set is_published = true, published_at = current_timestamp, results_checksum = ? "
                "where run_id = ?", [results_checksum(con, run_id), run_id])


def verify_published_runs(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Recompute the checksum of every published run's line results and compare it with the one stored when it was
    published, and its stored sums (what its totals are read from) with its lines; one dict per published run
    (run_id, year, organisation_id, published_at, unchanged). A run checks only the published runs of its own year
    (sql/checks/assert_published_runs_unchanged); this checks them all (macro published_runs_verified)."""
    rows = con.execute("select run_id, year, organisation_id, published_at, unchanged "
                       "from published_runs_verified(null) order by run_id").fetchall()
    return [dict(zip(("run_id", "year", "organisation_id", "published_at", "unchanged"), r)) for r in rows]


def shown_run_id(con: duckdb.DuckDBPyConnection, year: int, organisation_id: str | None = None) -> int | None:
    """Return the run shown for `year` (None when the year has none). The one rule every view uses.

    With `organisation_id`: that organisation's own runs. Without: a run over all organisations first, then
    a run of a top-level organisation (the municipality rather than its company), then any other run.
    Within a scope the newest published run wins, else the newest run (sql/intermediate/int_runs__ranked).
    """
    row = con.execute(
        """select run_id from int_runs__ranked
           where year = ? and rank_in_scope = 1 and (? is null or organisation_id = ?)
           order by is_all_organisations desc, is_top_level desc, is_published desc, run_id desc
           limit 1""", [year, organisation_id, organisation_id]).fetchone()
    return row[0] if row else None


def same_scope_run_id(con: duckdb.DuckDBPyConnection, year: int, organisation_id: str | None) -> int | None:
    """Return `year`'s shown run over exactly the scope `organisation_id` (None = all organisations), or None.

    Used for "change from last year" and histories, so that years compare like with like.
    """
    row = con.execute("select run_id from int_runs__ranked where year = ? and rank_in_scope = 1 "
                      "and organisation_id is not distinct from ?", [year, organisation_id]).fetchone()
    return row[0] if row else None


def newest_run_year(con: duckdb.DuckDBPyConnection, organisation_id: str | None = None) -> int | None:
    """Return the newest year with a complete run (of `organisation_id` when given), or None."""
    row = con.execute("select max(year) from int_runs__ranked where ? is null or organisation_id = ?",
                      [organisation_id, organisation_id]).fetchone()
    return row[0] if row else None


def covering_runs(con: duckdb.DuckDBPyConnection, organisations: list[str]) -> list[dict]:
    """Return {year, organisation_id, run_id} of the run whose figures count for each year and organisation:
    a run of that organisation if there is one, else a run over all organisations (the shown one of each)."""
    if not organisations:
        return []
    cur = con.execute(
        """with orgs as (select unnest(?::varchar[]) as organisation_id),
           candidates as (
               select r.year, o.organisation_id, r.run_id,
                      row_number() over (partition by r.year, o.organisation_id
                                         order by r.is_all_organisations, r.is_published desc, r.run_id desc) as pick
               from int_runs__ranked as r
               join orgs as o on r.is_all_organisations or r.organisation_id = o.organisation_id
               where r.rank_in_scope = 1
           )
           select year, organisation_id, run_id from candidates where pick = 1 order by year, organisation_id""",
        [organisations])
    return [dict(zip(("year", "organisation_id", "run_id"), r)) for r in cur.fetchall()]


def run_organisations(con: duckdb.DuckDBPyConnection, year: int, organisation_id: str | None,
                      default_mapping: tuple[str, str] | None) -> list[RunOrganisation]:
    """Return the organisations a run of `year` covers, each with the account map it uses.

    An organisation with its own map (organisation.mapping_id) uses it (newest version unless pinned);
    the others use `default_mapping`. Raises UsageError naming the organisation when none applies.
    """
    rows = con.execute(
        """select l.organisation_id, o.mapping_id, o.mapping_version, o.default_factor_code, o.default_category_id,
                  o.country, o.factor_set, o.factor_region
           from (select distinct l.organisation_id from ledger_line l join ledger_batch b using (batch_id)
                 where b.status = 'loaded' and l.fiscal_year = ? and (? is null or l.organisation_id = ?)) as l
           left join organisation as o using (organisation_id)
           order by l.organisation_id""", [year, organisation_id, organisation_id]).fetchall()
    out = []
    for org, map_id, map_version, default_factor, default_category, country, factor_set, factor_region in rows:
        extra = {"country": country, "factor_set": factor_set, "factor_region": factor_region}
        if map_id:
            version = map_version or newest_mapping_version(con, map_id)
            if version is None:
                raise DataError(f"organisation {org} uses account map {map_id}, which is not loaded; load it "
                                f"(`klimatspend factors load`) or change it with `klimatspend org set {org} --mapping MAP`")
            out.append(RunOrganisation(org, map_id, version, default_factor, default_category, **extra))
        elif default_mapping is not None:
            out.append(RunOrganisation(org, default_mapping[0], default_mapping[1], default_factor, default_category,
                                       **extra))
        else:
            raise UsageError(f"organisation {org} has no account map and the default map is not loaded; give "
                             f"--mapping MAP or set one with `klimatspend org set {org} --mapping MAP`")
    return out


DEFAULT_TEXT_RULES = "sv_ledger_text"


def tail_spend_text(settings: dict) -> str:
    """Return the tail-spend setting of a run in words: 'off', or 'on: ORG (factor CODE), ...'."""
    chosen = (settings or {}).get("tail_spend") or {}
    if not chosen:
        return "off"
    return "on: " + ", ".join(f"{org} (factor {code})" for org, code in sorted(chosen.items()))


def resolve_text_rules(con: duckdb.DuckDBPyConnection, ruleset_id: str = DEFAULT_TEXT_RULES) -> tuple[str | None, str | None]:
    """Return (ruleset id, newest loaded version) of the keyword table over ledger texts, or (None, None)."""
    row = con.execute(f"""select ruleset_id, version from (select distinct ruleset_id, version from text_rule
                          where ruleset_id = ?) order by {newest_version_sql('version')} limit 1""",
                      [ruleset_id]).fetchone()
    return (row[0], row[1]) if row else (None, None)


def organisation_text_rules(con: duckdb.DuckDBPyConnection, country: str | None,
                            default: tuple[str | None, str | None]) -> tuple[str | None, str | None, bool]:
    """Return (ruleset id, version, account_is_text) of the keyword table an organisation of `country` reads.

    A table whose release names the country (text_ruleset.country, e.g. GB: UK council expense types) is that
    country's; every other organisation reads `default` (the Swedish ledger-text table).
    """
    if country:
        row = con.execute(f"""select ruleset_id, version, account_is_text from text_ruleset where upper(country) = ?
                              order by {newest_version_sql('version')} limit 1""", [country.upper()]).fetchone()
        if row:
            return row[0], row[1], bool(row[2])
    return default[0], default[1], False
