"""Which factor sets a run prices with: its own (by the organisations' country unless settings or options say
otherwise) and the alternatives of its sensitivity, each with region, factor year, price year and crosswalk.

The choice is recorded per run in `run_pricing_set` and in the run's settings; the SQL models read it there
(stg_pricing_sets). The rule country -> set lives in pipeline/organisations.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from ..currencies import CURRENCY_COUNTRY, cpi_country
from ..errors import UsageError
from ..organisations import applicable_factor_sets, default_factor_set, newest_version_sql


@dataclass(frozen=True)
class PricingSet:
    """One factor set a run prices with: its version, region, factor year, price year, currency and crosswalk."""

    role: str                           # run | alternative
    factor_set_id: str
    version: str
    base_year: int                      # price year: the set's base year, or the factor year used
    currency: str
    relative_uncertainty: float | None
    region: str | None = None
    factor_year: int | None = None
    crosswalk_id: str | None = None
    crosswalk_version: str | None = None
    notes: list[str] = field(default_factory=list, compare=False)

    @property
    def label(self) -> str:
        """Return 'set@version' plus the region or factor year, the way runs name the set to people."""
        extra = f" ({self.region})" if self.region else (f" ({self.factor_year})" if self.factor_year else "")
        return f"{self.factor_set_id}@{self.version}{extra}"

    def as_dict(self) -> dict:
        """Return the set as plain data for the run's settings."""
        return {"factor_set": f"{self.factor_set_id}@{self.version}", "region": self.region,
                "factor_year": self.factor_year, "price_year": self.base_year, "currency": self.currency,
                "crosswalk": f"{self.crosswalk_id}@{self.crosswalk_version}" if self.crosswalk_id else None,
                "notes": self.notes}


def newest_set_version(con: duckdb.DuckDBPyConnection, set_id: str) -> str | None:
    """Return the newest loaded version of factor set `set_id`, or None."""
    row = con.execute(f"select version from factor_set where factor_set_id = ? order by {newest_version_sql('version')} "
                      "limit 1", [set_id]).fetchone()
    return row[0] if row else None


def set_regions(con: duckdb.DuckDBPyConnection, set_id: str, version: str) -> list[str]:
    """Return the regions a factor set has factors for (empty for a set without regions)."""
    return [r[0] for r in con.execute("select distinct region from factor where factor_set_id = ? and version = ? "
                                      "and region is not null order by 1", [set_id, version]).fetchall()]


def nearest_factor_year(con: duckdb.DuckDBPyConnection, set_id: str, version: str, year: int) -> int | None:
    """Return the factor year of a set with a factor per year that is nearest to `year` (the later one on a tie),
    or None for a set without years."""
    row = con.execute("select factor_year from factor where factor_set_id = ? and version = ? and factor_year is not null "
                      "group by factor_year order by abs(factor_year - ?), factor_year desc limit 1",
                      [set_id, version, year]).fetchone()
    return row[0] if row else None


def default_region(con: duckdb.DuckDBPyConnection, set_id: str, version: str) -> str | None:
    """Return the set's default region from its metadata (e.g. SE for EXIOBASE), or its `region` column."""
    row = con.execute("select coalesce(json_extract_string(metadata, '$.default_region'), region) from factor_set "
                      "where factor_set_id = ? and version = ?", [set_id, version]).fetchone()
    return row[0] if row else None


def resolve_crosswalk(con: duckdb.DuckDBPyConnection, factor_set_id: str, spec: str | None = None) -> tuple[str | None, str | None]:
    """Return (crosswalk id, version) of the industry crosswalk to use with `factor_set_id`, or (None, None).

    `spec` is CROSSWALK or CROSSWALK@VERSION; without it the newest crosswalk whose rows refer to the factor set.
    """
    if spec:
        cw_id, _, version = spec.partition("@")
        if not version:
            row = con.execute(f"select version from (select distinct version from industry_crosswalk "
                              f"where crosswalk_id = ?) order by {newest_version_sql('version')} limit 1",
                              [cw_id]).fetchone()
            version = row[0] if row else None
        if version is None or con.execute("select 1 from industry_crosswalk where crosswalk_id = ? and version = ? "
                                          "limit 1", [cw_id, version]).fetchone() is None:
            raise UsageError(f"--crosswalk {spec}: no such industry crosswalk in the database")
        return cw_id, version
    row = con.execute(f"""select crosswalk_id, version from (select distinct crosswalk_id, version
                          from industry_crosswalk where factor_set_id = ?)
                          order by {newest_version_sql('version')}, crosswalk_id limit 1""",
                      [factor_set_id]).fetchone()
    return (row[0], row[1]) if row else (None, None)


def pricing_set(con: duckdb.DuckDBPyConnection, role: str, spec: str, year: int, *, region: str | None = None,
                country: str | None = None, crosswalk: str | None = None) -> PricingSet:
    """Return the PricingSet for SET or SET@VERSION in `year`: the region (given, else the country when the set has
    it, else the set's default region) and, for a set with a factor per year, the year nearest to `year`."""
    set_id, _, version = spec.partition("@")
    version = version or newest_set_version(con, set_id)
    row = con.execute("select upper(currency), base_year, relative_uncertainty from factor_set "
                      "where factor_set_id = ? and version = ?", [set_id, version]).fetchone() if version else None
    if row is None:
        known = ", ".join(f"{a}@{b}" for a, b in con.execute(
            "select factor_set_id, version from factor_set order by 1, 2").fetchall()) or "none"
        raise UsageError(f"--factors {spec}: no such factor set in the database (loaded: {known}); "
                         "see `klimatspend factors list`")
    currency, base_year, uncertainty = row
    notes: list[str] = []
    regions = set_regions(con, set_id, version)
    chosen_region = None
    if regions:
        wanted = (region or "").upper() or None
        if wanted and wanted not in regions:
            raise UsageError(f"--region {region}: {set_id}@{version} has no such region; regions: {', '.join(regions)}")
        chosen_region = wanted or ((country or "").upper() if (country or "").upper() in regions
                                   else default_region(con, set_id, version))
    elif region:
        raise UsageError(f"--region {region}: {set_id}@{version} has no regions")
    factor_year = nearest_factor_year(con, set_id, version, year)
    if factor_year is not None:
        base_year = factor_year
        if factor_year != year:
            notes.append(f"factors of {factor_year} for spend of {year} (nearest year with factors)")
    cw_id, cw_version = resolve_crosswalk(con, set_id, crosswalk)
    return PricingSet(role, set_id, version, int(base_year), currency, uncertainty, chosen_region, factor_year,
                      cw_id, cw_version, notes)


def run_set_spec(organisations: list, factors: str | None) -> tuple[str, str | None, str | None]:
    """Return (SET[@VERSION], region, country) of a run over `organisations` (objects with country, factor_set and
    factor_region): `factors` when given, else each organisation's own setting or its country's default set.
    Raises UsageError when the organisations would need different sets."""
    countries = {(o.country or "").upper() or None for o in organisations}
    country = next(iter(countries)) if len(countries) == 1 else None
    regions = {o.factor_region for o in organisations if o.factor_region}
    region = next(iter(regions)) if len(regions) == 1 else None
    if factors:
        return factors, region, country
    wanted = {o.organisation_id: (o.factor_set or default_factor_set(o.country)) for o in organisations}
    if len(set(wanted.values())) > 1:
        listed = ", ".join(f"{org}: {spec}" for org, spec in sorted(wanted.items()))
        raise UsageError(f"the organisations of this run use different factor sets ({listed}); compute each with "
                         "--org ID, or give one set with --factors SET")
    return next(iter(wanted.values())), region, country


def alternative_specs(organisations: list, run_set_id: str) -> list[str]:
    """Return the factor sets (ids) the sensitivity of a run shows: every set applicable to its organisations'
    countries except the run's own, in order of first appearance."""
    out: list[str] = []
    for org in organisations:
        for set_id in applicable_factor_sets(org.country):
            if set_id != run_set_id and set_id not in out:
                out.append(set_id)
    return out


def missing_prices(con: duckdb.DuckDBPyConnection, year: int, organisation_id: str | None, factor_currency: str,
                   base_year: int, factor_cpi_country: str | None, convention: str) -> list[str]:
    """Return what a run of `year` lacks to convert and deflate every line (empty list = nothing missing).

    Checks the spend-year exchange rates of every ledger currency, SEK and the factor currency, the price-year
    rates for the 'ledger_currency_first' convention, and the consumer price indices both conventions need.
    """
    currencies = [r[0] for r in con.execute(
        """select distinct upper(l.currency) from ledger_line l join ledger_batch b using (batch_id)
           where b.status = 'loaded' and l.fiscal_year = ? and (? is null or l.organisation_id = ?)""",
        [year, organisation_id, organisation_id]).fetchall()]
    rates = {(y, c) for y, c in con.execute("select year, upper(currency) from exchange_rate").fetchall()}
    has_eur_rates = {y for y, _ in rates}
    cpi = {(c, y) for c, y in con.execute("select country_code, year from price_index").fetchall()}
    problems = []

    def need_rate(y: int, cur: str, why: str) -> None:
        if cur == "EUR" and y in has_eur_rates:
            return
        if (y, cur) not in rates:
            problems.append(f"exchange rate {cur} per EUR for {y} ({why})")

    for cur in sorted(set(currencies) | {"SEK", factor_currency}):
        need_rate(year, cur, "spend year")
    if convention == "ledger_currency_first":
        for cur in sorted(set(currencies) | {factor_currency}):
            need_rate(base_year, cur, "factor base year")
        for cur in sorted(set(currencies)):
            c = CURRENCY_COUNTRY.get(cur)
            for y in (year, base_year):
                if c is None or (c, y) not in cpi:
                    problems.append(f"consumer price index of {c or cur} for {y}")
    elif factor_cpi_country is None:
        problems.append(f"a consumer price index country for the factor currency {factor_currency}")
    else:
        for y in (year, base_year):
            if (factor_cpi_country, y) not in cpi:
                problems.append(f"consumer price index of {factor_cpi_country} for {y}")
    return problems


def missing_for(con: duckdb.DuckDBPyConnection, pset: PricingSet, year: int, organisation_id: str | None,
                convention: str) -> list[str]:
    """Return what the rates and indices lack to price `year`'s lines with `pset` (see missing_prices)."""
    return missing_prices(con, year, organisation_id, pset.currency, pset.base_year, cpi_country(pset.currency),
                          convention)


def record_pricing_sets(con: duckdb.DuckDBPyConnection, run_id: int, sets: list[PricingSet]) -> None:
    """Store the factor sets of run `run_id` in run_pricing_set (read by the SQL models through stg_pricing_sets)."""
    con.executemany(
        "insert into run_pricing_set (run_id, role, factor_set_id, factor_set_version, region, factor_year, base_year, "
        "currency, relative_uncertainty, crosswalk_id, crosswalk_version) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[run_id, s.role, s.factor_set_id, s.version, s.region, s.factor_year, s.base_year, s.currency,
          s.relative_uncertainty, s.crosswalk_id, s.crosswalk_version] for s in sets])
