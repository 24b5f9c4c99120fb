"""Time the validation of one ledger batch (the great-expectations suite and the SQL checks) on its own.

Ingests a ledger with dry_run (nothing stored); when the batch reaches validation, the typed table is
validated `--repeat` times and the wall and CPU seconds of each run are printed (the GX import is done
before timing). Usage:

    python bench/bench_validate.py /path/to/ledger_1000000.csv --repeat 3
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    """Run the timing; prints one line per repeat (wall s, CPU s) and the number of findings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("ledger", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--year", type=int, default=2024)
    args = parser.parse_args()

    t = time.perf_counter()
    c = time.process_time()
    from pipeline.ingest.validate import import_contract

    import_contract()   # timed on its own, imported the way ingest imports it (in the background)
    print(f"import great_expectations: wall {time.perf_counter() - t:.2f} s, CPU {time.process_time() - c:.2f} s")

    from pipeline import store
    from pipeline.ingest import IngestOptions, batches, ingest_file
    from pipeline.ingest import validate as validate_module

    original = validate_module.validate_batch

    def timed(con, typed_table, **kwargs):
        outcome = None
        for i in range(args.repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            children = resource.getrusage(resource.RUSAGE_SELF)
            outcome = original(con, typed_table, **kwargs)
            used = resource.getrusage(resource.RUSAGE_SELF)
            print(f"validate_batch run {i + 1}: wall {time.perf_counter() - wall:.2f} s, "
                  f"CPU {time.process_time() - cpu:.2f} s "
                  f"(user {used.ru_utime - children.ru_utime:.2f}, sys {used.ru_stime - children.ru_stime:.2f}), "
                  f"{len(outcome.findings)} findings")
        return outcome

    validate_module.validate_batch = timed
    with tempfile.TemporaryDirectory() as tmp:
        con = store.connect(Path(tmp) / "bench.duckdb")
        batches.ensure_organisation(con, "bench", "Bench kommun", "municipality", "212000-0000")
        result = ingest_file(con, args.ledger, IngestOptions(organisation_id="bench", year=args.year, dry_run=True))
        print(f"rows read {result.rows_read}, loaded {result.rows_loaded}, rejected {result.rows_rejected}; "
              f"{result.summary}")
        con.close()


if __name__ == "__main__":
    main()
