"""The year dashboard and the drill-down from department to ledger line.
"""

from __future__ import annotations

import json
import math

from starlette.responses import Response

from ...engine import marts
from ...i18n import glossary
from ...report.data import sensitivity
from .. import data
from ..routing import (ANY, Ctx, NotFound, as_float, csv_response, ledger_years, message, page, run_choices,
                       selected_run, url)


LEVEL_TITLES = {"department": "Departments", "category": "Categories", "account": "Accounts",
                "supplier": "Suppliers"}


def bars(rows: list[dict], label, value_key: str, *, href=None, limit: int = 15) -> list[dict]:
    """Return bar-chart items (label, value, width 0..1, href) for the largest `limit` rows by `value_key`."""
    items = [r for r in rows if (as_float(r.get(value_key)) or 0) > 0][:limit]
    top = max((as_float(r[value_key]) for r in items), default=0) or 1
    return [{"label": label(r), "value": as_float(r[value_key]), "width": as_float(r[value_key]) / top,
             "href": href(r) if href else None} for r in items]


@page("/dashboard", roles=ANY)
def dashboard(ctx: Ctx) -> Response:
    """The year dashboard: headline figures, emissions per department (chart and table), categories,
    suppliers, coverage, exclusions and months of one run."""
    run = selected_run(ctx)
    choices = run_choices(ctx)
    if run is None:
        return ctx.render("dashboard_empty.html", ledger_years=ledger_years(ctx),
                          may_run=ctx.user.can("reviewer"))
    rid = run["run_id"]
    totals = marts.read(ctx.con, "run_totals", rid)[0]
    departments = marts.read(ctx.con, "emissions_by_department", rid, order_by="emissions_kg_co2e desc")
    categories = marts.read(ctx.con, "emissions_by_category", rid, order_by="emissions_kg_co2e desc")
    suppliers = marts.read(ctx.con, "emissions_by_supplier", rid, order_by="emissions_kg_co2e desc")[:10]
    # the suppliers whose own data would change the result most: a list for supplier dialogue (issue 20)
    hotspots = marts.read(ctx.con, "supplier_hotspots", rid,
                          order_by="range_width_kg_co2e desc, emissions_kg_co2e desc, supplier_key")[:10]
    coverage = marts.read(ctx.con, "spend_coverage", rid, order_by="spend_sek desc")
    excluded = marts.read(ctx.con, "excluded_spend", rid, order_by="spend_sek desc")
    months = marts.read(ctx.con, "emissions_by_month", rid, order_by="period")
    organisations = marts.read(ctx.con, "emissions_by_organisation", rid,
                              order_by="is_group, emissions_kg_co2e desc") if not run["organisation_id"] else []
    compared = sensitivity(ctx.con, rid)
    estimates = [e for e in marts.read(ctx.con, "energy_estimates", rid, order_by="organisation_id, energy_kind")
                 if e["estimated_spend_sek"] and e["energy_kind"] != "other"]
    spend_in_scope = as_float(totals["total_spend_sek"]) or 0
    mapped = as_float(totals["mapped_spend_sek"]) or 0
    lang = ctx.lang

    def dep_label(r):
        return ctx.department(r["organisation_id"], r["department"])

    chart = bars(departments, dep_label, "emissions_kg_co2e",
                 href=lambda r: url("/drill", run=rid, department=r["department"] or data.NO_DEPARTMENT))
    cat_chart = bars(categories, lambda r: r["category_name_sv" if lang == "sv" else "category_name_en"]
                     or r["category_id"], "emissions_kg_co2e",
                     href=lambda r: url("/drill", run=rid, category=r["category_id"]))
    return ctx.render(
        "dashboard.html", run=run, totals=totals, departments=departments, categories=categories,
        suppliers=suppliers, hotspots=hotspots, coverage=coverage, organisations=organisations, excluded=excluded, months=months, chart=chart, cat_chart=cat_chart,
        coverage_share=(mapped / spend_in_scope) if spend_in_scope else None,
        intensity=(as_float(totals["total_emissions_kg_co2e"]) / mapped * 1000) if mapped else None,
        choices=choices, stale=data.stale_reasons(ctx.con, run), may_run=ctx.user.can("reviewer"),
        uncomputed=[y for y in ledger_years(ctx) if y["year"] not in {c["year"] for c in choices}],
        no_department=data.NO_DEPARTMENT, message=message(ctx), compared=compared, estimates=estimates,
        settings=_settings(totals))


def _settings(totals: dict) -> dict:
    value = totals.get("settings")
    return json.loads(value) if isinstance(value, str) else (value or {})


@page("/glossary", roles=ANY)
def glossary_page(ctx: Ctx) -> Response:
    """The glossary: the words used in the figures (spend-based method, scope 3, data quality, ...) in the page language."""
    return ctx.render("glossary.html", terms=glossary(ctx.lang))


@page("/drill", roles=ANY)
def drill(ctx: Ctx) -> Response:
    """Drill-down of one run: department → category → account → supplier → ledger lines."""
    run = selected_run(ctx)
    if run is None:
        raise NotFound()
    filters = {k: ctx.query(k) for k in data.DRILL_LEVELS if ctx.query(k) is not None}
    level, rows = data.drill(ctx.con, run["run_id"], filters)
    page_no = max(1, ctx.query_int("page", 1) or 1)
    total_lines, lines = (0, [])
    if level is None:
        total_lines, lines = data.lines(ctx.con, run["run_id"], filters, page_no)
    cats = {c["category_id"]: c for c in data.categories(ctx.con)}
    crumbs = [{"label": ctx.t("All"), "href": url("/drill", run=run["run_id"])}]
    so_far: dict = {}
    names = data.names_for(ctx.con, run["run_id"], filters)
    for lvl in data.DRILL_LEVELS:
        if lvl in filters:
            so_far[lvl] = filters[lvl]
            crumbs.append({"label": _label(ctx, lvl, filters[lvl], cats, names.get(lvl)), "level": lvl,
                           "href": url("/drill", run=run["run_id"], **so_far)})
    for r in rows:
        r["href"] = url("/drill", run=run["run_id"], **filters, **{level: r["key"]}) if level else None
        r["label"] = _label(ctx, level, r["key"], cats, r)
    pages = max(1, math.ceil(total_lines / data.LINES_PER_PAGE)) if level is None else 1
    return ctx.render("drill.html", run=run, level=level, level_title=ctx.t(LEVEL_TITLES.get(level, "Ledger lines")),
                      rows=rows, crumbs=crumbs, lines=lines, total_lines=total_lines, page_no=page_no, pages=pages,
                      page_url=lambda n: url("/drill", run=run["run_id"], **filters, page=n),
                      csv_url=url("/drill.csv", run=run["run_id"], **filters), cats=cats,
                      chart=bars(rows, lambda r: r["label"], "emissions_kg_co2e", href=lambda r: r["href"]),
                      filters=filters)


def _label(ctx: Ctx, level: str | None, key, cats: dict, row: dict | None = None) -> str:
    if level == "department":
        return ctx.department(None, None if key == data.NO_DEPARTMENT else key)
    if level == "category":
        if key in cats:
            return cats[key]["name_sv" if ctx.lang == "sv" else "name_en"]
        return {"excluded": ctx.t("Excluded spend"), "unmapped": ctx.t("Unmapped spend")}.get(key, key)
    if level == "account":
        name = (row or {}).get("label_sv")
        return f"{key} {name}" if name else key
    if level == "supplier":
        name = (row or {}).get("label_sv")
        return (name or key or ctx.t("(unknown supplier)")) if row else (key or ctx.t("(unknown supplier)"))
    return str(key)


@page("/drill.csv", roles=ANY)
def drill_csv(ctx: Ctx) -> Response:
    """The rows of a drill-down level (or all its ledger lines) as CSV."""
    run = selected_run(ctx)
    if run is None:
        raise NotFound()
    filters = {k: ctx.query(k) for k in data.DRILL_LEVELS if ctx.query(k) is not None}
    level, rows = data.drill(ctx.con, run["run_id"], filters)
    if level is None:
        rows = data.lines(ctx.con, run["run_id"], filters, page=None)[1]
    return csv_response(ctx, rows, f"run_{run['run_id']}_{level or 'lines'}.csv")
