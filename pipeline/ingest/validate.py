"""Validate a ledger batch: a great-expectations suite (the ledger contract) plus cross-row SQL checks.

Every expectation carries, in its `meta`, the stable error code, the canonical field it checks and
whether a failing row is rejected (`error`) or only flagged (`warning`). Failing rows are read from
GX's `unexpected_index_list` (the frame is indexed by source row), so the suite itself decides what
is quarantined. GX gets only the columns it checks, in cheap dtypes (categoricals, floats, booleans):
it fingerprints the whole frame it is given, and object columns of a million strings make that
slow. Checks that need other rows (months missing from the declared year, a ledger whose amounts are
mostly negative) run as SQL; lines already loaded in another batch are pipeline.ingest.overlap's.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import threading
import types
import warnings
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from ..currencies import KNOWN_CURRENCIES
from ..store import finish_pending
from ..errors import KlimatspendError
from .columns import SWEDISH_ACCOUNT_PATTERN   # noqa: F401 - its home is columns; callers import it from here too

LARGE_AMOUNT = 50_000_000          # a single line above this (in the ledger currency) is flagged
# ISO 4217 codes of the currencies with ECB reference rates (the ones klimatspend can convert)
FINDING_COLUMNS = ["source_row", "severity", "code", "field", "value", "message"]

# error code -> words used in the plain-language summary
_PLAIN = {
    "missing-cell": "an empty required cell",
    "type-error": "a value that cannot be read (not a number, date or period)",
    "out-of-range": "an amount too large to store",
    "constraint-error": "a value outside the allowed range or format",
    "unique-error": "a possible duplicate line",
    "extra-cell": "more cells than the header",
    "large-amount": "an unusually large amount",
    "total-row": "a total row, not a ledger line",
    "unbalanced-voucher": "an SIE voucher that does not balance",
    "duplicate-of-loaded": "a line that is already loaded in another batch",
    "already-loaded": "a line already loaded in another batch (only new rows loaded)",
    "period-gap": "months of the declared year without lines",
    "sign-convention": "mostly negative amounts",
    "invalid-org-number": "an organisation number that fails its check digit (row kept)",
    "foreign-org-number": "a foreign VAT or company number (row kept)",
}
# the first error of a quarantined row is the one shown in lists: the most basic first
CODE_PRIORITY = ["total-row", "extra-cell", "missing-cell", "type-error", "out-of-range", "constraint-error",
                 "unbalanced-voucher"]

@dataclass
class Check:
    """One expectation of the ledger contract and how a failure is reported."""

    expectation: object
    code: str
    field: str | None
    severity: str            # error (row rejected) | warning (row kept, flagged)
    message: str             # with {value}
    raw_column: str | None = None       # typed-table column quoted as the value
    empty_code: str | None = None       # code (and message) used instead when the raw cell is empty
    empty_message: str | None = None
    detail: dict = field(default_factory=dict)   # stored with the expectation's result (e.g. the account pattern)
    # columns of other checks: a row failing one of them has its failure of this check reported there, not twice
    # (an unreadable date is "not a date", not also "no date")
    superseded_by: tuple[str, ...] = ()


@dataclass
class ValidationOutcome:
    """Findings of one batch: per-row findings, the stored GX result and a plain summary."""

    findings: pd.DataFrame                     # source_row, severity, code, field, value, message
    result: dict = field(default_factory=dict)
    summary: str = ""
    success: bool = True


_PREFETCH: list[threading.Thread] = []


def prefetch_contract() -> None:
    """Start importing great-expectations in a background thread (once per process); returns at once.

    The import takes 1.5-2 s of Python; reading and normalising a file is DuckDB work that releases the GIL, so
    the two overlap and validation later finds the module loaded.
    """
    if _PREFETCH or "great_expectations" in sys.modules:
        return
    thread = threading.Thread(target=_import_contract, name="klimatspend-gx-import", daemon=True)
    _PREFETCH.append(thread)
    thread.start()


def _import_contract() -> None:
    try:
        import_contract()
    except Exception:   # noqa: BLE001 - validation imports it again and reports the error there
        pass


_IMPORT_LOCK = threading.Lock()


def import_contract() -> types.ModuleType:
    """Import and return the great_expectations module, with scipy.stats and altair run only when first used.

    GX imports both at start-up for expectations the ledger contract does not use (KL divergence and KS tests,
    their charts): about half of GX's 2-3 s import. They are registered as deferred modules first (_defer_module):
    GX's `from scipy import stats` and `import altair as alt` bind them without running them, and the first read of
    one of their attributes (stats.entropy, alt.Chart) runs the real module.
    """
    with _IMPORT_LOCK:
        if "great_expectations" not in sys.modules:
            for name in _DEFERRED_MODULES:
                _defer_module(name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return importlib.import_module("great_expectations")


_DEFERRED_MODULES = ("scipy.stats", "altair")
# what the import system reads from a module already in sys.modules: these do not run a deferred module
_IMPORT_METADATA = frozenset({"__spec__", "__name__", "__loader__", "__package__", "__path__", "__file__",
                              "__class__", "__dict__", "__doc__"})


class _DeferredModule(types.ModuleType):
    """A module registered but not run: the first read of an attribute other than its import metadata runs it.

    Like importlib.util.LazyLoader, except that the metadata (`__spec__`) can be read without running the module:
    an `import altair` of a module already in sys.modules reads `__spec__`, which would run a LazyLoader module.
    """

    def __getattribute__(self, attr: str):
        if attr in _IMPORT_METADATA:
            return types.ModuleType.__getattribute__(self, attr)
        with _DEFERRED_LOCK:
            if type(self) is _DeferredModule:
                spec = types.ModuleType.__getattribute__(self, "__spec__")
                self.__class__ = types.ModuleType      # from here on an ordinary module, also while it runs
                try:
                    spec.loader.exec_module(self)
                except BaseException:
                    sys.modules.pop(spec.name, None)
                    raise
        return getattr(self, attr)


_DEFERRED_LOCK = threading.RLock()


def _defer_module(name: str) -> None:
    """Register module `name` as a _DeferredModule unless it is imported already or cannot be found."""
    if name in sys.modules:
        return
    package, _, leaf = name.rpartition(".")
    try:
        parent = importlib.import_module(package) if package else None
        spec = importlib.util.find_spec(name)
    except ImportError:
        return
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _DeferredModule
    sys.modules[name] = module
    if parent is not None:
        # `from scipy import stats` takes the package's attribute when it has one (scipy would import it anew)
        setattr(parent, leaf, module)


def _fmt_month(yyyymm: int) -> str:
    return f"{str(yyyymm)[:4]}-{str(yyyymm)[4:]}"


def ledger_checks(*, account_pattern: str | None, period_start: int | None, period_end: int | None) -> list[Check]:
    """Return the ledger contract as GX expectations with their error code, field and severity.

    `period_start`/`period_end` are YYYYMM integers of the declared period (None = not declared).
    """
    gx = import_contract()
    E = gx.expectations
    checks = [
        Check(E.ExpectColumnValuesToBeInSet(column="chk_total_row", value_set=[False]), "total-row", None, "error",
              'the row looks like a total ("Summa"/"Total"), not a ledger line'),
        Check(E.ExpectColumnValuesToNotBeNull(column="account"), "missing-cell", "account", "error",
              "the cell is empty", raw_column="raw_account"),
        Check(E.ExpectColumnValuesToNotBeNull(column="amount"), "type-error", "amount", "error",
              'value "{value}" is not a number', raw_column="raw_amount",
              empty_code="missing-cell", empty_message="the cell is empty"),
        Check(E.ExpectColumnValuesToBeInSet(column="chk_amount_range", value_set=[False]), "out-of-range", "amount",
              "error", 'value "{value}" is out of range: an amount has at most 13 digits before the decimal point',
              raw_column="raw_amount"),
        Check(E.ExpectColumnValuesToBeInSet(column="chk_date_type", value_set=[False]), "type-error", "posting_date",
              "error", 'value "{value}" is not a date', raw_column="raw_posting_date"),
        Check(E.ExpectColumnValuesToBeInSet(column="chk_period_type", value_set=[False]), "type-error", "period",
              "error", 'value "{value}" is not a period (YYYY-MM)', raw_column="raw_period"),
        Check(E.ExpectColumnValuesToNotBeNull(column="fiscal_year"), "missing-cell", "posting_date", "error",
              "no date and no period: the row cannot be placed in a year (pass --year or --period)",
              raw_column="raw_posting_date", superseded_by=("chk_date_type", "chk_period_type")),
        # A supplier number that cannot identify a Swedish supplier keeps its row: the spend stays in the
        # emissions and is classified by its account (and supplier name) instead of the supplier's industry.
        Check(E.ExpectColumnValuesToBeInSet(column="chk_org_invalid", value_set=[False]), "invalid-org-number",
              "supplier_org_number", "warning",
              'value "{value}" is not a valid Swedish organisationsnummer (check digit or length); the row is kept '
              "and classified by its account", raw_column="raw_supplier_org_number"),
        Check(E.ExpectColumnValuesToBeInSet(column="chk_org_foreign", value_set=[False]), "foreign-org-number",
              "supplier_org_number", "warning",
              'value "{value}" is a foreign VAT or company number; the row is kept and classified by its account',
              raw_column="raw_supplier_org_number"),
        Check(E.ExpectColumnValuesToBeInSet(column="currency", value_set=KNOWN_CURRENCIES), "constraint-error",
              "currency", "error", 'value "{value}" is not a known currency code', raw_column="currency"),
        Check(E.ExpectColumnValuesToBeUnique(column="duplicate_key"), "unique-error", "invoice_id", "warning",
              'invoice "{value}" has another line with the same account, supplier and amount',
              raw_column="invoice_id"),
        Check(E.ExpectColumnValuesToBeBetween(column="amount", min_value=-LARGE_AMOUNT, max_value=LARGE_AMOUNT),
              "large-amount", "amount", "warning", 'value "{value}" is unusually large; check it',
              raw_column="raw_amount"),
    ]
    if account_pattern:
        # the pattern is tried in DuckDB, once per distinct account (validation_frame's chk_account_pattern): GX's
        # pandas regex turns a million accounts into Python strings first (0.3 s at 1 M lines)
        checks.insert(2, Check(E.ExpectColumnValuesToBeInSet(column="chk_account_pattern", value_set=[False]),
                               "constraint-error", "account", "error",
                               'value "{value}" is not an account number (expected ' + _pattern_words(account_pattern)
                               + ")", raw_column="raw_account", detail={"account_pattern": account_pattern}))
    if period_start is not None and period_end is not None:
        span = f"{_fmt_month(period_start)}..{_fmt_month(period_end)}"
        checks += [
            Check(E.ExpectColumnValuesToBeBetween(column="date_month", min_value=period_start, max_value=period_end),
                  "constraint-error", "posting_date", "error",
                  f'value "{{value}}" is outside the declared period {span}', raw_column="raw_posting_date"),
            Check(E.ExpectColumnValuesToBeBetween(column="period_month", min_value=period_start, max_value=period_end),
                  "constraint-error", "period", "error",
                  f'value "{{value}}" is outside the declared period {span}', raw_column="raw_period"),
        ]
    else:
        checks.append(Check(E.ExpectColumnValuesToBeBetween(column="fiscal_year", min_value=1990, max_value=2100),
                            "constraint-error", "posting_date", "error",
                            'value "{value}" is not a plausible booking date (years 1990-2100)',
                            raw_column="raw_when"))
    return checks


def _pattern_words(pattern: str) -> str:
    return "2-6 digits" if pattern == SWEDISH_ACCOUNT_PATTERN else f"the pattern {pattern}"


def validation_frame(con: duckdb.DuckDBPyConnection, typed_table: str,
                     account_pattern: str | None = None) -> pd.DataFrame:
    """Return the columns the suite checks, indexed by source row, in dtypes GX handles fast.

    Text columns with few distinct values (account, currency) come as pandas categoricals (DuckDB
    ENUMs); `duplicate_key` is a 63-bit hash of (invoice, account, amount, supplier), null where any
    part is missing, so that GX's uniqueness check runs on integers. With `account_pattern`,
    `chk_account_pattern` is true where an account does not match it (a search, as Python's re.search;
    the pattern is tried once per distinct account). The frame comes through Arrow: DuckDB's own
    pandas conversion costs twice as much.
    """
    import pyarrow as pa

    tag = typed_table.rsplit("_", 1)[-1]
    enums = {"account": f"_ks_account_{tag}", "currency": f"_ks_currency_{tag}"}
    if account_pattern:
        try:
            con.execute("select regexp_matches('0', ?)", [account_pattern]).fetchall()
        except duckdb.Error:
            raise KlimatspendError(f"the account pattern {account_pattern} is not a regular expression klimatspend can "
                                   "use (RE2 syntax: no look-ahead or back-references); give another pattern",
                                   code="usage-error") from None
        bad_accounts = (f"select account from (select distinct account from {typed_table} where account is not null) "
                        "where not regexp_matches(account, ?)")
        pattern_check = f"coalesce(account in ({bad_accounts}), false) as chk_account_pattern,"
    else:
        pattern_check = ""
    try:
        for col, enum in enums.items():
            con.execute(f"create or replace temp type {enum} as enum "
                        f"(select distinct {col} from {typed_table} where {col} is not null order by 1)")
        table = con.sql(f"""
            select source_row,
                   cast(account as {enums['account']}) as account,
                   {pattern_check}
                   -- an out-of-range amount is null in the typed table; 0 here, so that only its own check fails
                   case when chk_amount_range then 0 else cast(amount as double) end as amount,
                   coalesce(chk_amount_range, false) as chk_amount_range,
                   cast(fiscal_year as double) as fiscal_year,
                   cast(date_month as double) as date_month, cast(period_month as double) as period_month,
                   coalesce(chk_total_row, false) as chk_total_row, coalesce(chk_date_type, false) as chk_date_type,
                   coalesce(chk_period_type, false) as chk_period_type,
                   coalesce(chk_org_invalid, false) as chk_org_invalid,
                   coalesce(chk_org_foreign, false) as chk_org_foreign,
                   cast(currency as {enums['currency']}) as currency,
                   case when invoice_id is not null and account is not null and amount is not null
                             and coalesce(supplier_org_number, supplier_name) is not null
                        then cast(hash(invoice_id, account, amount, coalesce(supplier_org_number, supplier_name)) >> 1
                                  as bigint)
                   end as duplicate_key
            from {typed_table}
        """, params=[account_pattern] if account_pattern else None).to_arrow_table()
    finally:
        for enum in enums.values():
            con.execute(f"drop type if exists {enum}")
    # nullable integers stay integers (a float would round the 63-bit key); doubles keep NaN for null
    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    for col in ("account", "currency"):
        if not isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype("category")
    frame["source_row"] = frame["source_row"].astype("int64")
    return frame.set_index("source_row")


def _skip_frame_fingerprint() -> None:
    """Stop GX hashing every frame it validates (0.08-0.15 s per million rows).

    GX's pandas engine fingerprints a frame smaller than `HASH_THRESHOLD` bytes (an md5 of every row) for its
    batch markers, which klimatspend neither stores nor reads; a threshold of 0 skips it. GX is used for
    nothing else in this process. tests/ingest/test_validate.py fails if GX stops using the constant.
    """
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0


def _run_gx(frame: pd.DataFrame, checks: list[Check], indices: list[int], result_format: dict):
    gx = import_contract()
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.validator.v1_validator import Validator

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    _skip_frame_fingerprint()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        batch_def = (ctx.data_sources.add_pandas("ledger").add_dataframe_asset("lines")
                     .add_batch_definition_whole_dataframe("batch"))
        suite = gx.ExpectationSuite(name="ledger_contract")
        for i in indices:
            check = checks[i]
            expectation = check.expectation.copy(deep=True)   # an expectation belongs to one suite
            expectation.id = None
            expectation.meta = {"check": i, "code": check.code, "field": check.field, "severity": check.severity}
            suite.add_expectation(expectation)
        # The validator a ValidationDefinition runs, without the ValidationDefinition: that one also copies the
        # result into the context's result store (a deep copy and JSON conversion of every failing row: 8 s when
        # a million rows fail; the ephemeral store is thrown away). Batch.validate would fingerprint the frame twice.
        result = Validator(batch_definition=batch_def, batch_parameters={"dataframe": frame},
                           result_format=result_format).validate_expectation_suite(suite)
    for res in result.results:
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise KlimatspendError(f"validation check {res.expectation_config.type} could not run "
                                   f"({res.exception_info.get('exception_message')}); nothing was stored; "
                                   "please report this with the file", code="validation-error")
    return result, gx.__version__


def _index_rows(index_list) -> list[int]:
    """Return source rows from GX's unexpected_index_list: [{"source_row": [..]}] when unexpected values are
    excluded (one entry holding every row), else one {"source_row": n, <column>: value} per row."""
    rows: list[int] = []
    for entry in index_list or []:
        value = entry.get("source_row") if isinstance(entry, dict) else entry
        if isinstance(value, (list, tuple)):
            rows.extend(int(v) for v in value)
        else:
            rows.append(int(value))
    return rows


def run_suite(frame: pd.DataFrame, checks: list[Check]) -> tuple[pd.DataFrame, dict]:
    """Run the GX suite on `frame`; return (failing rows as source_row + check index, stored result).

    The result format is COMPLETE with `exclude_unexpected_values`: GX then returns each
    expectation's failing rows as one list (`unexpected_index_list` = [{"source_row": [...]}]). With
    the values included it builds, copies and serialises one dict per failing row, which takes
    minutes when most of a million rows fail (a wrong profile or year); this way about 4 s.
    """
    result, version = _run_gx(frame, checks, list(range(len(checks))),
                              {"result_format": "COMPLETE", "partial_unexpected_count": 0,
                               "return_unexpected_index_query": False, "exclude_unexpected_values": True})
    stored = {"suite": "ledger_contract", "engine": f"great_expectations {version}",
              "success": bool(result.success), "statistics": dict(result.statistics), "expectations": []}
    failing: list[pd.DataFrame] = []
    for res in result.results:
        idx = int((res.expectation_config.meta or {})["check"])
        check = checks[idx]
        info = res.result or {}
        rows = _index_rows(info.get("unexpected_index_list"))
        stored["expectations"].append({
            "check": idx, "type": res.expectation_config.type,
            "kwargs": {k: v for k, v in res.expectation_config.kwargs.items() if k != "batch_id"},
            "code": check.code, "field": check.field, "severity": check.severity,
            "success": bool(res.success), "unexpected_count": int(info.get("unexpected_count") or 0),
            "unexpected_percent": float(info.get("unexpected_percent") or 0.0), **check.detail,
        })
        if rows:
            failing.append(pd.DataFrame({"source_row": pd.array(rows, dtype="int64"),
                                         "check": pd.array([idx] * len(rows), dtype="int64")}))
    stored["expectations"].sort(key=lambda e: e["check"])      # the contract's order, whatever order GX ran them in
    table = (pd.concat(failing, ignore_index=True) if failing
             else pd.DataFrame({"source_row": pd.Series(dtype="int64"), "check": pd.Series(dtype="int64")}))
    return table, stored


def _without_superseded(failing: pd.DataFrame, checks: list[Check]) -> pd.DataFrame:
    """Drop the failures of a check on the rows that also fail a check superseding it (Check.superseded_by): the row
    stays quarantined, by the more precise finding."""
    column_of = {getattr(c.expectation, "column", None): i for i, c in enumerate(checks)}
    drop = None
    for i, check in enumerate(checks):
        by = [column_of[col] for col in check.superseded_by if col in column_of]
        if not by or not len(failing):
            continue
        covered = failing.loc[failing["check"].isin(by), "source_row"]
        mask = (failing["check"] == i) & failing["source_row"].isin(covered)
        drop = mask if drop is None else drop | mask
    return failing if drop is None else failing[~drop].reset_index(drop=True)


def render_findings(con: duckdb.DuckDBPyConnection, typed_table: str, failing: pd.DataFrame,
                    checks: list[Check]) -> pd.DataFrame:
    """Turn (source_row, check) pairs into findings with code, field, quoted value and message (set-based)."""
    failing = _without_superseded(failing, checks)
    if not len(failing):
        return pd.DataFrame(columns=["check", *FINDING_COLUMNS])
    spec = pd.DataFrame([{"check": i, "code": c.code, "field": c.field, "severity": c.severity,
                          "message": c.message, "raw_column": c.raw_column or "",
                          "empty_code": c.empty_code or c.code, "empty_message": c.empty_message or c.message}
                         for i, c in enumerate(checks)])
    raw_cols = sorted({c.raw_column for c in checks if c.raw_column})
    finish_pending(con)
    con.register("_failing", failing)
    finish_pending(con)
    con.register("_check_spec", spec)
    try:
        value_case = ("case s.raw_column "
                      + " ".join(f"when '{col}' then cast(t.{col} as varchar)" for col in raw_cols) + " end")
        # through Arrow: DuckDB's own pandas conversion of a million findings (strings) takes 1.4 s, this 0.2 s
        frame = con.sql(f"""
            with joined as (
                select f.source_row, f."check", s.severity, s.field, s.code, s.message, s.empty_code,
                       s.empty_message, {value_case} as value
                from _failing f
                join _check_spec s using ("check")
                left join {typed_table}_raw t using (source_row)
            )
            select source_row, "check", severity,
                   case when value is null then empty_code else code end as code,
                   field,
                   coalesce(value, '') as value,
                   replace(case when value is null then empty_message else message end, '{{value}}',
                           left(coalesce(value, ''), 200)) as message
            from joined
            order by source_row
        """).to_arrow_table().to_pandas()
    finally:
        con.unregister("_failing")
        con.unregister("_check_spec")
    return frame[["check", *FINDING_COLUMNS]]


def sql_checks(con: duckdb.DuckDBPyConnection, typed_table: str, *, organisation_id: str,
               exclude_batch_id: int | None, period_start: int | None, period_end: int | None,
               rejected_rows: set[int]) -> tuple[pd.DataFrame, list[dict]]:
    """Run the cross-row checks GX cannot express; return (per-row warnings, batch-level warnings).

    - period-gap: months of a declared year (or period) with no line at all;
    - sign-convention: more than half of the amount is negative (costs exported with credit sign?).

    Lines already loaded in another batch are found by pipeline.ingest.overlap (rows new / same / changed /
    gone against the loaded batches of the file's period), not here; `organisation_id`, `exclude_batch_id`
    and `rejected_rows` are kept for callers.
    """
    per_row = pd.DataFrame(columns=FINDING_COLUMNS)
    batch_level: list[dict] = []
    if period_start is not None and period_end is not None:
        present = {r[0] for r in con.execute(
            f"select distinct cast(replace(period, '-', '') as integer) from {typed_table} where period is not null"
        ).fetchall()}
        months = [m for m in _months(period_start, period_end) if m not in present]
        if months and len(present):
            batch_level.append({"source_row": None, "severity": "warning", "code": "period-gap", "field": None,
                                "value": ", ".join(_fmt_month(m) for m in months[:12]),
                                "message": f"no lines for {len(months)} month(s) of the declared period: "
                                           + ", ".join(_fmt_month(m) for m in months[:12])
                                           + ("…" if len(months) > 12 else "")
                                           + "; is the file complete?"})
    neg, total = con.execute(
        f"select coalesce(sum(-amount) filter (where amount < 0), 0), coalesce(sum(abs(amount)), 0) from {typed_table}"
    ).fetchone()
    if total and neg / total > 0.5:
        batch_level.append({"source_row": None, "severity": "warning", "code": "sign-convention", "field": "amount",
                            "value": f"{float(neg / total):.0%}",
                            "message": f"{float(neg / total):.0%} of the amount is negative: costs should be "
                                       "positive; if the export shows costs with a minus sign, fix the export"})
    return per_row, batch_level


def _months(start: int, end: int) -> list[int]:
    out, y, m = [], start // 100, start % 100
    while y * 100 + m <= end:
        out.append(y * 100 + m)
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def validate_batch(con: duckdb.DuckDBPyConnection, typed_table: str, *, account_pattern: str | None,
                   period_start: int | None, period_end: int | None,
                   structural_errors: list[dict] | None = None, reader_findings: list[dict] | None = None,
                   organisation_id: str = "org", exclude_batch_id: int | None = None) -> ValidationOutcome:
    """Validate the typed batch table; return every finding (errors reject the row, warnings do not).

    `period_start`/`period_end` are YYYYMM integers. `structural_errors` are rows the reader could not
    split into the header's cells; `reader_findings` come from the reader (e.g. unbalanced SIE vouchers).
    """
    frame = validation_frame(con, typed_table, account_pattern)
    checks = ledger_checks(account_pattern=account_pattern, period_start=period_start, period_end=period_end)
    if len(frame):
        failing, stored = run_suite(frame, checks)
    else:
        failing, stored = pd.DataFrame(columns=["source_row", "check"]), {"suite": "ledger_contract",
                                                                        "success": True, "expectations": []}
    rendered = render_findings(con, typed_table, failing, checks)
    for exp in stored["expectations"]:
        values = rendered.loc[(rendered["check"] == exp["check"]) & (rendered["value"] != ""), "value"]
        exp["sample_values"] = [str(v)[:100] for v in values.drop_duplicates().head(20)]
    parts = [rendered[FINDING_COLUMNS]]
    structural = [{"source_row": e["source_row"], "severity": "error",
                   "code": "extra-cell" if e["n_cells"] > e["expected"] else "missing-cell", "field": None,
                   "value": e["raw"][:200],
                   "message": f"the row has {e['n_cells']} cells, the header has {e['expected']}"}
                  for e in structural_errors or []]
    parts.append(pd.DataFrame(structural + list(reader_findings or []), columns=FINDING_COLUMNS))
    rejected = set(pd.concat(parts)[lambda d: d["severity"] == "error"]["source_row"].astype(int)) if any(
        len(p) for p in parts) else set()
    per_row, batch_level = sql_checks(con, typed_table, organisation_id=organisation_id,
                                      exclude_batch_id=exclude_batch_id, period_start=period_start,
                                      period_end=period_end, rejected_rows=rejected)
    parts += [per_row, pd.DataFrame(batch_level, columns=FINDING_COLUMNS)]
    table = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else \
        pd.DataFrame(columns=FINDING_COLUMNS)
    table = table.astype({"source_row": "Int64"})
    if len(table):
        table["_prio"] = table["code"].map({c: i for i, c in enumerate(CODE_PRIORITY)}).fillna(len(CODE_PRIORITY))
        table = (table.sort_values(["source_row", "_prio", "code"], kind="stable", na_position="first")
                 .drop(columns="_prio").reset_index(drop=True))
    stored["sql_checks"] = [{"code": b["code"], "severity": b["severity"], "message": b["message"]}
                            for b in batch_level]
    errors = table[table["severity"] == "error"]
    rows = len(frame) + len(structural_errors or [])
    summary = plain_summary(stored, rejected_rows=int(errors["source_row"].nunique()),
                            warnings=table[table["severity"] != "error"], errors=errors, rows=rows)
    stored["rows_checked"] = int(rows)
    stored["summary"] = summary
    return ValidationOutcome(findings=table, result=stored, summary=summary, success=bool(len(errors) == 0))


def plain_summary(stored: dict, *, rejected_rows: int, warnings: pd.DataFrame, errors: pd.DataFrame, rows: int) -> str:
    """Return the validation result in plain words, e.g. for the CLI and the web page."""
    exps = stored.get("expectations", [])
    passed = sum(1 for e in exps if e["success"])
    parts = [f"{passed} of {len(exps)} checks of the ledger contract passed on {rows} rows"]
    if rejected_rows:
        first = errors.drop_duplicates("source_row")
        by_code = first.groupby("code")["source_row"].nunique().to_dict()
        detail = ", ".join(f"{n} with {_PLAIN.get(code, code)} ({code})" for code, n in
                           sorted(by_code.items(), key=lambda kv: -kv[1]))
        parts.append(f"{rejected_rows} row{'s' if rejected_rows != 1 else ''} quarantined: {detail}")
    else:
        parts.append("no rows quarantined")
    if len(warnings):
        by_code = warnings.groupby("code").size().to_dict()
        parts.append("warnings (rows kept): " + ", ".join(
            f"{n} × {_PLAIN.get(code, code)}" for code, n in sorted(by_code.items(), key=lambda kv: -kv[1])))
    return "; ".join(parts) + "."
