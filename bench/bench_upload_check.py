"""Benchmark: what reading an upload in a limited child process costs, and what the server's read-only copy costs.

For each file: the web check in this process (pipeline.web.uploads.check_task, run twice, the second time with
every module imported) against the same check in the child process (pipeline.web.upload_check.run_check, with
its memory limit) started for it (cold) and started ahead (warm: what `klimatspend serve` does), and the
workbook size check alone for xlsx files. Then the read-only copy the server keeps
for CLI readers (pipeline.store.write_snapshot) of a database, if one is given.

Usage: python bench/bench_upload_check.py FILE [FILE ...] [--db DATABASE] [--memory-mb MB]
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import store  # noqa: E402
from pipeline.config import ReadLimits  # noqa: E402
from pipeline.ingest import IngestOptions  # noqa: E402
from pipeline.ingest.readers import MAX_COLUMNS  # noqa: E402
from pipeline.ingest.workbook_check import check_workbook  # noqa: E402
from pipeline.web import upload_check, uploads  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--db", type=Path, help="a database whose read-only copy is timed")
    ap.add_argument("--memory-mb", type=int, default=ReadLimits().read_memory_mb)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="klimatspend-bench-check-"))
    limits = ReadLimits(read_memory_mb=args.memory_mb)
    print(f"{'file':<32} {'in process s':>12} {'cold child s':>12} {'warm child s':>12} {'workbook check s':>16}"
          "  status")
    for src in args.files:
        path = folder / ("a" * 32 + ".upload")
        shutil.copy(src, path)
        opts = IngestOptions(organisation_id="bench", year=None, display_name=src.name)
        task = {"path": str(path), "options": uploads._plain(dataclasses.asdict(opts)),
                "findings_path": str(folder / "f.csv"), "keys_path": str(folder / "k.parquet")}
        uploads.check_task(task)                                  # imports everything once
        started = time.perf_counter()
        result = uploads.check_task(task)
        in_process = time.perf_counter() - started
        try:
            outcome = upload_check.run_check(task, folder / "r.json", limits, src.name)
            child, status = f"{outcome.seconds:.2f}", outcome.result["status"]
        except upload_check.ReadLimitError as exc:
            child, status = "failed", str(exc)[:80]
        upload_check.prestart(limits)
        time.sleep(15)                       # the child started ahead has imported everything by now
        try:
            warm = f"{upload_check.run_check(task, folder / 'r.json', limits, src.name, warm=True).seconds:.2f}"
        except upload_check.ReadLimitError:
            warm = "failed"
        upload_check.shutdown()
        wb = ""
        if src.suffix.lower() == ".xlsx":
            started = time.perf_counter()
            check_workbook(path, src.name, limits, MAX_COLUMNS)
            wb = f"{time.perf_counter() - started:.2f}"
        print(f"{src.name[:32]:<32} {in_process:>12.2f} {child:>12} {warm:>12} {wb:>16}  {status} / {result['status']}")
    if args.db:
        copy = folder / args.db.name
        shutil.copy(args.db, copy)
        con = store.connect(copy)
        lines = con.execute("select count(*) from ledger_line").fetchone()[0]
        started = time.perf_counter()
        snap = store.write_snapshot(con, copy)
        seconds = time.perf_counter() - started
        con.close()
        print(f"read-only copy of {args.db.name} ({lines:,} ledger lines, {copy.stat().st_size / 2**20:.0f} MB): "
              f"{seconds:.2f} s, {snap.stat().st_size / 2**20:.0f} MB")
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
