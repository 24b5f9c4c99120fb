"""The HTML climate report: one self-contained file (inline CSS and SVG charts, no scripts, nothing fetched).

Input: a `ReportData` and a language; output: an .html file rendered from `reports/html/report.html.j2`
with Jinja2 (autoescape on, so ledger text is always HTML-escaped). Charts are inline SVG drawn by
pipeline.charts. A Content-Security-Policy meta tag forbids the page from loading anything. Also
`write_reports(con, year, out_dir, lang)`: both reports (xlsx and html) of a year into a folder.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .. import __version__
from . import charts
from ..errors import KlimatspendError, UsageError
from ..i18n import Labels, glossary, labels as get_labels, localised
from ..numbers import fmt_msek, fmt_number, fmt_percent, fmt_runs_out, fmt_sek, fmt_tonnes
from .data import TOP_SUPPLIERS, ReportData, gather, headline, mapping_text, pricing_summary, tail_spend_text
from ..resources import reports_dir

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
FORMATS = ("xlsx", "html")


def _environment(lang: str) -> Environment:
    env = Environment(loader=FileSystemLoader(str(reports_dir() / "html")),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda v, d=0, signed=False: fmt_number(v, d, lang, signed=signed)
    env.filters["pct"] = lambda v, d=1, signed=False: fmt_percent(v, d, lang, signed=signed)
    env.filters["t"] = lambda kg, d=None, signed=False: fmt_tonnes(kg, d, lang, signed=signed)
    env.filters["sek"] = lambda v: fmt_sek(v, lang)
    env.filters["msek"] = lambda v: fmt_msek(v, lang)
    env.globals["runs_out"] = lambda value, lo=None, hi=None, ranged=False: fmt_runs_out(value, lang, lo, hi,
                                                                                      ranged=ranged)
    env.globals["tr"] = lambda d, key: localised(d, key, lang) or ""
    env.globals["status_label"] = lambda status, lab=get_labels(lang): lab.status(status) or ""
    env.filters["raw"] = lambda v: "" if v is None else repr(float(v)) if isinstance(v, (int, float)) else str(v)
    return env


def _tonne_decimals(values_kg: list[float]) -> int:
    biggest = max([abs(v) for v in values_kg if v is not None] or [0.0]) / 1000
    return 0 if biggest >= 100 else (1 if biggest >= 1 else 2)


def build_charts(data: ReportData, lab: Labels) -> dict[str, Markup]:
    """Return the report's SVG charts (departments, categories, suppliers, months, coverage, budget/history)."""
    lang = lab.lang
    out: dict[str, Markup] = {}
    deps = data.departments
    d_dec = _tonne_decimals([d["emissions_upper_kg_co2e"] for d in deps])
    multi = data.multiple_organisations
    out["departments"] = Markup(charts.hbar_chart(
        [{"label": (data.department_name(d["organisation_id"], d["department"]) or lab["unknown_department"])
          + (f" ({data.organisation_name(d['organisation_id'])})" if multi else ""),
          "value": d["emissions_kg_co2e"] / 1000, "lower": d["emissions_lower_kg_co2e"] / 1000,
          "upper": d["emissions_upper_kg_co2e"] / 1000} for d in deps],
        title=lab["chart_departments"], lang=lang, decimals=d_dec, label_width=300))
    cats = data.categories
    out["categories"] = Markup(charts.hbar_chart(
        [{"label": c.get(f"category_name_{lang}") or c["category_id"] or lab["unclassified_category"],
          "value": (c["emissions_kg_co2e"] or 0) / 1000,
          "lower": (c["emissions_lower_kg_co2e"] or 0) / 1000, "upper": (c["emissions_upper_kg_co2e"] or 0) / 1000}
         for c in cats],
        title=lab["chart_categories"], lang=lang, decimals=_tonne_decimals([c["emissions_upper_kg_co2e"] for c in cats])))
    top = data.suppliers[:TOP_SUPPLIERS]
    out["suppliers"] = Markup(charts.hbar_chart(
        [{"label": s["supplier_name"] or s["supplier_key"], "value": (s["emissions_kg_co2e"] or 0) / 1000}
         for s in top],
        title=lab["chart_suppliers"], lang=lang, decimals=_tonne_decimals([s["emissions_kg_co2e"] for s in top]),
        label_width=300))
    out["months"] = Markup(charts.column_chart(
        [{"label": m["period"] or "–", "value": m["emissions_kg_co2e"] / 1000} for m in data.months],
        title=lab["chart_months"], lang=lang, decimals=_tonne_decimals([m["emissions_kg_co2e"] for m in data.months])))
    out["coverage"] = Markup(charts.share_bar(
        [{"label": lab.rule_level(c["rule_level"]), "value": c["spend_sek"],
          "color": _LEVEL_COLORS.get(c["rule_level"], charts.MUTED)} for c in data.coverage],
        title=lab["chart_coverage"], lang=lang))
    history_band = {"name": lab["uncertainty_range"],
                    "points": [(h["year"], h["emissions_lower_kg_co2e"] / 1000, h["emissions_upper_kg_co2e"] / 1000)
                               for h in data.history]}
    actual = {"name": lab["actual"], "color": charts.PRIMARY,
              "points": [(h["year"], h["total_emissions_kg_co2e"] / 1000) for h in data.history]}
    if data.budget and not data.budget.get("error"):
        b = data.budget
        years = sorted({y["year"] for y in b["years"]} | {h["year"] for h in data.history})
        actual_by_year = {h["year"]: h["total_emissions_kg_co2e"] / 1000 for h in data.history}
        actual_by_year.update({y["year"]: y["actual_t"] for y in b["years"] if y.get("actual_t") is not None})
        budget_pts = [(y["year"], y["budget_t"]) for y in b["years"]]
        series = [{"name": lab["budget_path"], "points": budget_pts, "color": charts.BUDGET, "dashed": True},
                  {"name": lab["actual"], "color": charts.PRIMARY,
                   "points": [(y, actual_by_year.get(y)) for y in years]}]
        trend = [(y["year"], y["trend_t"]) for y in b["years"] if y.get("trend_t") is not None]
        if trend:
            last = max((y for y in years if actual_by_year.get(y) is not None), default=None)
            start = [(last, actual_by_year[last])] if last is not None and last < trend[0][0] else []
            series.append({"name": lab["trend"], "points": start + trend, "color": charts.MUTED, "dashed": True})
        runs_out = b.get("runs_out_year")
        out["budget"] = Markup(charts.line_chart(
            series, band=history_band, title=lab["chart_budget"], lang=lang, marker_x=runs_out,
            marker_label=f"{lab['runs_out_year']} {runs_out}" if runs_out else "", y_unit=lab["unit_t_short"]))
    else:
        out["history"] = Markup(charts.line_chart([actual], band=history_band, title=lab["chart_history"], lang=lang,
                                                 y_unit=lab["unit_t_short"]))
        out["budget"] = Markup("")
    return out


_LEVEL_COLORS = {
    "supplier": "#0f4d3c", "supplier_industry": "#1d6f58", "activity": "#2f8a70", "account_keyword": "#4f9d9a",
    "account_text": "#6aae9c", "account": "#8fbfae", "account_group": "#c4dcd3", "default": "#e0a526",
    "unmapped": "#b03a2e",
    "excluded": "#b8c2cc",
}


def render_html(data: ReportData, lang: str = "sv") -> str:
    """Return the HTML report for `data` in `lang` as one self-contained document."""
    data = data.in_currency()       # the run's figures in the ledger's currency (GBP for a UK council)
    lab = get_labels(lang).for_currency(data.currency)
    env = _environment(lab.lang)
    css = (reports_dir() / "html" / "report.css").read_text(encoding="utf-8")
    template = env.get_template("report.html.j2")
    category_names = {c["category_id"]: c.get(f"category_name_{lab.lang}") or c["category_id"]
                      for c in data.categories}
    def set_name(alt: dict) -> str:
        key = f"set_short_{alt['factor_set_id']}"
        return lab[key] if key in lab.keys() else alt["name"]

    return template.render(
        d=data, h=headline(data), L=lab, mapping=mapping_text(data), pricing=pricing_summary(data), set_name=set_name,
        tail_spend=tail_spend_text(data), lang=lab.lang, css=Markup(css), csp=CSP, charts=build_charts(data, lab),
        top_suppliers=data.suppliers[:TOP_SUPPLIERS], glossary=glossary(lang), category_names=category_names, version=__version__,
        uncertainty=", ".join(f"±{fs['relative_uncertainty'] * 100:.0f} %" for fs in data.factor_sets
                              if fs.get("relative_uncertainty") is not None) or "–",
        unmapped_top=data.unmapped[:10], multi=data.multiple_organisations,
        dec={"departments": _tonne_decimals([r["emissions_upper_kg_co2e"] for r in data.departments]),
             "categories": _tonne_decimals([r["emissions_kg_co2e"] for r in data.categories]),
             "suppliers": _tonne_decimals([r["emissions_kg_co2e"] for r in data.suppliers[:TOP_SUPPLIERS]]),
             "budget": _tonne_decimals([1000 * (y.get("budget_t") or 0) for y in (data.budget or {}).get("years", [])]
                                       + [1000 * (r.get("budget_t") or 0)
                                          for r in (data.budget or {}).get("departments", [])])},
    )


def write_html(data: ReportData, path: str | Path, lang: str = "sv") -> Path:
    """Write the HTML report for `data` to `path` in `lang` (UTF-8); return the path."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(render_html(data, lang), encoding="utf-8")
    tmp.replace(path)
    return path


def report_basename(data: ReportData, lang: str) -> str:
    """Return the file name stem of a year's reports, e.g. 'klimatrapport_2024_sv'."""
    return f"klimatrapport_{data.year}_{lang}"


def write_reports(con, year: int | None, out_dir: str | Path, lang: str = "sv", *, formats=FORMATS,
                  run_id: int | None = None, organisation_id: str | None = None, budget: dict | None = None,
                  investments: dict | None = None, progress=None) -> list[Path]:
    """Write the year's reports (xlsx and/or html) into `out_dir` (created if missing); return the paths.

    `progress`, if given, is called with a short message before each step (the CLI prints it on stderr).
    """
    from .excel import write_workbook
    from .outputs import record_outputs
    from .sections import budget_section, investments_section

    lab = get_labels(lang)
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown report formats {sorted(unknown)}")
    say = progress or (lambda message: None)
    say(f"reading run for {year if year is not None else f'run {run_id}'}")
    data = gather(con, year, run_id=run_id, organisation_id=organisation_id, budget=budget, investments=investments,
                  budget_provider=budget_section, investments_provider=investments_section)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file, not a folder; choose a folder to write the reports into")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KlimatspendError(f"--out {out}: cannot create the folder ({exc.strerror}); choose another --out",
                               code="output-error") from None
    written: list[Path] = []
    stem = report_basename(data, lab.lang)
    try:
        if "xlsx" in formats:
            say(f"writing {stem}.xlsx")
            written.append(write_workbook(data, out / f"{stem}.xlsx", lab.lang))
        if "html" in formats:
            say(f"writing {stem}.html")
            written.append(write_html(data, out / f"{stem}.html", lab.lang))
    except OSError as exc:
        raise KlimatspendError(f"{exc.filename or out}: cannot write the report ({exc.strerror}); "
                               "check the folder's permissions and free space, or choose another --out",
                               code="output-error") from None
    record_outputs(con, data.run_id, written, lab.lang)
    return written
