"""Investment plan files and green classification: read, validate like a ledger, store; the green taxonomy.

An investment plan is a table (CSV or xlsx) with one row per project and year (long format). Columns
(Swedish headers accepted, see PLAN_COLUMNS): project_id, name, organisation, department, year,
amount_sek, category, green_category (a taxonomy id, `not_green`, or empty = not yet classified),
classified_by, classified_at, classification_note, expected_reduction_t_per_year, reduction_start_year,
lifetime_years, financing (own | loan | green_loan | grant | mixed), green_loan_sek, notes.

Project attributes must be the same on every row of a project; every problem is reported as
`plan.csv: row 7, column "green_category": value "solar" is not a green category (...) (constraint-error)`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from .. import tables
from ..errors import Problem, UsageError
from ..resources import factors_dir
from ..store import transaction
from ..tables import Column, InputValidationError

NOT_GREEN = "not_green"
FINANCING = ("own", "loan", "green_loan", "grant", "mixed")
SPEND_CATEGORIES = ("food", "energy", "transport", "construction_property", "it_telecom", "care_education",
                    "services", "goods", "other")
TAXONOMY_FILE = "categories.csv"

PLAN_COLUMNS = [
    Column("project_id", required=True, synonyms=("projekt", "projektnummer", "project", "projekt_id")),
    Column("name", required=True, synonyms=("projektnamn", "benämning", "benamning", "namn", "project_name")),
    Column("organisation", synonyms=("organisation_id", "org", "bolag")),
    Column("department", synonyms=("förvaltning", "forvaltning", "nämnd")),
    Column("year", "year", required=True, synonyms=("år", "ar", "budgetår", "budgetar")),
    Column("amount_sek", "number", required=True, minimum=0,
           synonyms=("belopp", "belopp_sek", "investering_sek", "budget_sek", "amount")),
    Column("category", "enum", choices=SPEND_CATEGORIES, synonyms=("kategori", "spend_category")),
    Column("green_category", synonyms=("grön_kategori", "gron_kategori", "green", "grön_klassning")),
    Column("classified_by", synonyms=("beslutad_av", "klassad_av", "decided_by")),
    Column("classified_at", "date", synonyms=("beslutsdatum", "klassad_datum", "decided_at")),
    Column("classification_note", synonyms=("motivering", "rationale")),
    Column("expected_reduction_t_per_year", "number", minimum=0,
           synonyms=("förväntad_minskning_t_per_år", "forvantad_minskning_t_per_ar", "minskning_t_per_år",
                     "reduction_t_per_year", "undvikna_utslapp_t_per_ar")),
    Column("reduction_start_year", "year", synonyms=("effekt_från_år", "effekt_fran_ar")),
    Column("lifetime_years", "integer", minimum=1, synonyms=("livslängd_år", "livslangd_ar", "livslängd")),
    Column("financing", "enum", choices=FINANCING, synonyms=("finansiering",)),
    Column("green_loan_sek", "number", minimum=0, synonyms=("grönt_lån_sek", "gront_lan_sek", "green_bond_sek")),
    Column("notes", synonyms=("kommentar", "anteckning")),
]
PROJECT_ATTRIBUTES = ("name", "organisation", "department", "category", "green_category", "classified_by",
                      "classified_at", "classification_note", "expected_reduction_t_per_year", "reduction_start_year",
                      "lifetime_years", "financing")


@dataclass
class Plan:
    """A validated investment plan: projects (one dict each) with their amounts per year."""

    source: str
    projects: dict[str, dict] = field(default_factory=dict)
    years: list[dict] = field(default_factory=list)        # project_id, year, amount_sek, green_loan_sek, source_row


def taxonomy(con: duckdb.DuckDBPyConnection | None = None) -> list[dict]:
    """Return the green categories: from the database when loaded there, else the shipped file."""
    if con is not None:
        rows = con.execute("select * from green_category order by sort_order, category_id").fetchall()
        if rows:
            cols = [d[0] for d in con.description]
            return [dict(zip(cols, r)) for r in rows]
    return read_taxonomy(factors_dir() / "green_taxonomy" / TAXONOMY_FILE)


def read_taxonomy(path: Path) -> list[dict]:
    """Read a green-category file (columns as emission_factors/green_taxonomy/categories.csv); raise on problems."""
    cols = [Column("category_id", required=True), Column("name_sv", required=True), Column("name_en", required=True),
            Column("eligibility_sv", required=True), Column("eligibility_en", required=True),
            Column("impact_indicator_sv"), Column("impact_indicator_en"), Column("sort_order", "integer")]
    table = tables.read_table(path, cols, unique=("category_id",))
    for r in table.rows:
        if r["category_id"] == NOT_GREEN:
            table.problems.append(Problem(table.file, "constraint-error", "is reserved for projects that are not green",
                                          r["source_row"], "category_id", NOT_GREEN))
    rows = tables.require(table)
    for i, r in enumerate(rows, 1):
        r["sort_order"] = r["sort_order"] or i
        r["source"] = path.name
    return rows


def load_taxonomy(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> int:
    """Replace the green categories in the database with the shipped file or `path`; return how many."""
    rows = read_taxonomy(path or factors_dir() / "green_taxonomy" / TAXONOMY_FILE)
    used = {r[0] for r in con.execute("select distinct green_category_id from green_classification "
                                      "where is_current and green_category_id is not null").fetchall()}
    missing = sorted(used - {r["category_id"] for r in rows})
    if missing:
        raise UsageError(f"{(path or Path(TAXONOMY_FILE)).name}: projects are classified as {', '.join(missing)}, "
                         "which the new file lacks; keep those categories or reclassify the projects first")
    con.execute("delete from green_category")
    for r in rows:
        con.execute("insert into green_category values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [r["category_id"], r["name_sv"], r["name_en"], r["eligibility_sv"], r["eligibility_en"],
                     r["impact_indicator_sv"], r["impact_indicator_en"], r["sort_order"], r["source"]])
    return len(rows)


def read_plan(path: str | Path, green_ids: set[str], display_name: str | None = None) -> Plan:
    """Read and validate an investment plan; raise InputValidationError listing every problem."""
    path = Path(path)
    table = tables.read_table(path, PLAN_COLUMNS, display_name=display_name, unique=("project_id", "year"))
    name = table.file
    problems = list(table.problems)
    plan = Plan(name)
    first_row: dict[str, int] = {}
    header = table.columns_found
    for r in table.rows:
        pid = r["project_id"]
        row = r["source_row"]
        gc = r["green_category"]
        if gc is not None:
            gc = gc.strip()
            low = gc.casefold().replace(" ", "_").replace("-", "_")
            if low in ("not_green", "ej_grön", "ej_gron", "inte_grön", "inte_gron", "nej"):
                gc = NOT_GREEN
            elif gc not in green_ids:
                problems.append(Problem(name, "constraint-error", f"is not a green category ({', '.join(sorted(green_ids))}"
                                        f" or {NOT_GREEN}); see `klimatspend investments taxonomy`", row,
                                        header.get("green_category"), gc))
                continue
            r["green_category"] = gc
            for key in ("classified_by", "classified_at"):
                if r[key] is None:
                    problems.append(Problem(name, "missing-cell", "is empty; a classification needs who decided "
                                            "(classified_by) and when (classified_at)", row, header.get(key, key), ""))
        if r["financing"] == "green_loan" and gc in (None, NOT_GREEN):
            problems.append(Problem(name, "constraint-error", "is green_loan but the project is not classified green",
                                    row, header.get("financing"), "green_loan"))
        if r["green_loan_sek"] is not None and r["green_loan_sek"] > r["amount_sek"] + 0.005:
            problems.append(Problem(name, "constraint-error", f"is more than the amount {r['amount_sek']:,.0f}", row,
                                    header.get("green_loan_sek"), f"{r['green_loan_sek']:,.0f}"))
        if r["green_loan_sek"] and r["financing"] not in ("green_loan", "mixed"):
            problems.append(Problem(name, "constraint-error", "needs financing green_loan or mixed", row,
                                    header.get("financing"), r["financing"] or ""))
        attrs = {k: r[k] for k in PROJECT_ATTRIBUTES}
        if pid in plan.projects:
            known = plan.projects[pid]
            for k in PROJECT_ATTRIBUTES:
                if attrs[k] is not None and known[k] is not None and attrs[k] != known[k]:
                    problems.append(Problem(name, "constraint-error", f"differs from row {first_row[pid]} of project "
                                            f"{pid} ({_fmt(known[k])}); a project's {k} is the same on every row",
                                            row, header.get(k, k), _fmt(attrs[k])))
                elif known[k] is None:
                    known[k] = attrs[k]
        else:
            plan.projects[pid] = {"project_id": pid, **attrs, "notes": r["notes"], "source_row": row}
            first_row[pid] = row
        green_loan = r["green_loan_sek"]
        if green_loan is None and r["financing"] == "green_loan":
            green_loan = r["amount_sek"]
        plan.years.append({"project_id": pid, "year": r["year"], "amount_sek": r["amount_sek"],
                           "green_loan_sek": green_loan, "source_row": row})
    if problems:
        raise InputValidationError(problems, f"fix {name} (see `klimatspend investments check {name}`)")
    return plan


def _fmt(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def save_plan(con: duckdb.DuckDBPyConnection, plan: Plan, *, imported_by: str | None = None) -> dict:
    """Replace the stored investment plan with `plan`, recording its classifications; return counts."""
    with transaction(con):
        con.execute("delete from investment_year")
        con.execute("delete from investment")
        con.execute("update green_classification set is_current = false where source = 'plan' and is_current")
        for p in plan.projects.values():
            con.execute("""insert into investment (project_id, name, organisation_id, department, category_id,
                               expected_reduction_t_per_year, reduction_start_year, lifetime_years, financing, notes,
                               source_file, source_row, imported_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                        [p["project_id"], p["name"], p["organisation"], p["department"], p["category"],
                         p["expected_reduction_t_per_year"], p["reduction_start_year"], p["lifetime_years"],
                         p["financing"], p["notes"], plan.source, p["source_row"], imported_by])
            if p["green_category"] is not None:
                # a later decision made in the CLI or web app stays current over the plan's
                newer = con.execute("select count(*) from green_classification where project_id = ? and is_current "
                                    "and source <> 'plan' and decided_at > ?",
                                    [p["project_id"], p["classified_at"]]).fetchone()[0]
                if not newer:
                    con.execute("update green_classification set is_current = false where project_id = ?",
                                [p["project_id"]])
                con.execute("""insert into green_classification (project_id, green_category_id, is_green, decided_by,
                                   decided_at, rationale, source, is_current) values (?, ?, ?, ?, ?, ?, 'plan', ?)""",
                            [p["project_id"], None if p["green_category"] == NOT_GREEN else p["green_category"],
                             p["green_category"] != NOT_GREEN, p["classified_by"], p["classified_at"],
                             p["classification_note"], not newer])
        for y in plan.years:
            con.execute("insert into investment_year values (?, ?, ?, ?, ?)",
                        [y["project_id"], y["year"], y["amount_sek"], y["green_loan_sek"], y["source_row"]])
    classified = sum(1 for p in plan.projects.values() if p["green_category"] is not None)
    return {"projects": len(plan.projects), "rows": len(plan.years), "classified": classified,
            "unclassified": len(plan.projects) - classified}


def classify(con: duckdb.DuckDBPyConnection, project_id: str, category: str, decided_by: str,
             decided_at: date | None = None, rationale: str | None = None, source: str = "cli") -> dict:
    """Record a classification decision (a green category id or `not_green`) for a project; return it."""
    if not decided_by or not decided_by.strip():
        raise UsageError("a classification needs who decided it: give --by NAME")
    ids = {r["category_id"] for r in taxonomy(con)}
    if category != NOT_GREEN and category not in ids:
        raise UsageError(f"category {category!r}: not a green category; use one of {', '.join(sorted(ids))} or "
                         f"{NOT_GREEN}")
    known = con.execute("select count(*) from investment where project_id = ?", [project_id]).fetchone()[0]
    booked = con.execute("select count(*) from line_emission where project = ?", [project_id]).fetchone()[0]
    if not known and not booked:
        raise UsageError(f"project {project_id!r}: not in the investment plan nor in any computed run; check the "
                         "project code (see `klimatspend investments register`)")
    decided_at = decided_at or date.today()
    con.execute("update green_classification set is_current = false where project_id = ?", [project_id])
    con.execute("""insert into green_classification (project_id, green_category_id, is_green, decided_by, decided_at,
                       rationale, source, is_current) values (?, ?, ?, ?, ?, ?, ?, true)""",
                [project_id, None if category == NOT_GREEN else category, category != NOT_GREEN, decided_by.strip(),
                 decided_at, rationale, source])
    return {"project_id": project_id, "green_category": category, "decided_by": decided_by.strip(),
            "decided_at": decided_at.isoformat(), "rationale": rationale}


def write_plan_template(path: Path) -> None:
    """Write an empty plan with the canonical headers (for users starting a plan)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow([c.name for c in PLAN_COLUMNS])
