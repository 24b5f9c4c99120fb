"""The demo municipality's carbon budget, measures and investment plan (files in pipeline/demo/inputs/),
and the follow-up lines `klimatspend demo` prints."""

from __future__ import annotations

from pathlib import Path

import duckdb

from .. import numbers
from ..budget import definitions, overview
from ..budget import store as budget_store
from ..i18n import labels
from ..investments import ensure_taxonomy, plan, summary
from ..organisations import department_label, department_names

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


def demo_summary(con: duckdb.DuckDBPyConnection, year: int, lang: str = "en") -> list[str]:
    """Return a few printable lines for the demo in `lang` (sv, en): budget verdict, departments behind, green share
    and the gap; numbers in the terminal's plain style of that language."""
    lab = labels(lang)
    style = numbers.PLAIN_SV if lab.lang == "sv" else numbers.PLAIN

    def num(value, decimals: int = 0) -> str:
        return numbers.fmt_number(value, decimals, style)

    ov = overview.budget_overview(con, year)
    names = department_names(con)
    lines = []
    for b in ov["budgets"]:
        if b["perspective"] != "organisation":
            continue
        if "error" in b:
            lines.append(lab.t("demo_budget_error", name=b["name"], error=b["error"]))
            continue
        fu = b["follow_up"]
        lines.append(lab.t("demo_budget_line", name=b["name"], path=b["path"]["describe"][lab.lang], year=year,
                           actual=num(fu["actual_t"]), budget=num(fu["budget_t"]), remaining=num(fu["remaining_t"]),
                           verdict=fu[f"verdict_{lab.lang}"]))
        behind = [department_label(names, d["organisation_id"], d["department"]) or d["organisation_id"]
                  for d in b.get("departments") or [] if d["status"] in ("behind", "over_budget")]
        if b.get("departments"):
            lines.append(lab.t("demo_departments_behind", n=len(behind), total=len(b["departments"]),
                               names=f" ({', '.join(behind)})" if behind else ""))
    s = summary(con, year)
    share = {r["year"]: r for r in s["green_share"]["by_year"]}
    for y in sorted(share):
        r = share[y]
        if r["planned_green_share"] is not None and y >= year:
            lines.append(lab.t("demo_green_share", year=y, share=num(r["planned_green_share"] * 100, 1),
                               green=num(r["planned_green_sek"] / 1e6, 1), planned=num(r["planned_sek"] / 1e6, 1)))
    if s["gap"]:
        g = s["gap"]
        first = next((r for r in g["rows"] if r["gap_t"] is not None), None)
        if first:
            closes = (lab.t("demo_gap_closes", year=g["closes_from"]) if g["closes_from"]
                      else lab.t("demo_gap_open", year=g["horizon_year"]))
            lines.append(lab.t("demo_gap", year=first["year"], gap=num(first["gap_t"]),
                               abatement=num(first["abatement_t"]), closes=closes))
    return lines
