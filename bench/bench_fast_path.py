"""Issue 19 in one run: the whole ingest + run of a year against two DuckDB baselines, `--help`, and whether a
monthly load gets slower as the year fills.

For each size (default 1,000,000 and 5,000,000 lines, the ledgers of bench_run.py) it times, each in its own
process and `--repeat` times (median wall seconds; peak RSS the largest of the repeats):

- the whole run: a fresh database, reference data, ingest (+ validate) of the file(s), compute the year, read the
  marts (bench_run.py's `full` phase; reference data is not counted);
- baseline (s), "read + store + join + group by": DuckDB reads the file(s) into a table of a saved database
  file, joins the factor table and groups by department - the least that any pipeline keeping the lines must do;
- baseline (a), "bare read + group by": the same query straight from the CSV, nothing stored;
- reference (f), "the contract's floor": baseline (s) plus only the per-line work the product's contract
  requires (great-expectations' suite on every line, a stored result per line), each step once (phase_floor).
  (f)/(s) is what no implementation of this contract can go below; goal - (f)/(s) is what is left for
  everything else (encoding and structure checks, quarantine, overlap, classification, provenance, marts).

Then `klimatspend --help` (median of 5 process starts); with `--months`, twelve monthly files loaded one by
one (the ingest time of each: nothing may grow with what was loaded before); and with `--years`, that many years
of `--year-lines` lines each loaded, computed and published one after another (the run time of each: a run must
not get slower with every year stored before it).

Usage:
    python bench/bench_fast_path.py                          # 1M and 5M lines, medians of 3
    python bench/bench_fast_path.py --lines 1000000 --repeat 3
    python bench/bench_fast_path.py --lines 5000000 --repeat 1 --months 0

Goals (issue 19): whole run / (s) <= 3 at 5M and <= 4 at 1M; peak RSS < 3 GB at 5M; --help < 0.5 s; the last
month costs about what the first does. Not a timed test: the machine is shared, ratios within one run count.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_run  # noqa: E402  (the ledger generator, the factor table, the phases)

OUT = bench_run.OUT


def phase_stored(files: list[Path], factors: Path, db: Path) -> dict:
    """Baseline (s): DuckDB reads the file(s) into a table of a saved database, joins factors, groups."""
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute(f"""
        create table line as
        select * from read_csv({[str(f) for f in files]}, delim = ';', header = true, decimal_separator = ',',
                               types = {{'Konto': 'VARCHAR', 'Belopp': 'DECIMAL(18,2)'}})""")
    con.execute(f"create table factor as select * from read_csv('{factors}', header = true, "
                "types = {'account': 'VARCHAR'})")
    rows = con.execute("""
        select l."Förvaltning" as department, sum(l."Belopp" * 0.1 * f.factor) / 1000 as t_co2e
        from line l join factor f on f.account = l."Konto"
        group by all""").fetchall()
    con.close()
    return {"run_s": time.perf_counter() - t0, "by_department": {d: round(v, 1) for d, v in rows}}


def floor_read_lines(con, files: list[Path]) -> None:
    """The floor's one read: the lines, typed, into table `line` of the saved database (parallel, file order)."""
    con.execute(f"""
        create table line as
        select "Konto" as account,
               "Förvaltning" as department, "Leverantör" as supplier_name, "Organisationsnummer" as supplier_org_number,
               "Fakturanummer" as invoice_id, 'SEK' as currency, try_cast("Bokföringsdatum" as date) as posting_date,
               try_cast(replace("Belopp", ',', '.') as decimal(18, 2)) as amount, "Belopp" as raw_amount
        from read_csv({[str(f) for f in files]}, delim = ';', header = true, all_varchar = true)""")


def floor_store_results(con, factors: Path) -> dict:
    """The floor's per-line results (amount, emissions, low and high bound) stored in `run_line`, then summed per
    department from them; returns t CO2e per department (the same figures as baseline (s))."""
    con.execute(f"create table factor as select * from read_csv('{factors}', header = true, "
                "types = {'account': 'VARCHAR'})")
    con.execute("""
        create table run_line as
        select 1 as run_id, l.rowid as line_id, l.amount, l.amount * 0.1 * f.factor as kg_co2e,
               l.amount * 0.1 * f.factor * 0.6 as kg_low, l.amount * 0.1 * f.factor * 2.0 as kg_high
        from line l join factor f on f.account = l.account""")
    rows = con.execute("""
        select l.department, sum(r.kg_co2e) / 1000 as t_co2e
        from run_line r join line l on l.rowid = r.line_id group by all""").fetchall()
    return {d: round(float(v), 1) for d, v in rows}


def phase_floor(files: list[Path], factors: Path, db: Path) -> dict:
    """Reference (f), "the contract's floor": only the per-line work the product's contract requires, each step
    once and nothing else - what no implementation of this contract can go below on this machine.

    The lines are read typed into a table of a saved database (as baseline (s)); the columns the ledger contract
    checks go to a temp table, great-expectations runs klimatspend's own suite on the pandas frame the product
    builds from it (its import included: a user pays it); every line's result (amount, emissions, low and high
    bound) is stored per line, as a run must keep it to trace each figure to its line; then the group-by. Not
    done here and done by the product: encoding and structure checks, quarantine, overlap with loaded batches,
    classification rules, provenance, checks and marts.
    """
    import duckdb

    from pipeline.ingest.columns import SWEDISH_ACCOUNT_PATTERN
    from pipeline.ingest.validate import import_contract, ledger_checks, prefetch_contract, run_suite, validation_frame

    t0 = time.perf_counter()
    prefetch_contract()
    con = duckdb.connect(str(db))
    floor_read_lines(con, files)
    con.execute("""
        create temp table typed as
        select cast(rowid + 2 as integer) as source_row, *, year(posting_date) as fiscal_year,
               year(posting_date) * 100 + month(posting_date) as date_month,
               null::integer as period_month, false as chk_total_row, posting_date is null as chk_date_type,
               false as chk_period_type, amount is null and raw_amount is not null as chk_amount_range,
               false as chk_org_invalid, false as chk_org_foreign
        from line""")
    frame = validation_frame(con, "typed", SWEDISH_ACCOUNT_PATTERN)
    import_contract()
    failing, _ = run_suite(frame, ledger_checks(account_pattern=SWEDISH_ACCOUNT_PATTERN, period_start=None,
                                                period_end=None))
    by_department = floor_store_results(con, factors)
    con.close()
    return {"run_s": time.perf_counter() - t0, "failing_rows": len(failing), "by_department": by_department}


def phase_months(lines_per_month: int, folder: Path) -> dict:
    """Load twelve monthly files of one year one by one into a fresh database; return each ingest's seconds."""
    from pipeline import store
    from pipeline.factors import load_reference_data
    from pipeline.ingest import IngestOptions, batches, ingest_file

    con = store.connect(folder / "months.duckdb")
    load_reference_data(con)
    batches.ensure_organisation(con, "bench", "Bench kommun", "municipality", "212000-0000")
    seconds = []
    for month in range(1, 13):
        path = folder / f"month_{month:02d}.csv"
        bench_run.generate(path, lines_per_month, seed=0.3 + month / 100, months=(month, month))
        t0 = time.perf_counter()
        result = ingest_file(con, path, IngestOptions(organisation_id="bench", period=f"{bench_run.YEAR}-{month:02d}"))
        seconds.append(time.perf_counter() - t0)
        assert result.status == "loaded", result.as_dict()
    con.close()
    return {"seconds": seconds}


def phase_years(n_years: int, lines_per_year: int, folder: Path) -> dict:
    """Load, compute and publish `n_years` years one after another into a fresh database (the newest year being
    bench_run.YEAR); return each run's seconds (compute_run, checks included)."""
    from pipeline import store
    from pipeline.engine import runs
    from pipeline.factors import load_reference_data
    from pipeline.ingest import IngestOptions, batches, ingest_file

    con = store.connect(folder / "years.duckdb")
    load_reference_data(con)
    batches.ensure_organisation(con, "bench", "Bench kommun", "municipality", "212000-0000")
    seconds = []
    for year in range(bench_run.YEAR - n_years + 1, bench_run.YEAR + 1):
        path = folder / f"year_{year}.csv"
        bench_run.generate(path, lines_per_year, seed=0.5 + year / 10000, year=year)
        result = ingest_file(con, path, IngestOptions(organisation_id="bench", year=year))
        assert result.status == "loaded", result.as_dict()
        t0 = time.perf_counter()
        run = runs.compute_run(con, year, organisation_id="bench")
        seconds.append(time.perf_counter() - t0)
        runs.publish_run(con, run.run_id)
    con.close()
    return {"seconds": seconds}


def measured(argv: list[str], script: Path = Path(__file__)) -> tuple[dict, float]:
    """Run `script argv` in a child process; return (its JSON output, peak RSS of the child in MB)."""
    proc = subprocess.Popen([sys.executable, str(script), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=HERE.parent)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"phase {argv[:2]} failed:\n{err[-3000:]}")
    return json.loads(out), usage.ru_maxrss / 1024


def help_seconds(n: int = 5) -> float:
    """Median wall seconds of `klimatspend --help` (a new interpreter each time)."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pipeline", "--help"], cwd=HERE.parent, check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Generate the ledgers, time every phase in its own process `--repeat` times and print the ratios."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 5_000_000])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--months", type=int, default=50_000, help="lines per monthly file (0: skip)")
    p.add_argument("--years", type=int, default=4, help="years published one after another (0: skip)")
    p.add_argument("--year-lines", type=int, default=1_000_000, help="lines per year of --years")
    p.add_argument("--phase", choices=["stored", "floor", "months", "years"], help=argparse.SUPPRESS)
    p.add_argument("--file", type=Path, nargs="+", help=argparse.SUPPRESS)
    p.add_argument("--factors", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.phase == "stored":
        print(json.dumps(phase_stored(args.file, args.factors, args.db)))
        return 0
    if args.phase == "floor":
        print(json.dumps(phase_floor(args.file, args.factors, args.db)))
        return 0
    if args.phase == "months":
        print(json.dumps(phase_months(args.months, args.db)))
        return 0
    if args.phase == "years":
        print(json.dumps(phase_years(args.years, args.year_lines, args.db)))
        return 0

    la = os.getloadavg()
    print(f"load average before: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}; cpus {os.cpu_count()}; "
          f"medians of {args.repeat}")
    print(f"klimatspend --help: {help_seconds():.2f} s (goal < 0.5 s)")
    for n in args.lines:
        files = bench_run.ledger_parts(n)
        for i, file in enumerate(files):
            if not file.exists():
                first = 1 + 12 * i // len(files)
                bench_run.generate(file, n // len(files), seed=0.42 + i / 100,
                                   months=(first, 12 * (i + 1) // len(files)))
        factors = bench_run.factor_table(files[0])
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        full_s, stored_s, bare_s, floor_s = [], [], [], []
        full_rss = stored_rss = bare_rss = floor_rss = 0.0
        last_full: dict = {}
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(dir=OUT) as tmp:
                full, rss = measured(["--phase", "full", "--file", *map(str, files), "--db",
                                      str(Path(tmp) / "bench.duckdb")], HERE / "bench_run.py")
                full_s.append(full["run_s"])
                full_rss = max(full_rss, rss)
                last_full = full
                stored, rss = measured(["--phase", "stored", "--file", *map(str, files), "--factors", str(factors),
                                        "--db", str(Path(tmp) / "baseline.duckdb")])
                stored_s.append(stored["run_s"])
                stored_rss = max(stored_rss, rss)
                floor, rss = measured(["--phase", "floor", "--file", *map(str, files), "--factors", str(factors),
                                       "--db", str(Path(tmp) / "floor.duckdb")])
                floor_s.append(floor["run_s"])
                floor_rss = max(floor_rss, rss)
            bare, rss = measured(["--phase", "duckdb", "--file", *map(str, files), "--factors", str(factors)],
                                 HERE / "bench_run.py")
            bare_s.append(bare["run_s"])
            bare_rss = max(bare_rss, rss)
        f, s, b, fl = (statistics.median(x) for x in (full_s, stored_s, bare_s, floor_s))
        goal = 3 if n >= 5_000_000 else 4
        print(f"\n{n:,} lines in {len(files)} file(s), {size_mb:.0f} MB; load average now {os.getloadavg()[0]:.2f}")
        print(f"  whole ingest + run       {f:7.2f} s  peak RSS {full_rss:6.0f} MB   runs {[round(x, 1) for x in full_s]}")
        print(f"    ingest stages (last)   {last_full['ingest_stages_s']}")
        print(f"    compute stages (last)  {last_full['compute_stages_s']}")
        print(f"    marts                  {last_full['marts_s']:.2f} s")
        print(f"  (s) read+store+join+grp  {s:7.2f} s  peak RSS {stored_rss:6.0f} MB   runs {[round(x, 2) for x in stored_s]}")
        print(f"  (a) bare read + group by {b:7.2f} s  peak RSS {bare_rss:6.0f} MB   runs {[round(x, 2) for x in bare_s]}")
        print(f"  (f) contract floor       {fl:7.2f} s  peak RSS {floor_rss:6.0f} MB   runs {[round(x, 2) for x in floor_s]}")
        print(f"  ratio run/(s) = {f / s:.1f} (goal <= {goal});  run/(a) = {f / b:.1f};  "
              f"peak RSS {'under' if full_rss < 3072 else 'OVER'} 3 GB")
        print(f"  floor (f)/(s) = {fl / s:.1f}: the goal leaves {max(goal - fl / s, 0):.1f} x (s) = "
              f"{max(goal * s - fl, 0):.2f} s for all the work beyond the floor;  run/(f) = {f / fl:.1f}")
        print(f"  totals agree: {last_full['total_emissions_t_co2e']} t CO2e (run)")
        if floor["by_department"] != stored["by_department"]:
            print(f"  FLOOR DIFFERS from baseline (s): {floor['by_department']} vs {stored['by_department']}")
    if args.months:
        with tempfile.TemporaryDirectory(dir=OUT) as tmp:
            months, _ = measured(["--phase", "months", "--months", str(args.months), "--db", tmp])
        secs = months["seconds"]
        print(f"\ntwelve monthly files of {args.months:,} lines, ingest seconds: {[round(x, 2) for x in secs]}")
        print(f"  last three / first three = {sum(secs[-3:]) / sum(secs[:3]):.2f} (goal: about 1)")
    if args.years:
        with tempfile.TemporaryDirectory(dir=OUT) as tmp:
            years, _ = measured(["--phase", "years", "--years", str(args.years), "--year-lines", str(args.year_lines),
                                 "--db", tmp])
        secs = years["seconds"]
        print(f"\n{args.years} years of {args.year_lines:,} lines, each computed and published after the one before, "
              f"run seconds: {[round(x, 2) for x in secs]}")
        half = max(1, len(secs) // 2)
        print(f"  later half / first half = {sum(secs[-half:]) / sum(secs[:half]):.2f} (goal: about 1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
