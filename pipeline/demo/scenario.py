"""The demo municipality's carbon budget, measures and investment plan (files in pipeline/demo/inputs/),
and the follow-up lines `klimatspend demo` prints."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..budget import definitions, overview
from ..budget import store as budget_store
from ..investments import ensure_taxonomy, plan, summary

DEMO_DIR = Path(__file__).resolve().parent / "inputs"


def demo_inputs_dir() -> Path:
    """Directory of the demo municipality's budget definition, measures, employees and investment plan."""
    return DEMO_DIR


def load_demo_inputs(con: duckdb.DuckDBPyConnection, directory: Path | None = None) -> dict:
    """Import the demo budget definition (budget.toml and its tables) and investment plan into `con`; return counts."""
    base = directory or DEMO_DIR
    defn = definitions.load_definition(base / "budget.toml")
    counts = budget_store.save_definition(con, defn, source_file="budget.toml", imported_by="klimatspend demo")
    ensure_taxonomy(con)
    green_ids = {c["category_id"] for c in plan.taxonomy(con)}
    counts["investments"] = plan.save_plan(con, plan.read_plan(base / "investment_plan.csv", green_ids),
                                           imported_by="klimatspend demo")
    return counts


def demo_summary(con: duckdb.DuckDBPyConnection, year: int) -> list[str]:
    """Return a few printable lines for the demo: budget verdict, departments behind, green share and the gap."""
    ov = overview.budget_overview(con, year)
    lines = []
    for b in ov["budgets"]:
        if b["perspective"] != "organisation":
            continue
        if "error" in b:
            lines.append(f"Carbon budget {b['name']}: not followed up ({b['error']})")
            continue
        fu = b["follow_up"]
        lines.append(f"Carbon budget {b['name']} ({b['path']['describe']['en']}): {year} actual "
                     f"{fu['actual_t']:,.0f} t against {fu['budget_t']:,.0f} t; remaining {fu['remaining_t']:,.0f} t; "
                     f"{fu['verdict_en']}")
        behind = [d["department"] or d["organisation_id"] for d in b.get("departments") or []
                  if d["status"] in ("behind", "over_budget")]
        if b.get("departments"):
            lines.append(f"  departments behind: {len(behind)} of {len(b['departments'])}"
                         + (f" ({', '.join(behind)})" if behind else ""))
    s = summary(con, year)
    share = {r["year"]: r for r in s["green_share"]["by_year"]}
    for y in sorted(share):
        r = share[y]
        if r["planned_green_share"] is not None and y >= year:
            lines.append(f"Green share of planned investments {y}: {r['planned_green_share'] * 100:.1f} % "
                         f"({r['planned_green_sek'] / 1e6:,.1f} of {r['planned_sek'] / 1e6:,.1f} MSEK)")
    if s["gap"]:
        g = s["gap"]
        first = next((r for r in g["rows"] if r["gap_t"] is not None), None)
        if first:
            lines.append(f"Budget gap {first['year']}: {first['gap_t']:,.0f} t; the investment plan avoids "
                         f"{first['abatement_t']:,.0f} t that year; "
                         + (f"it closes the gap from {g['closes_from']}" if g["closes_from"]
                            else f"it does not close the gap by {g['horizon_year']}"))
    return lines
