"""Validate a ledger batch with a great-expectations suite (the ledger contract) plus SQL checks.

Every expectation carries, in its `meta`, the stable error code, the canonical field it checks
and whether a failing row is rejected (`error`) or only flagged (`warning`). Failing rows are
read from GX's `unexpected_index_list` (the frame is indexed by source row), so the suite itself
decides what is quarantined.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field

import duckdb
import pandas as pd

LARGE_AMOUNT = 50_000_000          # a single line above this (in the ledger currency) is flagged
KNOWN_CURRENCIES = ["SEK", "EUR", "USD", "GBP", "NOK", "DKK", "CHF", "JPY", "PLN", "CAD", "AUD", "ISK"]
SWEDISH_ACCOUNT_PATTERN = r"^[0-9]{2,6}$"

# error code -> words used in the plain-language summary
_PLAIN = {
    "missing-cell": "an empty required cell",
    "type-error": "a value of the wrong type",
    "constraint-error": "a value outside the allowed range or format",
    "unique-error": "a possible duplicate line",
    "extra-cell": "more cells than the header",
    "large-amount": "an unusually large amount",
}


@dataclass
class Check:
    """One expectation of the ledger contract and how a failure is reported."""

    expectation: object
    code: str
    field: str
    severity: str            # error (row rejected) | warning (row kept, flagged)
    message: str             # with {value}


@dataclass
class ValidationOutcome:
    """Findings of one batch: per-row findings, the stored GX result and a plain summary."""

    findings: pd.DataFrame                     # source_row, severity, code, field, value, message
    result: dict = field(default_factory=dict)
    summary: str = ""
    success: bool = True


def ledger_checks(*, account_pattern: str | None, period_start: int | None, period_end: int | None) -> list[Check]:
    """Return the ledger contract as GX expectations with their error code, field and severity.

    `period_start`/`period_end` are yyyymmdd integers of the declared period (None = not declared).
    """
    import great_expectations as gx

    E = gx.expectations
    checks = [
        Check(E.ExpectColumnValuesToNotBeNull(column="account"), "missing-cell", "account", "error",
              "the cell is empty"),
        Check(E.ExpectColumnValuesToNotBeNull(column="raw_amount"), "missing-cell", "amount", "error",
              "the cell is empty"),
        Check(E.ExpectColumnValuesToBeInSet(column="chk_amount_type", value_set=[False]), "type-error", "amount", "error",
              'value "{value}" is not a number'),
        Check(E.ExpectColumnValuesToBeInSet(column="chk_date_type", value_set=[False]), "type-error", "posting_date",
              "error", 'value "{value}" is not a date'),
        Check(E.ExpectColumnValuesToBeInSet(column="chk_period_type", value_set=[False]), "type-error", "period",
              "error", 'value "{value}" is not a period (YYYY-MM)'),
        Check(E.ExpectColumnValuesToNotBeNull(column="fiscal_year"), "missing-cell", "posting_date", "error",
              "no date and no period: the row cannot be placed in a year"),
        Check(E.ExpectColumnValuesToBeInSet(column="chk_org_invalid", value_set=[False]), "constraint-error",
              "supplier_org_number", "error", 'value "{value}" is not a valid organisationsnummer (check digit)'),
        Check(E.ExpectColumnValuesToBeInSet(column="currency", value_set=KNOWN_CURRENCIES), "constraint-error",
              "currency", "error", 'value "{value}" is not a known currency code'),
        Check(E.ExpectCompoundColumnsToBeUnique(column_list=["invoice_id", "account", "amount", "supplier_key"],
                                                ignore_row_if="any_value_is_missing"),
              "unique-error", "invoice_id", "warning",
              'invoice "{value}" has another line with the same account, supplier and amount'),
        Check(E.ExpectColumnValuesToBeBetween(column="amount", min_value=-LARGE_AMOUNT, max_value=LARGE_AMOUNT),
              "large-amount", "amount", "warning", 'value "{value}" is unusually large; check it'),
    ]
    if account_pattern:
        checks.insert(1, Check(E.ExpectColumnValuesToMatchRegex(column="account", regex=account_pattern),
                               "constraint-error", "account", "error",
                               'value "{value}" is not an account number (expected 2-6 digits)'))
    if period_start is not None and period_end is not None:
        checks.append(Check(E.ExpectColumnValuesToBeBetween(column="date_int", min_value=period_start,
                                                            max_value=period_end),
                            "constraint-error", "posting_date", "error",
                            f'value "{{value}}" is outside the declared period {_fmt(period_start)}..{_fmt(period_end)}'))
    return checks


def _fmt(yyyymmdd: int) -> str:
    s = str(yyyymmdd)
    return f"{s[:4]}-{s[4:6]}-{s[6:]}"


# raw text shown in messages, per canonical field
_RAW_COLUMN = {"account": "raw_account", "amount": "raw_amount", "posting_date": "raw_posting_date",
               "period": "raw_period", "supplier_org_number": "raw_supplier_org_number", "currency": "currency",
               "invoice_id": "invoice_id"}


def validation_frame(con: duckdb.DuckDBPyConnection, typed_table: str) -> pd.DataFrame:
    """Return the columns the suite checks, indexed by source row (only those, to keep GX fast)."""
    frame = con.execute(f"""
        select source_row, account, raw_account, raw_amount, cast(amount as double) as amount,
               raw_posting_date, raw_period, raw_supplier_org_number, fiscal_year,
               cast(strftime(posting_date, '%Y%m%d') as integer) as date_int,
               chk_amount_type, chk_date_type, chk_period_type, chk_org_invalid, currency, invoice_id,
               coalesce(supplier_org_number, supplier_name) as supplier_key
        from {typed_table}
    """).df()
    return frame.set_index("source_row")


def run_suite(frame: pd.DataFrame, checks: list[Check]) -> tuple[list[dict], dict]:
    """Run the GX suite on `frame`; return (per-row findings, stored result summary)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        batch_def = (ctx.data_sources.add_pandas("ledger").add_dataframe_asset("lines")
                     .add_batch_definition_whole_dataframe("batch"))
        suite = gx.ExpectationSuite(name="ledger_contract")
        for i, check in enumerate(checks):
            check.expectation.meta = {"check": i, "code": check.code, "field": check.field, "severity": check.severity}
            suite.add_expectation(check.expectation)
        suite = ctx.suites.add(suite)
        vd = ctx.validation_definitions.add(gx.ValidationDefinition(name="ledger", data=batch_def, suite=suite))
        result = vd.run(batch_parameters={"dataframe": frame},
                        result_format={"result_format": "COMPLETE", "partial_unexpected_count": 20})
    findings: list[dict] = []
    stored = {"suite": "ledger_contract", "success": bool(result.success), "statistics": dict(result.statistics),
              "expectations": []}
    for res in result.results:
        meta = res.expectation_config.meta or {}
        check = checks[int(meta["check"])]
        info = res.result or {}
        raised = bool(res.exception_info and res.exception_info.get("raised_exception"))
        stored["expectations"].append({
            "type": res.expectation_config.type,
            "kwargs": {k: v for k, v in res.expectation_config.kwargs.items() if k != "batch_id"},
            "code": check.code, "field": check.field, "severity": check.severity,
            "success": bool(res.success), "unexpected_count": int(info.get("unexpected_count") or 0),
            "unexpected_percent": float(info.get("unexpected_percent") or 0.0),
            "partial_unexpected_list": [str(v) for v in (info.get("partial_unexpected_list") or [])][:20],
            "exception": res.exception_info.get("exception_message") if raised else None,
        })
        if raised:
            raise RuntimeError(f"validation check {res.expectation_config.type} failed to run: "
                               f"{res.exception_info.get('exception_message')}")
        rows = [r["source_row"] if isinstance(r, dict) else r for r in info.get("unexpected_index_list") or []]
        if not rows:
            continue
        raw_col = _RAW_COLUMN.get(check.field, check.field)
        values = frame.loc[rows, raw_col] if raw_col in frame.columns else pd.Series([None] * len(rows), index=rows)
        for row, value in zip(rows, values.tolist()):
            text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
            findings.append({"source_row": int(row), "severity": check.severity, "code": check.code,
                             "field": check.field, "value": text,
                             "message": check.message.format(value=text[:200])})
    return findings, stored


def validate_batch(con: duckdb.DuckDBPyConnection, typed_table: str, *, account_pattern: str | None,
                   period_start: int | None, period_end: int | None,
                   structural_errors: list[dict] | None = None) -> ValidationOutcome:
    """Validate the typed batch table; return every finding (errors reject the row, warnings do not)."""
    frame = validation_frame(con, typed_table)
    checks = ledger_checks(account_pattern=account_pattern, period_start=period_start, period_end=period_end)
    findings, stored = run_suite(frame, checks) if len(frame) else ([], {"suite": "ledger_contract",
                                                                           "success": True, "expectations": []})
    for err in structural_errors or []:
        code = "extra-cell" if err["n_cells"] > err["expected"] else "missing-cell"
        findings.append({"source_row": err["source_row"], "severity": "error", "code": code, "field": None,
                         "value": err["raw"][:200],
                         "message": f"the row has {err['n_cells']} cells, the header has {err['expected']}"})
    # A row rejected for a missing cell is not also reported as a type error of the same cell.
    table = pd.DataFrame(findings, columns=["source_row", "severity", "code", "field", "value", "message"])
    if len(table):
        table = table.sort_values(["source_row", "severity", "code"], kind="stable").reset_index(drop=True)
    errors = table[table["severity"] == "error"]
    rejected = errors["source_row"].nunique()
    summary = plain_summary(stored, rejected_rows=int(rejected), warnings=table[table["severity"] == "warning"],
                            errors=errors, rows=len(frame) + len(structural_errors or []))
    stored["rows_checked"] = int(len(frame))
    return ValidationOutcome(findings=table, result=stored, summary=summary, success=bool(rejected == 0))


def plain_summary(stored: dict, *, rejected_rows: int, warnings: pd.DataFrame, errors: pd.DataFrame, rows: int) -> str:
    """Return the validation result in plain words, e.g. for the CLI and the web page."""
    exps = stored.get("expectations", [])
    passed = sum(1 for e in exps if e["success"])
    parts = [f"{passed} of {len(exps)} checks passed on {rows} rows"]
    if rejected_rows:
        by_code = errors.groupby("code")["source_row"].nunique().to_dict()
        detail = ", ".join(f"{n} with {_PLAIN.get(code, code)} ({code})" for code, n in sorted(by_code.items()))
        parts.append(f"{rejected_rows} rows quarantined: {detail}")
    else:
        parts.append("no rows quarantined")
    if len(warnings):
        by_code = warnings.groupby("code").size().to_dict()
        parts.append("warnings: " + ", ".join(f"{n} × {_PLAIN.get(code, code)}" for code, n in sorted(by_code.items())))
    return "; ".join(parts) + "."
