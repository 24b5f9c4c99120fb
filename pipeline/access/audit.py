"""The audit log: who did what and when (uploads, replacements, deletions, mapping changes, runs,
publications, logins, user changes), in the `audit_log` table of the database."""

from __future__ import annotations

import csv
import getpass
import io
import json
from datetime import date, datetime
from decimal import Decimal

from typing import TYPE_CHECKING

if TYPE_CHECKING:   # annotations only: the CLI builds its parser without loading DuckDB
    import duckdb

# Actions written by klimatspend; a filter in the web app offers these.
ACTIONS = (
    "login.success", "login.failure", "login.throttled", "logout",
    "upload.validate", "upload.discard", "batch.load", "batch.replace", "batch.delete",
    "mapping.override", "run.compute", "run.publish", "report.create",
    "user.add", "user.role", "user.organisations", "user.disable", "user.enable", "user.password",
    "upload.failed",
)


def _default(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def record(con: duckdb.DuckDBPyConnection, action: str, *, actor: str | None, actor_role: str | None = None,
           object_kind: str | None = None, object_id: str | int | None = None, detail: dict | None = None,
           ip: str | None = None, source: str = "web") -> int:
    """Append one entry to the audit log; return its id. `detail` is stored as JSON."""
    row = con.execute(
        """insert into audit_log (actor, actor_role, action, object_kind, object_id, detail, ip, source)
           values (?, ?, ?, ?, ?, ?, ?, ?) returning audit_id""",
        [actor, actor_role, action, object_kind, None if object_id is None else str(object_id),
         json.dumps(detail or {}, ensure_ascii=False, default=_default), ip, source]).fetchone()
    return row[0]


def cli_actor() -> str:
    """Return the actor name used for command-line changes: 'cli:<operating-system user>'."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def entries(con: duckdb.DuckDBPyConnection, *, action: str | None = None, actor: str | None = None,
            object_kind: str | None = None, object_id: str | None = None, limit: int | None = 200,
            offset: int = 0) -> list[dict]:
    """Return audit entries, newest first, optionally filtered by action (prefix), actor and object."""
    where, params = ["true"], []
    if action:
        where.append("(action = ? or starts_with(action, ?))")
        params += [action, action.rstrip(".") + "."]
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if object_kind:
        where.append("object_kind = ?")
        params.append(object_kind)
    if object_id is not None:
        where.append("object_id = ?")
        params.append(str(object_id))
    page = f"limit {int(limit)} offset {int(offset)}" if limit else ""
    cur = con.execute(f"""select audit_id, logged_at, actor, actor_role, action, object_kind, object_id, detail, ip, source
                          from audit_log where {' and '.join(where)} order by audit_id desc {page}""", params)
    cols = [d[0] for d in cur.description]
    out = []
    for r in cur.fetchall():
        item = dict(zip(cols, r))
        item["detail"] = json.loads(item["detail"]) if item["detail"] else {}
        out.append(item)
    return out


def count(con: duckdb.DuckDBPyConnection, action: str | None = None) -> int:
    """Return how many audit entries there are (of `action`, or its prefix)."""
    if action:
        return con.execute("select count(*) from audit_log where action = ? or starts_with(action, ?)",
                           [action, action.rstrip(".") + "."]).fetchone()[0]
    return con.execute("select count(*) from audit_log").fetchone()[0]


def to_csv(rows: list[dict]) -> str:
    """Return audit entries as CSV text (detail as JSON); cells that a spreadsheet would run as formulas are quoted."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["audit_id", "logged_at", "actor", "actor_role", "action", "object_kind", "object_id", "detail", "ip",
                     "source"])
    for r in rows:
        writer.writerow([safe_cell(v) for v in (
            r["audit_id"], r["logged_at"].isoformat(sep=" ", timespec="seconds") if r["logged_at"] else "", r["actor"],
            r["actor_role"], r["action"], r["object_kind"], r["object_id"],
            json.dumps(r["detail"], ensure_ascii=False, default=_default), r["ip"], r["source"])])
    return buf.getvalue()


def safe_cell(value):
    """Return `value` safe for a spreadsheet: text starting with = + - @ or a control character gets a leading '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value
