"""`klimatspend compare RUN_A RUN_B`: differences between two runs by department, category or organisation."""

from __future__ import annotations

import csv
import sys

from ..engine.compare import GROUPINGS
from ..config import resolve_db_path
from . import add_db_option, print_json
from ._output import fmt_number, print_table, texts


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
        names = _names(con)
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
    _print_comparison(args, result, rows, names)
    return 0


def _names(con) -> dict:
    """Return the names a reader sees: organisations, departments and categories ({id: {sv, en}})."""
    from ..organisations import department_names, organisation_names

    return {"org": organisation_names(con), "dept": department_names(con), "category": {
        c: {"sv": sv, "en": en} for c, sv, en in con.execute(
            "select category_id, name_sv, name_en from category").fetchall()}}


def _print_comparison(args, result: dict, rows: list[dict], names: dict) -> None:
    """Print totals, changed settings and the rows in the CLI's language; groups and settings by name."""
    from ..organisations import department_label

    lab = texts()
    t = result["totals"]

    def pct(value) -> str:
        return "-" if value is None else f"{fmt_number(value, 1, signed=True)} %"

    def word(value) -> str:
        if isinstance(value, bool):
            return lab[f"yes_no_{str(value).lower()}"]
        if isinstance(value, str) and f"convention_short_{value}" in lab.keys():
            return lab[f"convention_short_{value}"]
        return "-" if value is None else str(value)

    def cell(key, row):
        value = row.get(key)
        if key == "organisation_id":
            return names["org"].get(value) or value
        if key == "department":
            return department_label(names["dept"], row.get("organisation_id"), value) or lab["unknown_department"]
        if key == "category_id":
            return (names["category"].get(value) or {}).get(lab.lang) or value
        return word(value) if isinstance(value, bool) or value is None else value

    print(lab.t("cli_compare_totals", a=args.run_a, b=args.run_b, t_a=fmt_number(t["emissions_a_kg_co2e"] / 1000, 1),
                t_b=fmt_number(t["emissions_b_kg_co2e"] / 1000, 1),
                diff=fmt_number(t["difference_kg_co2e"] / 1000, 1, signed=True), pct=pct(t["difference_pct"])))
    for key, (a, b) in result["changed"].items():
        name = key.removeprefix("settings.")
        label = lab[f"cli_setting_{name}"] if f"cli_setting_{name}" in lab.keys() else name
        print(lab.t("cli_compare_changed", setting=label, a=word(a), b=word(b)))
    keys = GROUPINGS[args.by][1]
    print_table([*(lab[f"cli_compare_h_{k}"] for k in keys), lab["cli_compare_h_a"], lab["cli_compare_h_b"],
                 lab["cli_compare_h_diff"], lab["cli_compare_h_pct"]],
                [[*(cell(k, r) for k in keys), fmt_number(r["emissions_a_kg_co2e"] / 1000, 1),
                  fmt_number(r["emissions_b_kg_co2e"] / 1000, 1), fmt_number(r["difference_kg_co2e"] / 1000, 1),
                  pct(r["difference_pct"])] for r in rows],
                align="l" * len(keys) + "rrrr")
