"""Benchmark: the overlap check costs in proportion to the new file, not to everything loaded.

Loads Y years of generated ledgers (N lines each, one organisation), then compares a re-export of the last year
with the loaded batches (pipeline.ingest.overlap.compare: rows new / same / changed / gone), after 1, 3 and Y
years are loaded. For contrast it times the check this replaced: the join of the new file's lines against every
loaded line of the organisation (the duplicate-of-loaded query of the earlier validate.sql_checks).

Usage: python bench/bench_overlap.py [--lines N] [--years Y] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_ingest import generate_csv  # noqa: E402

from pipeline import store  # noqa: E402
from pipeline.ingest import IngestOptions, ingest_file, overlap  # noqa: E402

OLD_JOIN = """
    with mine as (
        select source_row, invoice_id, account, amount, day_from as posting_date from {lines}
    ),
    loaded as (
        select l.batch_id, l.invoice_id, l.account, l.amount, l.posting_date
        from ledger_line l join ledger_batch b using (batch_id)
        where b.status = 'loaded' and b.organisation_id = 'bench'
    )
    select count(*) from mine m join loaded o
      on o.invoice_id = m.invoice_id and o.account = m.account and o.amount = m.amount
     and o.posting_date is not distinct from m.posting_date
"""


def year_file(folder: Path, year: int, lines: int) -> Path:
    path = folder / f"ledger_{year}.csv"
    if not path.exists():
        generate_csv(path, lines, seed=year)
        data = path.read_bytes().replace(b"\r\n2024-", f"\r\n{year}-".encode())
        path.write_bytes(data)
    return path


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--years", type=int, default=6)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    folder = Path(args.out or tempfile.mkdtemp(prefix="klimatspend-bench-overlap-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bench.duckdb"
    db.unlink(missing_ok=True)
    con = store.connect(db)
    last = 2024
    years = list(range(last - args.years + 1, last + 1))
    # the re-export to compare: the keys of the last year's lines (as the web check writes them)
    print(f"{args.lines:,} lines per year; comparing a re-export of {last} ({args.lines:,} lines)")
    print(f"{'years loaded':>12}  {'lines loaded':>12}  {'candidates':>10}  {'compare s':>9}  {'old join s':>10}")
    loaded = []
    checkpoints = sorted({1, min(3, args.years), args.years})
    for year in [last] + [y for y in years if y != last]:
        ingest_file(con, year_file(folder, year, args.lines),
                    IngestOptions(organisation_id="bench", year=year, create_organisation=True))
        loaded.append(year)
        if len(loaded) not in checkpoints:
            continue
        batch = con.execute("select batch_id from ledger_batch where fiscal_year = ? and status = 'loaded'",
                            [last]).fetchone()[0]
        keys = overlap.write_batch_keys(con, batch, folder / "keys.parquet")
        con.execute(f"create or replace temp table new_lines as select k.*, l.invoice_id, l.account from "
                    f"{overlap.keys_relation(keys)} k join ledger_line l on l.batch_id = {batch} "
                    "and l.source_row = k.source_row")
        found = overlap.compare(con, "new_lines", "bench")
        n_candidates = len(overlap.candidates(con, "new_lines", "bench"))
        assert found.kind == "identical", found.as_dict()
        t_new = timed(lambda: overlap.compare(con, "new_lines", "bench"))
        t_old = timed(lambda: con.execute(OLD_JOIN.format(lines="new_lines")).fetchone())
        total = con.execute("select count(*) from ledger_line").fetchone()[0]
        print(f"{len(loaded):>12}  {total:>12,}  {n_candidates:>10}  {t_new:>9.3f}  {t_old:>10.3f}")
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
