"""Store validated ledger batches atomically; list, replace and delete them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pandas as pd

from .errors import KlimatspendError, UsageError


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


def find_duplicate(con: duckdb.DuckDBPyConnection, sha256: str, organisation_id: str) -> int | None:
    """Return the id of a live (loaded) batch of the same organisation with the same content hash."""
    row = con.execute(
        "select batch_id from ledger_batch where sha256 = ? and organisation_id = ? and status = 'loaded' "
        "order by batch_id limit 1", [sha256, organisation_id]).fetchone()
    return row[0] if row else None


def ensure_organisation(con: duckdb.DuckDBPyConnection, organisation_id: str, name: str | None = None,
                        kind: str = "municipality", org_number: str | None = None,
                        parent_organisation_id: str | None = None) -> None:
    """Create the organisation row if it does not exist yet (name defaults to the id)."""
    con.execute(
        "insert into organisation (organisation_id, name, org_number, kind, parent_organisation_id) "
        "values (?, ?, ?, ?, ?) on conflict do nothing",
        [organisation_id, name or organisation_id, org_number, kind, parent_organisation_id])


def store_batch(con: duckdb.DuckDBPyConnection, record: BatchRecord, *, raw_table: str, headers: list[str],
                typed_table: str, findings: pd.DataFrame, rows_read: int,
                replace_batch_id: int | None = None) -> dict:
    """Insert the batch, its accepted lines, its quarantined rows and its warnings in ONE transaction.

    Returns the batch row (counts and sums). A crash or interrupt before commit leaves nothing.
    Rows read = loaded + rejected and sum read = sum loaded + sum rejected hold by construction and
    are checked before commit.
    """
    con.register("_findings", findings if len(findings) else pd.DataFrame(
        {"source_row": pd.Series(dtype="int32"), "severity": pd.Series(dtype="object"),
         "code": pd.Series(dtype="object"), "field": pd.Series(dtype="object"),
         "value": pd.Series(dtype="object"), "message": pd.Series(dtype="object")}))
    rows_read_in = rows_read
    raw_json = "json_object(" + ", ".join(
        f"'{h.replace(chr(39), chr(39) * 2)}', r.c{i}" for i, h in enumerate(headers)) + ")" if headers else "null"
    field_header = json.dumps(record.column_mapping.get("fields", {}))
    try:
        con.execute("begin transaction")
        if replace_batch_id is not None:
            old = con.execute("select status, organisation_id from ledger_batch where batch_id = ?",
                              [replace_batch_id]).fetchone()
            if old is None:
                raise UsageError(f"--replace {replace_batch_id}: no such batch; see `klimatspend batches`")
            if old[0] != "loaded":
                raise UsageError(f"--replace {replace_batch_id}: that batch is {old[0]}, not loaded; "
                                 "replace the batch that replaced it instead")
        batch_id = con.execute("select nextval('ledger_batch_id_seq')").fetchone()[0]
        con.execute("create or replace temp table _rejected_rows as "
                    "select distinct source_row from _findings where severity = 'error'")
        con.execute(
            """insert into ledger_batch (batch_id, organisation_id, source_file_name, sha256, file_format, profile,
                   uploaded_by, fiscal_year, currency, amounts_include_vat, rows_read, rows_loaded, rows_rejected,
                   status, replaces_batch_id, column_mapping, validation_result, validation_summary)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 'loading', ?, ?, ?, ?)""",
            [batch_id, record.organisation_id, record.source_file_name, record.sha256, record.file_format,
             record.profile, record.uploaded_by, record.fiscal_year, record.currency, record.amounts_include_vat,
             replace_batch_id, json.dumps(record.column_mapping, ensure_ascii=False),
             json.dumps(record.validation_result, ensure_ascii=False, default=str), record.validation_summary])
        con.execute(f"""
            insert into ledger_line (batch_id, source_row, organisation_id, posting_date, period, fiscal_year, account,
                account_name, committee, department, cost_centre, activity, project, counterparty, supplier_name,
                supplier_org_number, invoice_id, description, amount, currency, vat_amount, extra)
            select ?, t.source_row, ?, t.posting_date, t.period, t.fiscal_year, t.account, t.account_name,
                   t.committee, t.department, t.cost_centre, t.activity, t.project, t.counterparty, t.supplier_name,
                   t.supplier_org_number, t.invoice_id, t.description, t.amount, t.currency, t.vat_amount, t.extra
            from {typed_table} t anti join _rejected_rows r using (source_row)
            order by t.source_row
        """, [batch_id, record.organisation_id])
        # One quarantined row per rejected source row: its first error, plus all errors as JSON.
        con.execute(f"""
            insert into rejected_line (batch_id, source_row, error_code, column_name, value, message, amount, errors,
                                       raw_values)
            with errs as (
                select f.*, (?::json ->> f.field) as header,
                       row_number() over (partition by f.source_row order by f.code = 'missing-cell' desc, f.code) as k
                from _findings f where f.severity = 'error'
            ),
            per_row as (
                select source_row,
                       to_json(list(struct_pack(code := code, "column" := header, "value" := value, message := message)
                                    order by k)) as errors
                from errs group by source_row
            )
            select ?, e.source_row, e.code, e.header, e.value, e.message, t.amount, p.errors,
                   {raw_json}
            from errs e
            join per_row p using (source_row)
            left join {typed_table} t using (source_row)
            left join {raw_table} r on r.source_row = e.source_row
            where e.k = 1
        """, [field_header, batch_id])
        con.execute("""
            insert into validation_issue (batch_id, source_row, severity, error_code, column_name, value, message)
            select ?, f.source_row, f.severity, f.code, (?::json ->> f.field), f.value, f.message
            from _findings f where f.severity <> 'error'
        """, [batch_id, field_header])
        counts = con.execute(f"""
            select ?,
                   (select count(*) from ledger_line where batch_id = ?),
                   (select count(*) from rejected_line where batch_id = ?),
                   coalesce((select sum(amount) from {typed_table}), 0),
                   coalesce((select sum(amount) from ledger_line where batch_id = ?), 0),
                   coalesce((select sum(amount) from rejected_line where batch_id = ?), 0),
                   (select min(posting_date) from ledger_line where batch_id = ?),
                   (select max(posting_date) from ledger_line where batch_id = ?),
                   (select mode(fiscal_year) from ledger_line where batch_id = ?)
        """, [rows_read_in] + [batch_id] * 7).fetchone()
        rows_read, loaded, rejected, sum_read, sum_loaded, sum_rejected, pstart, pend, year = counts
        if rows_read != loaded + rejected or Decimal(sum_read) != Decimal(sum_loaded) + Decimal(sum_rejected):
            raise KlimatspendError(
                f"{record.source_file_name}: internal reconciliation failed (read {rows_read} rows / {sum_read}, "
                f"loaded {loaded} / {sum_loaded}, rejected {rejected} / {sum_rejected}); nothing was stored",
                code="reconciliation-error")
        con.execute("""update ledger_batch set rows_read = ?, rows_loaded = ?, rows_rejected = ?, sum_read = ?,
                       sum_loaded = ?, sum_rejected = ?, period_start = ?, period_end = ?,
                       fiscal_year = coalesce(fiscal_year, ?), status = 'loaded' where batch_id = ?""",
                    [rows_read, loaded, rejected, sum_read, sum_loaded, sum_rejected, pstart, pend, year, batch_id])
        if replace_batch_id is not None:
            con.execute("update ledger_batch set status = 'replaced', replaced_by_batch_id = ? where batch_id = ?",
                        [batch_id, replace_batch_id])
        con.execute("commit")
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:
            pass
        raise
    finally:
        con.unregister("_findings")
    return batch_row(con, batch_id)


def batch_row(con: duckdb.DuckDBPyConnection, batch_id: int) -> dict:
    """Return one batch as a dict (counts, sums, status, validation summary)."""
    cur = con.execute("""select batch_id, organisation_id, source_file_name, sha256, file_format, profile, uploaded_by,
                                uploaded_at, period_start, period_end, fiscal_year, currency, amounts_include_vat,
                                rows_read, rows_loaded, rows_rejected, sum_read, sum_loaded, sum_rejected, status,
                                replaces_batch_id, replaced_by_batch_id, validation_summary
                         from ledger_batch where batch_id = ?""", [batch_id])
    row = cur.fetchone()
    if row is None:
        raise UsageError(f"batch {batch_id}: no such batch; see `klimatspend batches`")
    return dict(zip([d[0] for d in cur.description], row))


def list_batches(con: duckdb.DuckDBPyConnection, *, include_inactive: bool = True) -> list[dict]:
    """Return all batches, newest first."""
    where = "" if include_inactive else "where status = 'loaded'"
    cur = con.execute(f"""select batch_id, organisation_id, source_file_name, fiscal_year, status, rows_read,
                                 rows_loaded, rows_rejected, sum_loaded, currency, uploaded_at, uploaded_by,
                                 replaces_batch_id, replaced_by_batch_id
                          from ledger_batch {where} order by batch_id desc""")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def delete_batch(con: duckdb.DuckDBPyConnection, batch_id: int) -> dict:
    """Mark a batch deleted: its lines stop counting; the batch record and its lines stay for the audit trail."""
    row = batch_row(con, batch_id)
    if row["status"] == "deleted":
        raise UsageError(f"batch {batch_id} is already deleted")
    con.execute("update ledger_batch set status = 'deleted' where batch_id = ?", [batch_id])
    return batch_row(con, batch_id)


def rejected_rows(con: duckdb.DuckDBPyConnection, batch_id: int, limit: int | None = None) -> list[dict]:
    """Return the quarantined rows of a batch in source order."""
    lim = f"limit {int(limit)}" if limit else ""
    cur = con.execute(f"""select source_row, error_code, column_name, value, message, errors
                          from rejected_line where batch_id = ? order by source_row {lim}""", [batch_id])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]
