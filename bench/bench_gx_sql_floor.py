"""Issue 19: would great-expectations' SQL route on DuckDB lower the contract's floor? One run, two floors.

bench_fast_path.py's reference (f), "the contract's floor", runs klimatspend's great-expectations suite on the
pandas frame the product builds. This script times, alternately and each in its own process, that floor and the
same floor with the suite run by GX's SQL route on the DuckDB file (SQLAlchemy + duckdb_engine), the route issue 19
names. The SQL route needs what the product does not ship, so it is measured here only:

- `sqlalchemy` and `duckdb_engine` importable (e.g. `pip install --target DIR sqlalchemy duckdb_engine`, then
  remove the `duckdb` that pip puts beside them, and pass `--site DIR`);
- the checked columns as a regular table of the main schema (GX sees no temp tables);
- our connection opened with duckdb_engine's configuration (DuckDB refuses a second configuration of one file);
- GX 1.24's `SqlAlchemyExecutionEngine.execute_query` patched to read its rows before it gives the connection back
  (duckdb_engine closes the cursor with the connection; GX then reads an empty result and every metric fails).

Usage:
    python bench/bench_gx_sql_floor.py --site /tmp/gxsql --lines 1000000 5000000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_fast_path  # noqa: E402  (the floor's read and results)
import bench_run  # noqa: E402  (the ledger generator and the factor table)

OUT = bench_run.OUT


def phase_floor_sql(files: list[Path], factors: Path, db: Path) -> dict:
    """bench_fast_path.phase_floor with the suite run by GX's SQL route on the saved database."""
    import duckdb

    from pipeline.ingest.columns import SWEDISH_ACCOUNT_PATTERN
    from pipeline.ingest.validate import import_contract, ledger_checks, prefetch_contract

    t0 = time.perf_counter()
    prefetch_contract()
    import duckdb_engine
    import sqlalchemy

    agent = f"duckdb_engine/{duckdb_engine.__version__}(sqlalchemy/{sqlalchemy.__version__})"
    con = duckdb.connect(str(db), config={"custom_user_agent": agent})
    bench_fast_path.floor_read_lines(con, files)
    # the columns the suite checks (validate.validation_frame's), as a regular table of the main schema
    con.execute(f"""
        create table typed as
        select cast(rowid + 2 as integer) as source_row, account,
               coalesce(account in (select account from (select distinct account from line where account is not null)
                                    where not regexp_matches(account, '{SWEDISH_ACCOUNT_PATTERN}')), false)
                   as chk_account_pattern,
               cast(amount as double) as amount, amount is null and raw_amount is not null as chk_amount_range,
               cast(year(posting_date) as double) as fiscal_year,
               cast(year(posting_date) * 100 + month(posting_date) as double) as date_month,
               cast(null as double) as period_month, false as chk_total_row, posting_date is null as chk_date_type,
               false as chk_period_type, false as chk_org_invalid, false as chk_org_foreign, currency,
               case when invoice_id is not null and account is not null and amount is not null
                    then cast(hash(invoice_id, account, amount, coalesce(supplier_org_number, supplier_name)) >> 1
                              as bigint)
               end as duplicate_key
        from line""")
    gx = import_contract()
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine
    from great_expectations.validator.v1_validator import Validator

    def execute_query(self, query):
        with self.get_connection() as connection:
            return self._execute_query_with_recovery(connection, query).freeze()()

    engine.SqlAlchemyExecutionEngine.execute_query = execute_query
    checks = ledger_checks(account_pattern=SWEDISH_ACCOUNT_PATTERN, period_start=None, period_end=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        batch_def = (ctx.data_sources.add_sql("ledger", connection_string=f"duckdb:///{db}")
                     .add_table_asset("lines", table_name="typed").add_batch_definition_whole_table("batch"))
        suite = gx.ExpectationSuite(name="ledger_contract")
        for i, check in enumerate(checks):
            expectation = check.expectation.copy(deep=True)
            expectation.id = None
            expectation.meta = {"check": i}
            suite.add_expectation(expectation)
        result = Validator(batch_definition=batch_def, result_format={
            "result_format": "COMPLETE", "unexpected_index_column_names": ["source_row"],
            "return_unexpected_index_query": True, "exclude_unexpected_values": True,
            "partial_unexpected_count": 0}).validate_expectation_suite(suite)
    failed = [r.expectation_config.type for r in result.results
              if r.exception_info and r.exception_info.get("raised_exception")]
    if failed:
        raise SystemExit(f"the SQL route could not run {failed}")
    failing = sum(int((r.result or {}).get("unexpected_count") or 0) for r in result.results)
    by_department = bench_fast_path.floor_store_results(con, factors)
    con.close()
    return {"run_s": time.perf_counter() - t0, "failing_rows": failing, "by_department": by_department}


def _timed(argv: list[str], script: Path) -> dict:
    out = subprocess.run([sys.executable, str(script), *argv], capture_output=True, text=True, cwd=HERE.parent)
    if out.returncode != 0:
        raise SystemExit(f"{script.name} {argv[:2]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    """Time the pandas floor and the SQL floor alternately, `--repeat` times per size; print the medians."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 5_000_000])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--site", help="a folder holding sqlalchemy and duckdb_engine (added to the path)")
    p.add_argument("--phase", choices=["floor-sql"], help=argparse.SUPPRESS)
    p.add_argument("--file", type=Path, nargs="+", help=argparse.SUPPRESS)
    p.add_argument("--factors", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.site:
        sys.path.append(args.site)
    if args.phase == "floor-sql":
        print(json.dumps(phase_floor_sql(args.file, args.factors, args.db)))
        return 0
    try:
        import duckdb_engine  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError:
        print("sqlalchemy and duckdb_engine are not importable: install them in a folder and pass --site FOLDER")
        return 2
    site = ["--site", args.site] if args.site else []
    for n in args.lines:
        files = bench_run.ledger_parts(n)
        for i, file in enumerate(files):
            if not file.exists():
                bench_run.generate(file, n // len(files), seed=0.42 + i / 100,
                                   months=(1 + 12 * i // len(files), 12 * (i + 1) // len(files)))
        factors = bench_run.factor_table(files[0])
        pandas_s, sql_s = [], []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(dir=OUT) as tmp:
                common = ["--file", *map(str, files), "--factors", str(factors)]
                pandas = _timed(["--phase", "floor", *common, "--db", str(Path(tmp) / "p.duckdb")],
                                HERE / "bench_fast_path.py")
                sql = _timed(["--phase", "floor-sql", *common, "--db", str(Path(tmp) / "s.duckdb"), *site],
                             Path(__file__))
            if sql["by_department"] != pandas["by_department"] or sql["failing_rows"] != pandas["failing_rows"]:
                raise SystemExit(f"the two floors differ: {sql} vs {pandas}")
            pandas_s.append(pandas["run_s"])
            sql_s.append(sql["run_s"])
        print(f"{n:,} lines: floor with GX on pandas {statistics.median(pandas_s):6.2f} s "
              f"{[round(x, 2) for x in pandas_s]};  with GX's SQL route {statistics.median(sql_s):6.2f} s "
              f"{[round(x, 2) for x in sql_s]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
