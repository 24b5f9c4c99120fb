"""Review pages: the year dashboard, drill-down to ledger lines, unmapped accounts, runs, budget,
investments and downloads."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from decimal import Decimal
from pathlib import Path

from starlette.responses import Response

from .. import audit, transform
from ..errors import KlimatspendError, UsageError
from ..factors import overrides as ov
from . import charts, data, mapping
from .app import ANY, Ctx, NotFound, page, url
from .views import _download, message

# Marts offered as CSV downloads (name -> English title), in this order.
CSV_MARTS = {
    "run_totals": "Run totals",
    "emissions_by_organisation": "Emissions by organisation",
    "emissions_by_department": "Emissions by department",
    "emissions_by_category": "Emissions by category",
    "emissions_by_supplier": "Emissions by supplier",
    "emissions_by_account": "Emissions by account",
    "emissions_by_month": "Emissions by month",
    "emissions_by_scope": "Emissions by scope 3 category",
    "emissions_by_method": "Emissions by method (spend or activity data)",
    "spend_coverage": "Spend coverage",
    "excluded_spend": "Excluded spend by reason",
    "unmapped_accounts": "Unmapped accounts",
}
LEVEL_TITLES = {"department": "Departments", "category": "Categories", "account": "Accounts",
                "supplier": "Suppliers"}


def _run(ctx: Ctx) -> dict | None:
    """Return the run the page shows: ?run=, else ?year= (&org=), else the newest; None if there is none."""
    run_id = ctx.query_int("run")
    year, org = ctx.query_int("year"), ctx.query("org") or None
    picked = ctx.query("yo")
    if picked and "|" in picked:       # the run picker: "year|organisation"
        y, _, o = picked.partition("|")
        year, org = (int(y) if y.isdigit() else None), (o or None)
    if run_id is None:
        run_id = data.default_run(ctx.con, year, org)
    if run_id is None:
        return None
    run = data.run_row(ctx.con, run_id)
    if run is None:
        raise NotFound()
    return run


def _float(v):
    return float(v) if isinstance(v, Decimal) else v


def bars(rows: list[dict], label, value_key: str, *, href=None, limit: int = 15) -> list[dict]:
    """Return bar-chart items (label, value, width 0..1, href) for the largest `limit` rows by `value_key`."""
    items = [r for r in rows if (_float(r.get(value_key)) or 0) > 0][:limit]
    top = max((_float(r[value_key]) for r in items), default=0) or 1
    return [{"label": label(r), "value": _float(r[value_key]), "width": _float(r[value_key]) / top,
             "href": href(r) if href else None} for r in items]


@page("/dashboard", roles=ANY)
def dashboard(ctx: Ctx) -> Response:
    """The year dashboard: headline figures, emissions per department (chart and table), categories,
    suppliers, coverage, exclusions and months of one run."""
    run = _run(ctx)
    choices = data.run_choices(ctx.con)
    if run is None:
        return ctx.render("dashboard_empty.html", ledger_years=data.ledger_years(ctx.con),
                          may_run=ctx.user.can("reviewer"))
    rid = run["run_id"]
    totals = data.mart(ctx.con, "run_totals", rid)[0]
    departments = data.mart(ctx.con, "emissions_by_department", rid, order_by="emissions_kg_co2e desc")
    categories = data.mart(ctx.con, "emissions_by_category", rid, order_by="emissions_kg_co2e desc")
    suppliers = data.mart(ctx.con, "emissions_by_supplier", rid, order_by="emissions_kg_co2e desc")[:10]
    coverage = data.mart(ctx.con, "spend_coverage", rid, order_by="spend_sek desc")
    excluded = data.mart(ctx.con, "excluded_spend", rid, order_by="spend_sek desc")
    months = data.mart(ctx.con, "emissions_by_month", rid, order_by="period")
    organisations = data.mart(ctx.con, "emissions_by_organisation", rid,
                              order_by="is_group, emissions_kg_co2e desc") if not run["organisation_id"] else []
    spend_in_scope = _float(totals["total_spend_sek"]) or 0
    mapped = _float(totals["mapped_spend_sek"]) or 0
    lang = ctx.lang

    def dep_label(r):
        return r["department"] or ctx.t("(no department)")

    chart = bars(departments, dep_label, "emissions_kg_co2e",
                 href=lambda r: url("/drill", run=rid, department=r["department"] or data.NO_DEPARTMENT))
    cat_chart = bars(categories, lambda r: r["category_name_sv" if lang == "sv" else "category_name_en"]
                     or r["category_id"], "emissions_kg_co2e",
                     href=lambda r: url("/drill", run=rid, category=r["category_id"]))
    return ctx.render(
        "dashboard.html", run=run, totals=totals, departments=departments, categories=categories,
        suppliers=suppliers, coverage=coverage, organisations=organisations, excluded=excluded, months=months, chart=chart, cat_chart=cat_chart,
        coverage_share=(mapped / spend_in_scope) if spend_in_scope else None,
        intensity=(_float(totals["total_emissions_kg_co2e"]) / mapped * 1000) if mapped else None,
        choices=choices, stale=data.stale_reasons(ctx.con, run), may_run=ctx.user.can("reviewer"),
        uncomputed=[y for y in data.ledger_years(ctx.con) if y["year"] not in {c["year"] for c in choices}],
        no_department=data.NO_DEPARTMENT, message=message(ctx))


@page("/drill", roles=ANY)
def drill(ctx: Ctx) -> Response:
    """Drill-down of one run: department → category → account → supplier → ledger lines."""
    run = _run(ctx)
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
        return ctx.t("(no department)") if key == data.NO_DEPARTMENT else key
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
    run = _run(ctx)
    if run is None:
        raise NotFound()
    filters = {k: ctx.query(k) for k in data.DRILL_LEVELS if ctx.query(k) is not None}
    level, rows = data.drill(ctx.con, run["run_id"], filters)
    if level is None:
        total, _ = data.lines(ctx.con, run["run_id"], filters, 1)
        rows = []
        for p in range(1, math.ceil(total / data.LINES_PER_PAGE) + 1):
            rows += data.lines(ctx.con, run["run_id"], filters, p)[1]
    return _csv(ctx, rows, f"run_{run['run_id']}_{level or 'lines'}.csv")


# Unmapped accounts and mapping ------------------------------------------------------------------

@page("/unmapped", roles=ANY)
def unmapped(ctx: Ctx) -> Response:
    """Unmapped spend by account (largest first) with a form to map each account (reviewers)."""
    run = _run(ctx)
    if run is None:
        return ctx.render("dashboard_empty.html", ledger_years=data.ledger_years(ctx.con),
                          may_run=ctx.user.can("reviewer"))
    rows = data.mart(ctx.con, "unmapped_accounts", run["run_id"], order_by="spend_sek desc")
    names = {(o, a): n for o, a, n in ctx.con.execute(
        """select e.organisation_id, e.account, max(l.account_name) from line_emission e
           left join ledger_line l on l.batch_id = e.batch_id and l.source_row = e.source_row
           where e.run_id = ? and e.rule_level = 'unmapped' group by 1, 2""", [run["run_id"]]).fetchall()}
    orgs = mapping.run_organisations(ctx.con, run)
    for r in rows:
        r.setdefault("organisation_id", run["organisation_id"] or (orgs[0] if orgs else None))
        r["account_name"] = names.get((r["organisation_id"], r["account"]))
    cats = data.categories(ctx.con)
    by_org = {}
    for org in {r["organisation_id"] for r in rows}:
        choices = mapping.factor_choices(ctx.con, run, org)
        by_org[org] = [{"category": c, "factors": [f for f in choices if f["category_id"] == c["category_id"]]}
                       for c in cats]
    org_names = dict(ctx.con.execute("select organisation_id, name from organisation").fetchall())
    path = ctx.state.config.resolved_overrides()
    return ctx.render("unmapped.html", run=run, rows=rows, by_org=by_org, reasons=ov.REASONS, org_names=org_names,
                      may_map=ctx.user.can("reviewer"), saved=mapping.saved_overrides(path, orgs),
                      overrides_path=path, choices=data.run_choices(ctx.con), message=message(ctx),
                      total=sum(_float(r["spend_sek"]) or 0 for r in rows), several_orgs=len(orgs) > 1)


@page("/unmapped/map", roles=("reviewer",), methods=("POST",))
def unmapped_map(ctx: Ctx) -> Response:
    """Save the mapping of one account as an organisation override (author, date) and audit it."""
    try:
        run = data.run_row(ctx.con, int(ctx.form.get("run_id", "")))
    except ValueError:
        run = None
    if run is None:
        raise NotFound()
    choice = ctx.form.get("factor", "")
    reason = ctx.form.get("exclusion_reason", "")
    category, _, code = choice.partition("|")
    if not reason and not (category and code):
        return ctx.error(400, "Cannot be done", ctx.t("Choose a category and an emission factor, or an exclusion reason."))
    author = ctx.user.display_name or ctx.user.username
    try:
        mapping.save_account_override(ctx.con, ctx.state.config.resolved_overrides(), run,
                                      organisation_id=ctx.form.get("organisation_id") or run["organisation_id"] or "",
                                      account=ctx.form.get("account", ""), category_id=None if reason else category,
                                      factor_code=None if reason else code, exclusion_reason=reason or None,
                                      note=ctx.form.get("note", ""), author=author, author_role=ctx.user.role,
                                      ip=ctx.ip)
    except KlimatspendError as exc:
        return ctx.error(400, "Cannot be done", str(exc))
    return ctx.redirect("/unmapped", run=run["run_id"], m="mapped")


# Runs ----------------------------------------------------------------------------------------------

def _run_estimate(con, year: int, organisation_id: str | None) -> float | None:
    row = con.execute("""select epoch(finished_at - started_at) from web_job
                         where kind = 'run' and status = 'done' and json_extract(params, '$.year')::int = ?
                         and coalesce(json_extract_string(params, '$.organisation_id'), '') = ?
                         order by job_id desc limit 1""", [year, organisation_id or ""]).fetchone()
    return float(row[0]) if row and row[0] else None


@page("/runs", roles=("reviewer",), methods=("POST",))
def run_compute(ctx: Ctx) -> Response:
    """Compute a year (for one organisation) in the background with the current mappings; audit it."""
    try:
        year = int(ctx.form.get("year", ""))
    except ValueError:
        return ctx.error(400, "Cannot be done", ctx.t("Year must be a year such as 2024."))
    org = ctx.form.get("organisation_id") or None
    if org is not None and not ctx.con.execute("select count(*) from organisation where organisation_id = ?",
                                               [org]).fetchone()[0]:
        raise NotFound()
    chosen_map = mapping.mapping_for_run(ctx.con, year, org)
    prev = ctx.con.execute("""select factor_set_id from run where year = ? and organisation_id is not distinct from ?
                              and status = 'complete' order by run_id desc limit 1""", [year, org]).fetchone()
    factors = prev[0] if prev else None
    estimate = _run_estimate(ctx.con, year, org)
    user, ip = ctx.user, ctx.ip

    def job(jc):
        jc.progress("computing emissions", estimate_s=estimate, basis="left (estimated from the previous run)")
        result = None
        for attempt in range(3):
            try:
                result = transform.compute_run(jc.con, year, factors=factors, mapping=chosen_map,
                                               organisation_id=org, created_by=user.username, note="web")
                break
            except Exception as exc:  # a view rebuild raced a page read: the run kept nothing, try again
                import duckdb

                if not isinstance(exc, duckdb.TransactionException) or attempt == 2:
                    raise
        totals = transform.mart(jc.con, "run_totals", result.run_id)[0]
        detail = {"year": year, "organisation_id": org, "run_id": result.run_id,
                  "factor_set": f"{result.factor_set_id}@{result.factor_set_version}",
                  "mapping": f"{result.mapping_id}@{result.mapping_version}",
                  "total_emissions_kg_co2e": totals["total_emissions_kg_co2e"],
                  "total_spend_sek": totals["total_spend_sek"], "unmapped_spend_sek": totals["unmapped_spend_sek"],
                  "seconds": round(result.timings.get("total", 0), 2)}
        audit.record(jc.con, "run.compute", actor=user.username, actor_role=user.role, object_kind="run",
                     object_id=result.run_id, detail=detail, ip=ip)
        return detail, url("/dashboard", run=result.run_id)

    job_id = ctx.state.jobs.submit("run", job, params={"year": year, "organisation_id": org, "mapping": chosen_map},
                                   created_by=user.username)
    return ctx.redirect(f"/jobs/{job_id}")


# Budget and investments -------------------------------------------------------------------------------

def _year(ctx: Ctx) -> int | None:
    year = ctx.query_int("year")
    if year is None:
        row = ctx.con.execute("select max(year) from run where status = 'complete'").fetchone()
        year = row[0] if row else None
    return year


def _years(ctx: Ctx) -> list[int]:
    return [r[0] for r in ctx.con.execute("select distinct year from run where status = 'complete' order by 1 desc")
            .fetchall()]


@page("/budget", roles=ANY)
def budget(ctx: Ctx) -> Response:
    """Carbon budget follow-up of a year: every budget with path, actual, remaining, runs-out date, verdict,
    departments and measures; the three perspectives side by side."""
    from ..budget import overview

    year = _year(ctx)
    ov_data, error = None, None
    if year is not None:
        try:
            ov_data = overview.public(overview.budget_overview(ctx.con, year))
        except KlimatspendError as exc:
            error = str(exc)
    charts = {}
    for b in (ov_data or {}).get("budgets", []):
        chart = budget_chart(b, ctx.t)
        if chart:
            charts[b["budget_id"]] = chart
    return ctx.render("budget.html", year=year, years=_years(ctx), ov=ov_data, error=error, charts=charts)


def budget_chart(b: dict, t) -> dict | None:
    """Return the line-chart layout of one budget: budget path, actual, trend and trend with measures (t)."""
    fu = b.get("follow_up") or {}
    rows = fu.get("rows") or []
    proj = b.get("projection") or []
    last_actual = [(r["year"], r.get("actual_t")) for r in rows if r.get("actual_t") is not None][-1:]
    series = [
        {"key": "budget", "label": t("Budget"), "points": [(r["year"], r.get("budget_t")) for r in rows + proj]},
        {"key": "actual", "label": t("Actual"), "points": [(r["year"], r.get("actual_t")) for r in rows]},
        {"key": "trend", "label": t("Trend"), "points": last_actual + [(r["year"], r.get("trend_t")) for r in proj]},
        {"key": "measures", "label": t("With measures"),
         "points": last_actual + [(r["year"], r.get("scenario_t")) for r in proj]},
    ]
    if not any(v is not None for _, v in series[1]["points"]):
        return None
    return charts.line_chart(series, width=1000, height=280)


@page("/investments", roles=ANY)
def investments(ctx: Ctx) -> Response:
    """Investments of a year: green share, register, capital-goods emissions, the budget gap, green loans,
    and the internal carbon fee."""
    from .. import investments as inv
    from ..investments import outputs

    year = _year(ctx)
    summary, fee, error = None, None, None
    has_plan = bool(ctx.con.execute("select count(*) from investment").fetchone()[0])
    if year is not None:
        try:
            summary = inv.summary(ctx.con, year)
        except KlimatspendError as exc:
            error = str(exc)
        try:
            fee = outputs.carbon_fee(ctx.con, year)
        except KlimatspendError:
            fee = None
    from ..investments import plan

    green = {c["category_id"]: c for c in plan.taxonomy(ctx.con)}
    return ctx.render("investments.html", year=year, years=_years(ctx), s=summary, fee=fee, error=error,
                      has_plan=has_plan, green=green)


# Downloads ------------------------------------------------------------------------------------------------

REPORT_FILE = re.compile(r"^klimatrapport_\d{4}_(sv|en)\.(xlsx|html)$")


def _report_dir(ctx_or_state, run_id: int) -> Path:
    state = getattr(ctx_or_state, "state", ctx_or_state)
    return state.upload_dir / "reports" / f"run{int(run_id)}"


def _report_files(ctx: Ctx, run_id: int) -> list[dict]:
    folder = _report_dir(ctx, run_id)
    if not folder.is_dir():
        return []
    return [{"name": p.name, "bytes": p.stat().st_size, "format": p.suffix.lstrip(".")}
            for p in sorted(folder.iterdir()) if REPORT_FILE.match(p.name)]


@page("/reports", roles=ANY)
def reports(ctx: Ctx) -> Response:
    """Downloads for a run: the Excel workbook and HTML climate report (made on request), every mart as CSV."""
    run = _run(ctx)
    return ctx.render("reports.html", run=run, marts=CSV_MARTS, choices=data.run_choices(ctx.con),
                      files=_report_files(ctx, run["run_id"]) if run else [], may_create=ctx.user.can("reviewer"),
                      message=message(ctx))


@page("/reports/{run_id:int}/create", roles=("reviewer",), methods=("POST",))
def report_create(ctx: Ctx) -> Response:
    """Write the run's Excel workbook and HTML report in the chosen language, in the background; audit it."""
    from ..report_html import write_reports

    run = data.run_row(ctx.con, ctx.request.path_params["run_id"])
    if run is None:
        raise NotFound()
    lang = ctx.form.get("lang") if ctx.form.get("lang") in ("sv", "en") else ctx.lang
    out = _report_dir(ctx, run["run_id"])
    user, ip = ctx.user, ctx.ip

    def job(jc):
        jc.progress("writing the reports")
        paths = write_reports(jc.con, run["year"], out, lang, run_id=run["run_id"])
        files = [{"name": p.name, "bytes": p.stat().st_size} for p in paths]
        audit.record(jc.con, "report.create", actor=user.username, actor_role=user.role, object_kind="run",
                     object_id=run["run_id"], detail={"year": run["year"], "lang": lang, "files": files}, ip=ip)
        return {"files": files}, url("/reports", run=run["run_id"])

    job_id = ctx.state.jobs.submit("report", job, params={"year": run["year"], "run_id": run["run_id"], "lang": lang},
                                   created_by=user.username)
    return ctx.redirect(f"/jobs/{job_id}")


@page("/reports/{run_id:int}/files/{name}", roles=ANY)
def report_file(ctx: Ctx) -> Response:
    """Download a written report (always as an attachment, never shown inside the app)."""
    name = ctx.request.path_params["name"]
    if not REPORT_FILE.match(name):
        raise NotFound()
    path = _report_dir(ctx, ctx.request.path_params["run_id"]) / name
    if not path.is_file():
        raise NotFound()
    media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if name.endswith(".xlsx")
             else "text/html; charset=utf-8")
    return _download(path.read_bytes(), name, media)


@page("/reports/{run_id:int}/{name}.csv", roles=ANY)
def report_csv(ctx: Ctx) -> Response:
    """One mart of one run as CSV (Swedish: semicolons and decimal commas; English: commas and points)."""
    name = ctx.request.path_params["name"]
    run = data.run_row(ctx.con, ctx.request.path_params["run_id"])
    if run is None or name not in CSV_MARTS:
        raise NotFound()
    rows = data.mart(ctx.con, name, run["run_id"])
    return _csv(ctx, rows, f"{name}_{run['year']}_run{run['run_id']}.csv")


def _csv(ctx: Ctx, rows: list[dict], filename: str) -> Response:
    """Return rows as a CSV download in the page language's spreadsheet conventions (UTF-8 with BOM)."""
    sv = ctx.lang == "sv"
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";" if sv else ",", lineterminator="\r\n")
    columns = list(rows[0]) if rows else []
    writer.writerow(columns)
    for r in rows:
        writer.writerow([_cell(r[c], sv) for c in columns])
    return _download(("\ufeff" + buf.getvalue()).encode("utf-8"), filename, "text/csv; charset=utf-8")


def _cell(value, sv: bool):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int,)):
        return str(value)
    if isinstance(value, (float, Decimal)):
        text = repr(float(value)) if isinstance(value, float) else str(value)
        return text.replace(".", ",") if sv else text
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return audit.safe_cell(str(value))


__all__ = ["CSV_MARTS", "bars", "UsageError"]
