"""Time the default demo generation and print sizes, totals per year and per kind (for docs/demo.md).

Usage: python bench/demo_data_bench.py [OUT_DIR]   (default bench/out/demo)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pipeline.demo import generator as dd
from pipeline.demo.catalogues import EXCLUDED_KINDS, MAPPED_KINDS


def main(argv: list[str]) -> int:
    """Generate the default demo into OUT_DIR twice; print seconds, sizes and totals; exit 1 if not identical."""
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).parent / "out" / "demo"
    times = []
    manifests = []
    for _ in range(2):
        start = time.perf_counter()
        manifests.append(dd.generate(out))
        times.append(time.perf_counter() - start)
    first, second = manifests
    print(f"generation: {times[0]:.2f} s, {times[1]:.2f} s (2 runs); identical: {first.to_json() == second.to_json()}")
    for f in first.files:
        size = (out / f.name).stat().st_size
        print(f"{f.name:28s} {size / 1e6:6.2f} MB {f.rows:7d} rows {f.total_amount_sek / 1e6:10.1f} MSEK"
              f"  rejected {f.rejected_rows}")
    for f in first.ledgers():
        mapped = sum(v["amount_sek"] for k, v in f.by_kind.items() if k in MAPPED_KINDS)
        excluded = sum(v["amount_sek"] for k, v in f.by_kind.items() if k in EXCLUDED_KINDS)
        print(f"\n{f.name}: loaded {f.loaded_amount_sek / 1e6:.1f} MSEK = mapped {mapped / 1e6:.1f} + excluded "
              f"{excluded / 1e6:.1f}")
        for kind, v in f.by_kind.items():
            print(f"  {kind:15s} {v['rows']:6d} rows {v['amount_sek'] / 1e6:9.1f} MSEK "
                  f"{100 * v['amount_sek'] / f.loaded_amount_sek:5.1f} %")
    return 0 if first.to_json() == second.to_json() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
