"""`klimatspend compare RUN_A RUN_B`: differences between two runs by department, category or organisation."""

from __future__ import annotations

import csv
import sys

from ..engine.compare import GROUPINGS
from ..config import resolve_db_path
from . import add_db_option, print_json
from ._output import fmt_number, print_table


def register(sub) -> None:
    """Add the `compare` verb."""
    p = sub.add_parser("compare", help="compare two runs (e.g. after a factor update)",
                       description="Show what differs between two runs: the versions and settings used, the totals, "
                                   "and emissions per department, category, organisation, supplier, account or "
                                   "scope in absolute terms and in per cent of run A.")
    p.add_argument("run_a", type=int, metavar="RUN_A", help="the reference run")
    p.add_argument("run_b", type=int, metavar="RUN_B", help="the run compared with it")
    p.add_argument("--by", choices=list(GROUPINGS), default="department", help="grouping (default: department)")
    p.add_argument("--limit", type=int, default=0, help="only the N largest differences")
    add_db_option(p)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print as JSON")
    fmt.add_argument("--csv", action="store_true", help="print the rows as CSV")
    p.set_defaults(func=run)


def run(args) -> int:
    """Print the comparison."""
    from .. import store
    from ..engine.compare import compare_runs

    con = store.connect(resolve_db_path(args.db))
    try:
        result = compare_runs(con, args.run_a, args.run_b, args.by)
    finally:
        con.close()
    rows = result["rows"][: args.limit] if args.limit else result["rows"]
    if args.json:
        print_json(result | {"rows": rows, "changed": {k: list(v) for k, v in result["changed"].items()}})
        return 0
    if args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0].keys()) if rows else ["empty"])
        writer.writeheader()
        writer.writerows(rows)
        return 0
    t = result["totals"]
    print(f"run {args.run_a} -> run {args.run_b}: {fmt_number(t['emissions_a_kg_co2e'] / 1000, 1)} -> "
          f"{fmt_number(t['emissions_b_kg_co2e'] / 1000, 1)} t CO2e ({fmt_number(t['difference_kg_co2e'] / 1000, 1)} t, "
          + (f"{t['difference_pct']:+.1f} %)" if t["difference_pct"] is not None else "n/a)"))
    for key, (a, b) in result["changed"].items():
        print(f"  changed {key}: {a} -> {b}")
    keys = GROUPINGS[args.by][1]
    print_table([*keys, "t CO2e A", "t CO2e B", "difference t", "difference %"],
                [[*(r[k] for k in keys), fmt_number(r["emissions_a_kg_co2e"] / 1000, 1),
                  fmt_number(r["emissions_b_kg_co2e"] / 1000, 1), fmt_number(r["difference_kg_co2e"] / 1000, 1),
                  "-" if r["difference_pct"] is None else f"{r['difference_pct']:+.1f} %"] for r in rows],
                align="l" * len(keys) + "rrrr")
    return 0
