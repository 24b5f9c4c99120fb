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
