"""What the review pages read besides the marts (engine.marts): runs, drill-down levels and ledger lines."""

from __future__ import annotations

import json

import duckdb

from ..engine import runs as engine_runs

NO_DEPARTMENT = "__none__"
DRILL_LEVELS = ("department", "category", "account", "supplier")
# the levels that are columns of a line's decision: read without the ledger join (run_line_total, run_line_emission)
DECISION_LEVELS = frozenset({"department", "category"})
LINES_PER_PAGE = 50


# A run of every organisation is named by the organisations it covered.
_NAMES = """coalesce(o.name, (select string_agg(coalesce(o2.name, ro.organisation_id), ', ' order by ro.organisation_id)
                             from run_organisation ro left join organisation o2 using (organisation_id)
                             where ro.run_id = r.run_id)) as organisation_name"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def run_row(con: duckdb.DuckDBPyConnection, run_id: int) -> dict | None:
    """Return one complete run (versions, organisation, publication), or None."""
    rows = _rows(con, f"""select r.run_id, r.year, r.organisation_id, {_NAMES}, r.factor_set_id,
                                r.factor_set_version, r.mapping_id, r.mapping_version, r.settings, r.created_at,
                                r.created_by, r.is_published, r.published_at, r.status, r.note
                         from run r left join organisation o using (organisation_id)
                         where r.run_id = ? and r.status = 'complete'""", [run_id])
    if not rows:
        return None
    row = rows[0]
    settings = json.loads(row["settings"]) if isinstance(row["settings"], str) else (row["settings"] or {})
    # tail spend priced at an average factor is an explicit setting, shown wherever the run's figures are
    row["tail_spend"] = settings.get("tail_spend") or {}
    return row


def runs(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return every run, newest first, with its versions and line count."""
    return _rows(con, f"""select r.run_id, r.year, r.organisation_id, {_NAMES}, r.factor_set_id,
                                r.factor_set_version, r.mapping_id, r.mapping_version, r.created_at, r.created_by,
                                r.is_published, r.published_at, r.status,
                                (select count(*) from line_emission e where e.run_id = r.run_id) as n_lines
                         from run r left join organisation o using (organisation_id)
                         order by r.run_id desc""")


def run_choices(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return the (year, organisation) pairs that have a complete run, newest year first."""
    return _rows(con, f"""select distinct r.year, r.organisation_id, {_NAMES}
                          from run r left join organisation o using (organisation_id)
                          where r.status = 'complete' and r.run_id = (
                              select max(r3.run_id) from run r3 where r3.year = r.year and r3.status = 'complete'
                              and r3.organisation_id is not distinct from r.organisation_id)
                          order by r.year desc, r.organisation_id nulls first""")


def default_run(con: duckdb.DuckDBPyConnection, year: int | None, organisation_id: str | None) -> int | None:
    """Return the run to show: the year's shown run (engine.runs.shown_run_id), by default of the newest year."""
    if year is None:
        year = engine_runs.newest_run_year(con, organisation_id)
        if year is None:
            return None
    return engine_runs.shown_run_id(con, year, organisation_id)


def organisations(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return the organisations in the store."""
    return _rows(con, "select organisation_id, name, kind from organisation order by organisation_id")


def ledger_years(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return per fiscal year and organisation the loaded batches and lines (what a run can compute)."""
    return _rows(con, """select fiscal_year as year, organisation_id, count(*) as n_batches,
                                sum(rows_loaded) as n_lines, max(uploaded_at) as last_upload
                         from ledger_batch where status = 'loaded' and fiscal_year is not null
                         group by 1, 2 order by 1 desc, 2""")


def stale_reasons(con: duckdb.DuckDBPyConnection, run: dict) -> list[str]:
    """Return why a run may be out of date: ledger data loaded, or overrides saved, after it was computed."""
    reasons = []
    newer = con.execute("""select count(*) from ledger_batch where fiscal_year = ? and uploaded_at > ?
                           and (? is null or organisation_id = ?)""",
                        [run["year"], run["created_at"], run["organisation_id"], run["organisation_id"]]).fetchone()[0]
    if newer:
        reasons.append("ledger")
    mapped = con.execute("""select count(*) from audit_log where action = 'mapping.override' and logged_at > ?
                            and (? is null or json_extract_string(detail, '$.organisation_id') = ?)""",
                         [run["created_at"], run["organisation_id"], run["organisation_id"]]).fetchone()[0]
    if mapped:
        reasons.append("mapping")
    return reasons


def _filters(filters: dict) -> tuple[str, list]:
    clauses, params = [], []
    if "department" in filters:
        if filters["department"] == NO_DEPARTMENT:
            clauses.append("department is null")
        else:
            clauses.append("department = ?")
            params.append(filters["department"])
    if "category" in filters:
        clauses.append("coalesce(category_id, rule_level) = ?")
        params.append(filters["category"])
    if "account" in filters:
        clauses.append("account = ?")
        params.append(filters["account"])
    if "supplier" in filters:
        clauses.append("coalesce(supplier_org_number, supplier_name, '') = ?")
        params.append(filters["supplier"])
    return "".join(f" and {c}" for c in clauses), params


def next_level(filters: dict) -> str | None:
    """Return the drill-down level below `filters` (department → category → account → supplier), or None for lines."""
    return next((lvl for lvl in DRILL_LEVELS if lvl not in filters), None)


def drill(con: duckdb.DuckDBPyConnection, run_id: int, filters: dict) -> tuple[str | None, list[dict]]:
    """Return (level, rows): spend, emissions and line count per value of the next level under `filters`."""
    level = next_level(filters)
    where, params = _filters(filters)
    if level is None:
        return None, []
    key = {"department": f"coalesce(e.department, '{NO_DEPARTMENT}')",
           "category": "coalesce(e.category_id, e.rule_level)",
           "account": "e.account",
           "supplier": "coalesce(e.supplier_org_number, e.supplier_name, '')"}[level]
    label_sv = {"department": "max(e.department)", "category": "max(c.name_sv)", "account": "max(l.account_name)",
                "supplier": "max(e.supplier_name)"}[level]
    label_en = "max(c.name_en)" if level == "category" else label_sv
    join = ""
    if level == "category":
        join = "left join category c on c.category_id = e.category_id"
    elif level == "account":
        join = "left join ledger_line l on l.batch_id = e.batch_id and l.source_row = e.source_row"
    # departments and categories are columns of a line's decision: they are read from the run's lines summed per
    # organisation and decision (run_line_total, a few hundred rows), accounts and suppliers from the lines
    summed = level in DECISION_LEVELS and set(filters) <= DECISION_LEVELS
    source = "run_line_total" if summed else "line_emission"
    org_number = "null" if summed else "max(e.supplier_org_number)"
    n_lines = "sum(e.n_lines)" if summed else "count(*)"
    rows = _rows(con, f"""
        with e as (select * from {source} where run_id = ?{where})
        select {key} as key,
               {label_sv} as label_sv, {label_en} as label_en,
               {org_number} as org_number,
               sum(e.amount_sek) as spend_sek,
               coalesce(sum(e.emissions_kg_co2e), 0) as emissions_kg_co2e,
               sum(e.emissions_lower_kg_co2e) as emissions_lower_kg_co2e,
               sum(e.emissions_upper_kg_co2e) as emissions_upper_kg_co2e,
               {n_lines} as n_lines
        from e {join}
        group by 1
        order by emissions_kg_co2e desc, spend_sek desc, key""", [run_id, *params])
    return level, rows


def names_for(con: duckdb.DuckDBPyConnection, run_id: int, filters: dict) -> dict:
    """Return display rows for the account and supplier in `filters` ({level: {"label_sv": name}})."""
    out = {}
    if "account" in filters:
        row = con.execute("""select max(l.account_name) from line_emission e join ledger_line l
                             on l.batch_id = e.batch_id and l.source_row = e.source_row
                             where e.run_id = ? and e.account = ?""", [run_id, filters["account"]]).fetchone()
        out["account"] = {"label_sv": row[0] if row else None}
    if "supplier" in filters:
        row = con.execute("""select max(supplier_name) from line_emission where run_id = ?
                             and coalesce(supplier_org_number, supplier_name, '') = ?""",
                          [run_id, filters["supplier"]]).fetchone()
        out["supplier"] = {"label_sv": row[0] if row else None}
    return out


def lines(con: duckdb.DuckDBPyConnection, run_id: int, filters: dict, page: int | None = 1) -> tuple[int, list[dict]]:
    """Return (number of lines, one page of them, or all of them with `page=None`) under `filters`, largest emissions
    first, with ledger text.

    The page is chosen from the run's lines without their ledger fields (run_line_emission) unless an account or
    supplier narrows it; only the page's lines are joined with the ledger, so a page costs about the same however
    many years are stored.
    """
    where, params = _filters(filters)
    source = "run_line_emission" if set(filters) <= DECISION_LEVELS else "line_emission"
    limit = "" if page is None else f"limit {LINES_PER_PAGE} offset {max(0, (int(page) - 1) * LINES_PER_PAGE)}"
    rows = _rows(con, f"""
        with page as (
            select run_id, batch_id, source_row, emissions_kg_co2e, amount_sek
            from {source} where run_id = ?{where}
            order by coalesce(emissions_kg_co2e, 0) desc, abs(amount_sek) desc, batch_id, source_row
            {limit}
        )
        select e.batch_id, e.source_row, l.posting_date, coalesce(l.period, e.period) as period, e.department,
               l.account, l.account_name, l.supplier_name, l.supplier_org_number, l.description, l.invoice_id,
               e.amount_sek, l.amount as amount_ledger_currency, e.category_id, e.rule_level, e.rule_id,
               e.exclusion_reason, e.factor_code, e.factor_value, e.emissions_kg_co2e, e.dq_score, e.organisation_id,
               f.factor_name, s.currency as factor_currency, s.base_year as factor_base_year
        from page p
        join run_line_emission e on e.run_id = p.run_id and e.batch_id = p.batch_id and e.source_row = p.source_row
        left join ledger_line l on l.batch_id = e.batch_id and l.source_row = e.source_row
        -- the factor's product or industry name and its unit, so a reader sees what was priced, not a code
        left join stg_factor_names f
               on f.factor_set_id = e.factor_set_id and f.factor_set_version = e.factor_set_version
              and f.factor_code = e.factor_code
        left join factor_set s on s.factor_set_id = e.factor_set_id and s.version = e.factor_set_version
        order by coalesce(p.emissions_kg_co2e, 0) desc, abs(p.amount_sek) desc, p.batch_id, p.source_row""",
                 [run_id, *params])
    if page is None:
        return len(rows), rows
    total = con.execute(f"select count(*) from {source} where run_id = ?{where}", [run_id, *params]).fetchone()[0]
    return total, rows


def categories(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return the reporting categories with Swedish and English names, in their order."""
    return _rows(con, "select category_id, name_sv, name_en from category order by sort_order, category_id")
