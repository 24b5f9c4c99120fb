"""The slow paths of a real year: a file whose every row is quarantined, and a re-export loaded again.

A wrong import profile or account pattern quarantines every row (each kept with its errors and its cells as read);
a re-export of a loaded year is held, then loaded again as asked (`allow`: every row warned as already loaded) or
for its new rows only (`new-rows`: the rows already loaded quarantined; here every tenth row has another amount).
Each case ingests the bench ledger of `--lines` lines (bench_run.py's) into a fresh database, after the
great-expectations import (done once, before timing), and prints its seconds, its stages and its ratio to baseline
(s) of bench_fast_path.py (DuckDB reading the same file into a saved table, joining factors, grouping).

Usage:
    python bench/bench_bad_files.py --lines 1000000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_fast_path  # noqa: E402  (baseline (s))
import bench_run  # noqa: E402  (the ledger generator and the factor table)


def _fresh(folder: Path, name: str):
    from pipeline import store
    from pipeline.factors import load_reference_data
    from pipeline.ingest import batches

    con = store.connect(folder / f"{name}.duckdb")
    load_reference_data(con)
    batches.ensure_organisation(con, "bench", "Bench kommun", "municipality", "212000-0000")
    return con


def _timed(con, path: Path, **options) -> tuple[float, object]:
    from pipeline.ingest import IngestOptions, ingest_file

    t0 = time.perf_counter()
    result = ingest_file(con, path, IngestOptions(organisation_id="bench", year=bench_run.YEAR, **options))
    return time.perf_counter() - t0, result


def _re_export(source: Path, target: Path, changed_every: int = 0) -> None:
    """Write `source` again with other line endings (the same rows saved again); with `changed_every`, every n-th
    line's amount is raised by 1,00 (a corrected export)."""
    import duckdb

    con = duckdb.connect()
    change = (f"case when (row_number() over ()) % {changed_every} = 0 "
              "then replace(cast(cast(replace(\"Belopp\", ',', '.') as decimal(18, 2)) + 1 as varchar), '.', ',') "
              "else \"Belopp\" end" if changed_every else '"Belopp"')
    con.execute(f"""
        copy (select * replace ({change} as "Belopp")
              from read_csv('{source}', delim = ';', header = true, all_varchar = true, parallel = false))
        to '{target}' (format csv, delimiter ';', header true, new_line '\\r\\n')""")


def main(argv: list[str] | None = None) -> int:
    """Generate the files, time each case once and print seconds, stages and ratios."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=1_000_000)
    args = p.parse_args(argv)
    from pipeline.ingest.validate import import_contract

    import_contract()
    files = bench_run.ledger_parts(args.lines)
    if len(files) != 1:
        raise SystemExit(f"--lines {args.lines}: use a size written as one file (at most {bench_run.PART_LINES:,})")
    ledger = files[0]
    if not ledger.exists():
        bench_run.generate(ledger, args.lines)
    factors = bench_run.factor_table(ledger)
    with tempfile.TemporaryDirectory(dir=bench_run.OUT) as tmp:
        folder = Path(tmp)
        base = bench_fast_path.phase_stored([ledger], factors, folder / "baseline.duckdb")["run_s"]
        print(f"{args.lines:,} lines; baseline (s) read + store + join + group by: {base:.2f} s")

        def report(case: str, seconds: float, result) -> None:
            stages = {k: round(v, 2) for k, v in result.timings.items() if k != "total"}
            print(f"  {case:<44} {seconds:6.2f} s = {seconds / base:4.1f} x (s)   {result.status}: "
                  f"{result.rows_loaded:,} loaded, {result.rows_rejected:,} quarantined, "
                  f"{result.n_warnings:,} warnings  {stages}")

        con = _fresh(folder, "all_quarantined")
        report("every row quarantined (wrong account pattern)",
               *_timed(con, ledger, account_pattern=r"^X[0-9]+$"))
        con.close()

        same, corrected = folder / "same_rows.csv", folder / "corrected.csv"
        _re_export(ledger, same)
        _re_export(ledger, corrected, changed_every=10)
        for case, path, choice in (("the same rows loaded again (allow)", same, "allow"),
                                   ("a corrected export, new rows only (none new)", corrected, "new-rows")):
            con = _fresh(folder, choice)
            _timed(con, ledger)
            report(case, *_timed(con, path, on_overlap=choice))
            con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
