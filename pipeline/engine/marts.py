"""The one reader of the marts (sql/marts/*.sql) for every consumer: CLI, web, reports and budget.

The mart views are built when the database is opened (see pipeline/store/models.py); reading never
rebuilds them, so concurrent readers need no lock. Amounts come back as floats for display (web, reports),
or as exact decimals with `exact=True` (CLI tables and CSV, where öre must print as booked).
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from typing import TYPE_CHECKING

if TYPE_CHECKING:   # annotations only: the CLI builds its parser without loading DuckDB
    import duckdb

from ..errors import UsageError
from ..resources import sql_dir


@lru_cache(maxsize=1)
def mart_names() -> frozenset[str]:
    """Return the names of the shipped marts (the file names in sql/marts/)."""
    return frozenset(p.stem for p in (sql_dir() / "marts").glob("*.sql"))


def plain(value):
    """Return `value` with Decimal turned into float, through dicts and lists (plain data for JSON, templates, Excel)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None, *,
         exact: bool = False) -> list[dict]:
    """Run `sql` and return its rows as dicts (decimals as floats, or as Decimal with `exact`)."""
    cur = con.execute(sql, params if params is not None else [])
    cols = [d[0] for d in cur.description]
    if exact:
        return [dict(zip(cols, r)) for r in cur.fetchall()]
    return [{c: plain(v) for c, v in zip(cols, r)} for r in cur.fetchall()]


def read(con: duckdb.DuckDBPyConnection, name: str, run_id: int, order_by: str | None = None, *,
         exact: bool = False) -> list[dict]:
    """Return the rows of mart `name` for one run (without the run_id column), optionally ordered;
    amounts as floats, or as exact decimals with `exact`."""
    if name not in mart_names():
        raise UsageError(f"unknown mart {name!r}; marts: {', '.join(sorted(mart_names()))}")
    order = f" order by {order_by}" if order_by else ""
    return rows(con, f"select * exclude (run_id) from {name} where run_id = ?{order}", [run_id], exact=exact)


def read_runs(con: duckdb.DuckDBPyConnection, name: str, run_ids: list[int], *, exact: bool = False) -> list[dict]:
    """Return the rows of mart `name` for several runs at once, each with its run_id (for year-by-year follow-up)."""
    if name not in mart_names():
        raise UsageError(f"unknown mart {name!r}; marts: {', '.join(sorted(mart_names()))}")
    if not run_ids:
        return []
    return rows(con, f"select * from {name} where run_id = any(?::bigint[]) order by run_id",
                [list(run_ids)], exact=exact)


def reporting_currency(con: duckdb.DuckDBPyConnection, run_id: int) -> str:
    """Return the currency a run's figures are shown in: its lines' one ledger currency (GBP for a UK council),
    else SEK (the engine's internal currency) when the run mixes currencies. The one home of that rule."""
    found = [r[0] for r in con.execute("select distinct upper(currency) from run_line_emission where run_id = ? "
                                       "and currency is not null", [run_id]).fetchall()]
    return found[0] if len(found) == 1 else "SEK"


def reporting_money(con: duckdb.DuckDBPyConnection, run_id: int) -> tuple[str, float]:
    """Return (reporting currency, units of it per SEK) of a run: SEK figures of the marts times the rate are in the
    ledger's currency, at the spend year's average rates the run converted with (exact up to the line rounding)."""
    currency = reporting_currency(con, run_id)
    if currency == "SEK":
        return currency, 1.0
    row = con.execute("""select (select units_per_eur from exchange_rate where year = r.year and upper(currency) = ?)
                                / (select units_per_eur from exchange_rate where year = r.year and currency = 'SEK')
                         from run as r where r.run_id = ?""", [currency, run_id]).fetchone()
    if not row or row[0] is None:
        return "SEK", 1.0
    return currency, float(row[0])


def with_reporting_amounts(value, per_sek: float):
    """Return `value` (a mart row, or dicts and lists of them) with each amount `X_sek` also as `X` in the reporting
    currency (to_currency's conversion, to the cent), for output that programs read (`--json`): both keys, never a
    SEK figure under a GBP heading. A key that exists already is left as it is."""
    if isinstance(value, list):
        return [with_reporting_amounts(v, per_sek) for v in value]
    if not isinstance(value, dict):
        return value
    out = {key: with_reporting_amounts(v, per_sek) if isinstance(v, (dict, list)) else v for key, v in value.items()}
    converted = to_currency(value, per_sek)
    for key, v in value.items():
        plain = key[:-4]
        if not key.endswith("_sek") or plain in value:
            continue
        if v is None:
            out[plain] = None
        elif isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            out[plain] = round(float(converted[key]), 2)
    return out


def to_currency(value, per_sek: float):
    """Return `value` (a mart row, or dicts and lists of them) in the reporting currency: amounts (`*_sek`) times
    `per_sek`, intensities (`*_per_ksek`) per thousand units of it; the keys keep their names (units per SEK = 1:
    unchanged)."""
    if isinstance(value, list):
        return [to_currency(v, per_sek) for v in value]
    if not isinstance(value, dict) or per_sek == 1.0:
        return value
    out = {}
    for key, v in value.items():
        if isinstance(v, (dict, list)):
            out[key] = to_currency(v, per_sek)
        elif v is None or isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
            out[key] = v
        elif "per_ksek" in key:
            out[key] = float(v) / per_sek
        elif key.endswith("_sek"):
            out[key] = float(v) * per_sek
        else:
            out[key] = v
    return out


def spend_in_currency(con: duckdb.DuckDBPyConnection, run_id: int) -> dict:
    """Return a run's spend in its reporting currency, summed from the ledger amounts (exact to the penny): totals
    (`loaded`, `total` = in scope, `mapped`, `excluded`, `unmapped`) and per (organisation, department)."""
    currency = reporting_currency(con, run_id)
    amount = "amount_sek" if currency == "SEK" else "amount_ledger_currency"
    # nothing in a group is 0 of the currency, not "no figure": a run without unmapped spend says 0 SEK unmapped
    measures = f"""coalesce(sum({amount}), 0) as loaded,
                   coalesce(sum({amount}) filter (where not is_excluded), 0) as total,
                   coalesce(sum({amount}) filter (where rule_level not in ('excluded', 'unmapped')), 0) as mapped,
                   coalesce(sum({amount}) filter (where is_excluded), 0) as excluded,
                   coalesce(sum({amount}) filter (where rule_level = 'unmapped'), 0) as unmapped"""
    # SEK amounts are the run's own, summed per organisation and decision (run_line_total: no ledger join, a few
    # hundred rows); a ledger currency's amounts are the ledger line's (line_emission). The totals and the departments
    # in one pass (grouping sets); the totals row is the one with grouping id 3.
    source = "run_line_total" if currency == "SEK" else "line_emission"
    found = rows(con, f"""select organisation_id, department, {measures},
                                 grouping(organisation_id, department) as grouping_id
                          from {source} where run_id = ?
                          group by grouping sets ((organisation_id, department), ())""", [run_id], exact=True)
    totals = next(r for r in found if r["grouping_id"] == 3)
    departments = [r for r in found if r["grouping_id"] == 0]
    for r in found:
        del r["grouping_id"]
    del totals["organisation_id"], totals["department"]
    return {"currency": currency, **totals,
            "by_department": {(d["organisation_id"], d["department"]): d for d in departments}}
