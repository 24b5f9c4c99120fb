"""Benchmark: ingest and validate a generated 1,000,000-line Swedish CSV and a 100,000-line xlsx.

Usage: python bench/bench_ingest.py [--lines N] [--xlsx-lines N] [--out DIR] [--keep] [--parse-ab N [FILE ...]]
Prints, per file: total time, the split parse / normalise / validate / load (IngestResult.timings),
rows per second, peak memory (RSS high-water mark of this process) and the machine load.
--parse-ab N times the read of the CSV (or of the FILEs, read one after the other) N times each way, alternating:
the file scan (sha256, UTF-8, line structure) before DuckDB's read, and DuckDB's read while the scan runs (what
ingest does); it prints each time with the machine's idle share and the medians.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

DEPARTMENTS = ["Kommunledningsförvaltningen", "Socialförvaltningen", "Barn- och utbildningsförvaltningen",
               "Tekniska förvaltningen", "Kultur- och fritidsförvaltningen", "Miljö- och byggförvaltningen",
               "Servicekontoret", "Räddningstjänsten", "Vård- och omsorgsförvaltningen"]
ACCOUNTS = ["4010", "4020", "4110", "4610", "4620", "4640", "4650", "5410", "5460", "6110", "6150", "6210",
            "6310", "6420", "6461", "6540", "6571", "6910", "7010", "7130", "7310", "7620"]
SUPPLIERS = [f"Leverantör {i} AB" for i in range(1, 801)]
TEXTS = ["Köpt vård", "Livsmedel", "Elenergi", "Skolskjuts", "Kontorsmaterial", "Konsulttjänst", "Städning",
         "Byggentreprenad", "Datorer", "Hyra lokal", "Resor", "Möbler åt förskola"]


def luhn_org(prefix9: str) -> str:
    """Return a valid organisationsnummer NNNNNN-NNNN for 9 leading digits (Luhn check digit)."""
    total = 0
    for i, ch in enumerate(prefix9):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    check = (10 - total % 10) % 10
    digits = prefix9 + str(check)
    return f"{digits[:6]}-{digits[6:]}"


def swedish_amount(value: float) -> str:
    """Return `value` as Swedish text: space thousands separator, decimal comma, leading minus."""
    text = f"{abs(value):,.2f}".replace(",", " ").replace(".", ",")
    return ("-" if value < 0 else "") + text


def generate_csv(path: Path, lines: int, seed: int = 1) -> None:
    """Write `lines` ledger lines as a cp1252, ';'-separated CSV with decimal commas."""
    rnd = random.Random(seed)
    orgs = [luhn_org(f"55{rnd.randrange(10**7):07d}") for _ in SUPPLIERS]
    with open(path, "w", encoding="cp1252", newline="") as fh:
        fh.write("Bokföringsdatum;Konto;Ansvar;Förvaltning;Verksamhet;Projekt;Leverantör;Organisationsnummer;"
                 "Fakturanummer;Text;Belopp\r\n")
        out = []
        for i in range(lines):
            s = rnd.randrange(len(SUPPLIERS))
            amount = round(rnd.lognormvariate(7, 1.5) * (-1 if rnd.random() < 0.03 else 1), 2)
            out.append(f"2024-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d};{rnd.choice(ACCOUNTS)};"
                       f"{rnd.randint(10000, 99999)};{rnd.choice(DEPARTMENTS)};{rnd.randint(100, 999)};;"
                       f"{SUPPLIERS[s]};{orgs[s]};F{i + 1:08d};{rnd.choice(TEXTS)};{swedish_amount(amount)}\r\n")
            if len(out) == 50_000:
                fh.write("".join(out))
                out = []
        fh.write("".join(out))


def generate_xlsx(path: Path, lines: int, seed: int = 2) -> None:
    """Write `lines` ledger lines to an xlsx sheet below two title rows (numbers and dates as typed cells)."""
    from datetime import date

    from openpyxl import Workbook

    rnd = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Leverantörsreskontra")
    ws.append(["Leverantörsfakturor 2024, Älvby kommun"])
    ws.append([])
    ws.append(["Bokföringsdatum", "Konto", "Förvaltning", "Leverantör", "Organisationsnummer", "Fakturanummer",
               "Text", "Belopp"])
    orgs = [luhn_org(f"55{rnd.randrange(10**7):07d}") for _ in SUPPLIERS]
    for i in range(lines):
        s = rnd.randrange(len(SUPPLIERS))
        ws.append([date(2024, rnd.randint(1, 12), rnd.randint(1, 28)), int(rnd.choice(ACCOUNTS)),
                   rnd.choice(DEPARTMENTS), SUPPLIERS[s], orgs[s], f"F{i + 1:08d}", rnd.choice(TEXTS),
                   round(rnd.lognormvariate(7, 1.5), 2)])
    wb.save(path)


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(path: Path, year: int) -> dict:
    """Ingest `path` into a fresh database file; return the IngestResult as a dict plus wall time."""
    from pipeline import store
    from pipeline.ingest import IngestOptions, ingest_file

    db = path.with_suffix(".duckdb")
    for p in (db, Path(str(db) + ".wal")):
        if p.exists():
            p.unlink()
    con = store.connect(db)
    try:
        t0 = time.perf_counter()
        result = ingest_file(con, path, IngestOptions(year=year))
        wall = time.perf_counter() - t0
    finally:
        con.close()
        db.unlink(missing_ok=True)
    return {**result.as_dict(), "wall_s": wall}


def report(label: str, res: dict) -> None:
    """Print one benchmark line block."""
    t = res["timings_s"]
    split = " / ".join(f"{k} {t.get(k, 0):.2f}" for k in ("parse", "normalise", "validate", "load"))
    print(f"{label}: {res['rows_read']:,} rows in {res['wall_s']:.2f} s  ({split} s)  "
          f"{res['rows_read'] / res['wall_s']:,.0f} rows/s; loaded {res['rows_loaded']:,}, "
          f"quarantined {res['rows_rejected']:,}; peak RSS so far {peak_rss_mb():,.0f} MB")


def _cpu_ticks() -> list[int]:
    with open("/proc/stat") as fh:
        return [int(x) for x in fh.readline().split()[1:]]


def parse_ab(paths: list[Path], repeat: int) -> dict[str, list[float]]:
    """Time reading `paths` into a DuckDB table `repeat` times each way (scan first / read while scanning);
    return the wall seconds per way."""
    import statistics

    import duckdb

    from pipeline.ingest import textfile
    from pipeline.ingest.readers import ReadOptions, read_table

    con = duckdb.connect()
    times: dict[str, list[float]] = {"scan, then read": [], "read while scanning": []}
    ways = list(times)
    for rep in range(repeat):
        for way in ways if rep % 2 == 0 else ways[::-1]:
            before, t = _cpu_ticks(), time.perf_counter()
            for path in paths:
                scan = textfile.scan_file(path) if way == ways[0] else textfile.start_scan(path)
                read_table(con, path, table="raw", display_name=path.name, options=ReadOptions(scan=scan))
                if isinstance(scan, textfile.ScanInProgress):
                    scan.result()
            wall = time.perf_counter() - t
            ticks = [b - a for a, b in zip(before, _cpu_ticks())]
            times[way].append(wall)
            print(f"{way:20s} {wall:6.2f} s  (machine idle {(ticks[3] + ticks[4]) / max(sum(ticks), 1):.0%})")
    for way, walls in times.items():
        print(f"{way:20s} median {statistics.median(walls):.2f} s, min {min(walls):.2f} s")
    con.close()
    return times


def main(argv: list[str] | None = None) -> int:
    """Generate the files (unless present), ingest each one, print figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--xlsx-lines", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "klimatspend-bench")
    ap.add_argument("--only", choices=["csv", "xlsx"])
    ap.add_argument("--parse-ab", type=int, metavar="N", help="time the read both ways N times (see above)")
    ap.add_argument("files", nargs="*", type=Path, help="with --parse-ab: CSV files to read instead of the generated one")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; cpus: {os.cpu_count()}")
    csv_path = args.out / f"ledger_{args.lines}.csv"
    xlsx_path = args.out / f"ledger_{args.xlsx_lines}.xlsx"
    if args.parse_ab and args.files:
        parse_ab(args.files, args.parse_ab)
        return 0
    if args.only != "xlsx" and not csv_path.exists():
        t = time.perf_counter()
        generate_csv(csv_path, args.lines)
        print(f"generated {csv_path} ({csv_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
    if args.only != "csv" and not xlsx_path.exists():
        t = time.perf_counter()
        generate_xlsx(xlsx_path, args.xlsx_lines)
        print(f"generated {xlsx_path} ({xlsx_path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
    if args.parse_ab:
        parse_ab([csv_path], args.parse_ab)
        return 0
    t, c = time.perf_counter(), time.process_time()
    # imported once, outside the timed ingest, the way an ingest imports it (scipy.stats and altair deferred)
    from pipeline.ingest.validate import import_contract
    import_contract()
    print(f"import great_expectations: wall {time.perf_counter() - t:.1f} s, CPU {time.process_time() - c:.1f} s "
          "(not counted below)")
    if args.only != "xlsx":
        report("csv ", run_one(csv_path, 2024))
    if args.only != "csv":
        report("xlsx", run_one(xlsx_path, 2024))
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
