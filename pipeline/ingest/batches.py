"""Store validated ledger batches atomically; list, show, replace, delete and export their findings.

A batch is stored in ONE transaction (batch row, accepted lines, quarantined rows, warnings, history
event); rows read = loaded + rejected and sum read = sum loaded + sum rejected are checked before
commit. A replaced or deleted batch keeps its record and lines; only its status changes, and
`ledger_batch_event` keeps the history with who and when.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

import duckdb
import pandas as pd

from ..store import transaction
from ..errors import KlimatspendError, UsageError
from .validate import CODE_PRIORITY, FINDING_COLUMNS
from ..store import finish_pending


@dataclass
class BatchRecord:
    """What is known about a ledger file before it is stored."""

    organisation_id: str
    source_file_name: str
    sha256: str
    file_format: str
    profile: str | None
    uploaded_by: str | None
    currency: str
    amounts_include_vat: bool
    column_mapping: dict
    fiscal_year: int | None
    validation_result: dict
    validation_summary: str
    source_info: dict = field(default_factory=dict)


@dataclass
class Duplicate:
    """An earlier batch with the same file content."""

    batch_id: int
    status: str                   # loaded | replaced
    replaced_by_batch_id: int | None


def find_duplicate(con: duckdb.DuckDBPyConnection, sha256: str, organisation_id: str) -> int | None:
    """Return the id of a live (loaded) batch of the same organisation with the same content hash."""
    dup = find_same_content(con, sha256, organisation_id)
    return dup.batch_id if dup is not None and dup.status == "loaded" else None


def find_same_content(con: duckdb.DuckDBPyConnection, sha256: str, organisation_id: str) -> Duplicate | None:
    """Return the earlier loaded (or else replaced) batch of this organisation with the same content hash."""
    row = con.execute(
        """select batch_id, status, replaced_by_batch_id from ledger_batch
           where sha256 = ? and organisation_id = ? and status in ('loaded', 'replaced')
           order by status = 'loaded' desc, batch_id desc limit 1""", [sha256, organisation_id]).fetchone()
    return Duplicate(row[0], row[1], row[2]) if row else None


def ensure_organisation(con: duckdb.DuckDBPyConnection, organisation_id: str, name: str | None = None,
                        kind: str = "municipality", org_number: str | None = None,
                        parent_organisation_id: str | None = None) -> None:
    """Create the organisation row if it does not exist yet (name defaults to the id)."""
    con.execute(
        "insert into organisation (organisation_id, name, org_number, kind, parent_organisation_id) "
        "values (?, ?, ?, ?, ?) on conflict do nothing",
        [organisation_id, name or organisation_id, org_number, kind, parent_organisation_id])


def _empty_findings() -> pd.DataFrame:
    return pd.DataFrame({"source_row": pd.Series(dtype="Int64"), "severity": pd.Series(dtype="object"),
                         "code": pd.Series(dtype="object"), "field": pd.Series(dtype="object"),
                         "value": pd.Series(dtype="object"), "message": pd.Series(dtype="object")})


def check_replaceable(con: duckdb.DuckDBPyConnection, replace_batch_id: int, organisation_id: str) -> None:
    """Raise UsageError unless `replace_batch_id` is a loaded batch of `organisation_id`."""
    old = con.execute("select status, organisation_id, replaced_by_batch_id from ledger_batch where batch_id = ?",
                      [replace_batch_id]).fetchone()
    if old is None:
        raise UsageError(f"--replace {replace_batch_id}: no such batch; see `klimatspend batches list`")
    if old[1] != organisation_id:
        raise UsageError(f"--replace {replace_batch_id}: that batch belongs to organisation {old[1]!r}, "
                         f"not {organisation_id!r}; pass --org {old[1]}")
    if old[0] == "replaced":
        raise UsageError(f"--replace {replace_batch_id}: that batch was already replaced by batch {old[2]}; "
                         f"replace batch {old[2]} instead")
    if old[0] != "loaded":
        raise UsageError(f"--replace {replace_batch_id}: that batch is {old[0]}, not loaded; load the file "
                         "without --replace")


def store_batch(con: duckdb.DuckDBPyConnection, record: BatchRecord, *, raw_table: str, headers: list[str],
                typed_table: str, findings: pd.DataFrame, rows_read: int,
                replace_batch_id: int | None = None, replace_batch_ids: list[int] | None = None) -> dict:
    """Insert the batch, its accepted lines, its quarantined rows and its warnings in ONE transaction.

    Returns the batch row (counts and sums). A crash or interrupt before commit leaves nothing.
    Rows read = loaded + rejected and sum read = sum loaded + sum rejected hold by construction and
    are checked before commit. Findings without a source row are batch-level warnings. The batches in
    `replace_batch_id` / `replace_batch_ids` (a cumulative export may replace several) are marked replaced.
    """
    replaced = list(dict.fromkeys(([replace_batch_id] if replace_batch_id is not None else [])
                                  + list(replace_batch_ids or [])))
    data = findings.copy() if len(findings) else _empty_findings()
    data["ord"] = range(len(data))
    data["source_row"] = data["source_row"].astype("Int64")
    finish_pending(con)
    con.register("_findings", data)
    raw_json = ("json_object(" + ", ".join(f"'{h.replace(chr(39), chr(39) * 2)}', r.c{i}"
                                           for i, h in enumerate(headers)) + ")") if headers else "null"
    headers_of = json.dumps({f: h for f, h in record.column_mapping.get("fields", {}).items()}, ensure_ascii=False)
    prio = "case f.code " + " ".join(f"when '{c}' then {i}" for i, c in enumerate(CODE_PRIORITY)) + \
        f" else {len(CODE_PRIORITY)} end"
    try:
        with transaction(con):
            for old_id in replaced:
                check_replaceable(con, old_id, record.organisation_id)
            # checked again inside the transaction: two uploads of the same file at once must not both count
            same = find_duplicate(con, record.sha256, record.organisation_id)
            if same is not None:
                raise KlimatspendError(f"{record.source_file_name}: the same file was just loaded as batch {same}; "
                                       "not counted again", code="duplicate")
            batch_id = con.execute("select nextval('ledger_batch_id_seq')").fetchone()[0]
            con.execute("create or replace temp table _rejected_rows as "
                        "select distinct source_row from _findings where severity = 'error' and source_row is not null")
            con.execute(
                """insert into ledger_batch (batch_id, organisation_id, source_file_name, sha256, file_format, profile,
                       uploaded_by, fiscal_year, currency, amounts_include_vat, rows_read, rows_loaded, rows_rejected,
                       status, replaces_batch_id, column_mapping, validation_result, validation_summary, source_info)
                   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 'loading', ?, ?, ?, ?, ?)""",
                [batch_id, record.organisation_id, record.source_file_name, record.sha256, record.file_format,
                 record.profile, record.uploaded_by, record.fiscal_year, record.currency, record.amounts_include_vat,
                 replaced[0] if replaced else None, json.dumps(record.column_mapping, ensure_ascii=False),
                 json.dumps(record.validation_result, ensure_ascii=False, default=str), record.validation_summary,
                 json.dumps(record.source_info, ensure_ascii=False, default=str)])
            loaded = con.execute(f"""
                insert into ledger_line (batch_id, source_row, organisation_id, posting_date, period, fiscal_year, account,
                    account_name, committee, department, cost_centre, activity, project, counterparty, supplier_name,
                    supplier_org_number, invoice_id, description, amount, currency, vat_amount, extra)
                select ?, t.source_row, ?, t.posting_date, t.period, t.fiscal_year, t.account, t.account_name,
                       t.committee, t.department, t.cost_centre, t.activity, t.project, t.counterparty, t.supplier_name,
                       t.supplier_org_number, t.invoice_id, t.description, t.amount, t.currency, t.vat_amount, t.extra
                from {typed_table} t anti join _rejected_rows r using (source_row)
            """, [batch_id, record.organisation_id]).fetchone()[0]
            # One quarantined row per rejected source row: its first error, plus all its errors as JSON. Most rows have
            # one error: theirs is written from the row itself; only rows with several are grouped (a million rows
            # each with one error: 1.4 s instead of 4.4 s; the JSON is the same).
            rejected = con.execute(f"""
                insert into rejected_line (batch_id, source_row, error_code, column_name, value, message, amount, errors,
                                           raw_values)
                with errs as (
                    select f.*, (?::json ->> f.field) as header,
                           row_number() over (partition by f.source_row order by {prio}, f.ord) as k,
                           count(*) over (partition by f.source_row) as n_errors
                    from _findings f where f.severity = 'error' and f.source_row is not null
                ),
                per_row as (
                    select source_row,
                           to_json(list(struct_pack(code := code, "column" := header, "value" := value, message := message)
                                        order by k)) as errors
                    from errs where n_errors > 1 group by source_row
                )
                select ?, e.source_row, e.code, e.header, e.value, e.message, t.amount,
                       case when e.n_errors = 1
                            then to_json([struct_pack(code := e.code, "column" := e.header, "value" := e.value,
                                                      message := e.message)])
                            else p.errors end,
                       case when r.source_row is null then json_object('line', e.value) else {raw_json} end
                from errs e
                left join per_row p using (source_row)
                left join {typed_table} t using (source_row)
                left join {raw_table} r on r.source_row = e.source_row
                where e.k = 1
            """, [headers_of, batch_id]).fetchone()[0]
            con.execute("""
                insert into validation_issue (batch_id, source_row, severity, error_code, column_name, value, message)
                select ?, f.source_row, f.severity, f.code, (?::json ->> f.field), f.value, f.message
                from _findings f where f.severity <> 'error' order by f.ord
            """, [batch_id, headers_of])
            # The counts come from the inserts themselves; the sums are read back from the stored rows.
            n_lines, sum_loaded, pstart, pend, year = con.execute("""
                select count(*), coalesce(sum(amount), 0),
                       min(coalesce(posting_date, cast(period || '-01' as date))),
                       max(coalesce(posting_date, last_day(cast(period || '-01' as date)))),
                       mode(fiscal_year)
                from ledger_line where batch_id = ?""", [batch_id]).fetchone()
            sum_rejected = con.execute("select coalesce(sum(amount), 0) from rejected_line where batch_id = ?",
                                       [batch_id]).fetchone()[0]
            sum_read = con.execute(f"select coalesce(sum(amount), 0) from {typed_table}").fetchone()[0]
            if n_lines != loaded:
                raise KlimatspendError(f"{record.source_file_name}: {loaded} lines inserted but {n_lines} found; nothing "
                                       "was stored; please report this", code="reconciliation-error")
            if rows_read != loaded + rejected or Decimal(sum_read) != Decimal(sum_loaded) + Decimal(sum_rejected):
                raise KlimatspendError(
                    f"{record.source_file_name}: internal reconciliation failed (read {rows_read} rows / {sum_read}, "
                    f"loaded {loaded} / {sum_loaded}, rejected {rejected} / {sum_rejected}); nothing was stored; "
                    "please report this with the file", code="reconciliation-error")
            status = "loaded" if loaded > 0 else "rejected"
            con.execute("""update ledger_batch set rows_read = ?, rows_loaded = ?, rows_rejected = ?, sum_read = ?,
                           sum_loaded = ?, sum_rejected = ?, period_start = ?, period_end = ?,
                           fiscal_year = coalesce(fiscal_year, ?), status = ? where batch_id = ?""",
                        [rows_read, loaded, rejected, sum_read, sum_loaded, sum_rejected, pstart, pend, year, status,
                         batch_id])
            _event(con, batch_id, status, record.uploaded_by, replaced[0] if replaced else None,
                   f"{loaded} of {rows_read} rows loaded, {rejected} quarantined"
                   + (f"; replaces batch {', '.join(map(str, replaced))}" if len(replaced) > 1 else ""))
            if replaced and status != "loaded":
                raise KlimatspendError(f"{record.source_file_name}: no row of the new file could be loaded, so it "
                                       f"does not replace batch {', '.join(map(str, replaced))}; nothing was changed "
                                       "(check the file with `klimatspend validate`)", code="nothing-loaded")
            for old_id in replaced:
                con.execute("update ledger_batch set status = 'replaced', replaced_by_batch_id = ? where batch_id = ?",
                            [batch_id, old_id])
                _event(con, old_id, "replaced", record.uploaded_by, batch_id,
                       f"replaced by batch {batch_id} ({record.source_file_name})")
    finally:
        con.unregister("_findings")
        con.execute("drop table if exists _rejected_rows")
    return batch_row(con, batch_id)


def _event(con, batch_id: int, event: str, user: str | None, related: int | None, note: str) -> None:
    con.execute("insert into ledger_batch_event (batch_id, event, by_user, related_batch_id, note) "
                "values (?, ?, ?, ?, ?)", [batch_id, event, user, related, note])


_BATCH_COLUMNS = """batch_id, organisation_id, source_file_name, sha256, file_format, profile, uploaded_by,
                    uploaded_at, period_start, period_end, fiscal_year, currency, amounts_include_vat,
                    rows_read, rows_loaded, rows_rejected, sum_read, sum_loaded, sum_rejected, status,
                    replaces_batch_id, replaced_by_batch_id, validation_summary"""


def batch_row(con: duckdb.DuckDBPyConnection, batch_id: int) -> dict:
    """Return one batch as a dict (counts, sums, status, validation summary)."""
    cur = con.execute(f"select {_BATCH_COLUMNS} from ledger_batch where batch_id = ?", [batch_id])
    row = cur.fetchone()
    if row is None:
        raise UsageError(f"batch {batch_id}: no such batch; see `klimatspend batches list`")
    return dict(zip([d[0] for d in cur.description], row))


def batch_details(con: duckdb.DuckDBPyConnection, batch_id: int) -> dict:
    """Return one batch with its column mapping, read facts, GX result and history (for `batches show`)."""
    row = batch_row(con, batch_id)
    mapping, result, info = con.execute(
        "select column_mapping, validation_result, source_info from ledger_batch where batch_id = ?",
        [batch_id]).fetchone()
    cur = con.execute("""select event, event_at, by_user, related_batch_id, note from ledger_batch_event
                         where batch_id = ? order by event_id""", [batch_id])
    history = [dict(zip([d[0] for d in cur.description], r)) for r in cur.fetchall()]
    n_warn = con.execute("select count(*) from validation_issue where batch_id = ?", [batch_id]).fetchone()[0]
    return {**row, "column_mapping": _json(mapping), "source_info": _json(info), "validation_result": _json(result),
            "warnings": int(n_warn), "history": history}


def _json(text):
    if text is None:
        return None
    return json.loads(text) if isinstance(text, str) else text


def list_batches(con: duckdb.DuckDBPyConnection, *, include_inactive: bool = True,
                 organisation_id: str | None = None) -> list[dict]:
    """Return batches, newest first (replaced and deleted ones too unless include_inactive is False)."""
    where, params = [], []
    if not include_inactive:
        where.append("status = 'loaded'")
    if organisation_id:
        where.append("organisation_id = ?")
        params.append(organisation_id)
    cur = con.execute(f"""select batch_id, organisation_id, source_file_name, fiscal_year, status, rows_read,
                                 rows_loaded, rows_rejected, sum_read, sum_loaded, sum_rejected, currency, uploaded_at,
                                 uploaded_by, replaces_batch_id, replaced_by_batch_id
                          from ledger_batch {'where ' + ' and '.join(where) if where else ''}
                          order by batch_id desc""", params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def delete_batch(con: duckdb.DuckDBPyConnection, batch_id: int, user: str | None = None) -> dict:
    """Mark a batch deleted: its lines stop counting; the batch record and its lines stay for the audit trail."""
    row = batch_row(con, batch_id)
    if row["status"] == "deleted":
        raise UsageError(f"batch {batch_id} is already deleted")
    if row["status"] == "replaced":
        raise UsageError(f"batch {batch_id} was replaced by batch {row['replaced_by_batch_id']} and no longer counts; "
                         f"delete batch {row['replaced_by_batch_id']} instead")
    with transaction(con):
        con.execute("update ledger_batch set status = 'deleted' where batch_id = ?", [batch_id])
        _event(con, batch_id, "deleted", user, None, f"was {row['status']}")
    return batch_row(con, batch_id)


def rejected_rows(con: duckdb.DuckDBPyConnection, batch_id: int, limit: int | None = None) -> list[dict]:
    """Return the quarantined rows of a batch in source order."""
    lim = f"limit {int(limit)}" if limit else ""
    cur = con.execute(f"""select source_row, error_code, column_name, value, message, amount, errors
                          from rejected_line where batch_id = ? order by source_row {lim}""", [batch_id])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


FINDINGS_CSV_HEADER = ["batch_id", "file", "row", "severity", "code", "column", "value", "message", "amount",
                       "quarantined"]


def findings(con: duckdb.DuckDBPyConnection, batch_id: int) -> list[dict]:
    """Return every finding of a batch (all errors of quarantined rows, then warnings), in source order."""
    batch_row(con, batch_id)
    cur = con.execute("""
        with parsed as (
            select r.batch_id, r.source_row, r.amount,
                   from_json(r.errors, '[{"code": "VARCHAR", "column": "VARCHAR", "value": "VARCHAR",
                                          "message": "VARCHAR"}]') as errs
            from rejected_line r
            where r.batch_id = $1
        ),
        unnested as (
            select batch_id, source_row, amount, unnest(errs) as e, generate_subscripts(errs, 1) as k
            from parsed
        ),
        errs as (
            select batch_id, source_row, 'error' as severity, e.code as code, e."column" as column_name,
                   e."value" as value, e.message as message, amount, true as quarantined, k
            from unnested
        ),
        warns as (
            select batch_id, source_row, severity, error_code as code, column_name, value, message,
                   cast(null as decimal(18, 2)) as amount, false as quarantined, 0 as k
            from validation_issue where batch_id = $1
        ),
        final as (
            select * from errs union all select * from warns
        )
        select f.batch_id, b.source_file_name as file, f.source_row as row, f.severity, f.code,
               f.column_name as "column", f.value, f.message, f.amount, f.quarantined
        from final f join ledger_batch b using (batch_id)
        order by f.source_row nulls first, f.severity, f.k
    """, [batch_id])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def write_findings_csv(con: duckdb.DuckDBPyConnection, batch_id: int, out: IO[str], *, delimiter: str = ",") -> int:
    """Write every finding of a batch as CSV (UTF-8 text; the caller adds a BOM for Excel); return the count."""
    rows = findings(con, batch_id)
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(FINDINGS_CSV_HEADER)
    for r in rows:
        amount = "" if r["amount"] is None else f"{r['amount']:.2f}"
        if delimiter == ";":
            amount = amount.replace(".", ",")
        writer.writerow([r["batch_id"], r["file"], "" if r["row"] is None else r["row"], r["severity"], r["code"],
                         r["column"] or "", r["value"] or "", r["message"], amount,
                         "yes" if r["quarantined"] else "no"])
    return len(rows)


def findings_csv_bytes(con: duckdb.DuckDBPyConnection, batch_id: int, *, delimiter: str = ",") -> bytes:
    """Return the findings CSV of a batch as UTF-8 bytes with a BOM (opens correctly in Excel; for downloads)."""
    buf = io.StringIO()
    write_findings_csv(con, batch_id, buf, delimiter=delimiter)
    return "\ufeff".encode("utf-8") + buf.getvalue().encode("utf-8")


def batch_history(con: duckdb.DuckDBPyConnection, batch_id: int) -> list[dict]:
    """Return the events of a batch (loaded, replaced, deleted…) oldest first."""
    batch_row(con, batch_id)
    cur = con.execute("""select event, event_at, by_user, related_batch_id, note from ledger_batch_event
                         where batch_id = ? order by event_id""", [batch_id])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


__all__ = ["BatchRecord", "Duplicate", "FINDING_COLUMNS", "batch_details", "batch_history", "batch_row",
           "check_replaceable", "delete_batch", "ensure_organisation", "find_duplicate", "find_same_content",
           "findings", "findings_csv_bytes", "list_batches", "rejected_rows", "store_batch", "write_findings_csv"]
