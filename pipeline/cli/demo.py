"""`klimatspend demo`: the whole pipeline on the embedded demo municipality (Älvby kommun)."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import resolve_db_path
from . import add_db_option, print_json
from ._output import fmt_number, progress, texts

if TYPE_CHECKING:
    from ..demo.generator import DemoManifest

DEFAULT_DIR = "klimatspend_demo"
MUNICIPALITY_ID = "alvby_kommun"
COMPANY_ID = "alvbybostader"
MUNICIPAL_MAPPING = "kommunbas13"
COMPANY_MAPPING = "bas2025"
COMPANY_DEPARTMENTS_FILE = "alvbybostader_avdelningar.csv"
COUNTRY = "SE"
# In Älvby's ledger the Motpart column is set only on transactions between the municipality's own units.
INTERNAL_COUNTERPARTY_RULE = ("alvby_motpart_internal", "counterparty", "*", "internal",
                              "Älvby kommun: Motpart is only set on internal transactions between own units")


def register(sub) -> None:
    """Add the `demo` verb."""
    p = sub.add_parser("demo", help="run the whole pipeline on the embedded demo municipality",
                       description="Generate the demo ledgers of the fictional Älvby kommun and its housing company "
                                   "(three fiscal years, deterministic), load them into the database, compute each "
                                   "year and print the latest year per department. Safe to run twice.")
    add_db_option(p)
    p.add_argument("--dir", default=DEFAULT_DIR, metavar="DIR",
                   help=f"where the demo ledgers and reports are written (default: ./{DEFAULT_DIR})")
    p.add_argument("--lines-per-year", type=int, default=60_000, metavar="N",
                   help="municipal ledger lines per year (default 60,000)")
    p.add_argument("--json", action="store_true", help="print the latest year's department table as JSON")
    p.set_defaults(func=run)


def _ensure_files(data_dir: Path, lines_per_year: int) -> DemoManifest:
    from ..demo.generator import DemoManifest, generate

    manifest_path = data_dir / "manifest.json"
    if manifest_path.exists():
        manifest = DemoManifest.from_json(manifest_path.read_text(encoding="utf-8"))
        intact = manifest.lines_per_year == lines_per_year and all(
            (data_dir / f.name).exists() and batches_sha(data_dir / f.name) == f.sha256 for f in manifest.files)
        if intact:
            return manifest
    return generate(data_dir, lines_per_year=lines_per_year)


def _write_company_departments(data_dir: Path) -> Path:
    """Write the housing company's department register (code;name, as a finance system exports it); return its path."""
    from ..demo.catalogues import COMPANY_UNITS

    path = data_dir / COMPANY_DEPARTMENTS_FILE
    lines = ["Kod;Namn"] + [f"{u.code};{u.name}" for u in COMPANY_UNITS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def batches_sha(path: Path) -> str:
    """Return the sha256 of a demo file (the same identity ingest uses)."""
    from ..ingest import file_sha256

    return file_sha256(path)


def run(args) -> int:
    """Generate (if needed), load, compute and print the demo."""
    from .. import store
    from ..demo.scenario import demo_summary, load_demo_inputs
    from ..engine.runs import compute_run
    from ..factors import load_reference_data
    from ..ingest import IngestOptions, batches, ingest_file
    from ..ingest.suppliers import load_supplier_register
    from ..organisations import load_departments, read_department_file, set_organisation
    from .run import print_department_table, run_summary

    t0 = time.perf_counter()
    out_dir = Path(args.dir)
    data_dir = out_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = resolve_db_path(args.db)
    quiet = args.json

    def say(msg: str) -> None:
        if not quiet:
            progress(msg)

    lab = texts()
    say(lab.t("cli_demo_1", dir=data_dir))
    manifest = _ensure_files(data_dir, args.lines_per_year)
    con = store.connect(db_path)
    try:
        load_reference_data(con)
        con.execute("insert or replace into exclusion (exclusion_id, match_kind, match_value, reason, notes) "
                    "values (?, ?, ?, ?, ?)", list(INTERNAL_COUNTERPARTY_RULE))
        batches.ensure_organisation(con, MUNICIPALITY_ID, manifest.municipality["name"], "municipality",
                                    manifest.municipality["org_number"])
        batches.ensure_organisation(con, COMPANY_ID, manifest.company["name"], "company",
                                    manifest.company["org_number"], parent_organisation_id=MUNICIPALITY_ID)

        say(lab.t("cli_demo_2", db=db_path))
        loaded = []
        for f in manifest.files:
            if f.kind not in ("municipal_ledger", "company_ledger"):
                continue
            org = MUNICIPALITY_ID if f.kind == "municipal_ledger" else COMPANY_ID
            result = ingest_file(con, data_dir / f.name, IngestOptions(organisation_id=org, year=f.year,
                                                                        sheet=manifest.company.get("sheet")
                                                                        if f.kind == "company_ledger" else None,
                                                                        uploaded_by="demo"))
            loaded.append(result)
            say(lab.t("cli_demo_file", file=f.name, already=lab["cli_demo_already"] if result.status == "duplicate"
                      else "", loaded=fmt_number(result.rows_loaded), read=fmt_number(result.rows_read),
                      rejected=result.rows_rejected))

        say(lab["cli_demo_3"])
        # The company keeps its books in BAS; the supplier register gives each supplier's industry (SNI). Both are
        # Swedish: their runs use the Swedish region of EXIOBASE, with US EPA shown beside it (sensitivity).
        set_organisation(con, COMPANY_ID, mapping=COMPANY_MAPPING, parent=MUNICIPALITY_ID, country=COUNTRY)
        set_organisation(con, MUNICIPALITY_ID, mapping=MUNICIPAL_MAPPING, country=COUNTRY)
        load_supplier_register(con, data_dir / "leverantorsregister.csv")
        # The company books on cost-centre numbers; its department register names them (Centrum, Norrby, ...).
        departments_file = _write_company_departments(data_dir)
        load_departments(con, COMPANY_ID, read_department_file(departments_file), source=departments_file.name)
        runs: dict[int, int] = {}
        for year in manifest.years:
            runs[year] = compute_run(con, year, created_by="demo", note="klimatspend demo").run_id
        latest = max(manifest.years)
        summary = group_view(run_summary(con, runs[latest]), manifest.company["name"])
        # The demo's carbon budget (-16 % a year), measures and investment plan, followed up for the latest year.
        load_demo_inputs(con)
        follow_up = demo_summary(con, latest, lang=lab.lang)

        say(lab.t("cli_demo_4", dir=out_dir))
        written = _write_outputs(con, out_dir, runs)
    finally:
        con.close()
    elapsed = time.perf_counter() - t0
    if args.json:
        print_json({"year": latest, "database": str(db_path), "files": [str(p) for p in written],
                    "rows_loaded": sum(r.rows_loaded for r in loaded),
                    "rows_quarantined": sum(r.rows_rejected for r in loaded),
                    "files_newly_loaded": sum(1 for r in loaded if r.status != "duplicate"),
                    "seconds": round(elapsed, 1), "follow_up": follow_up, **summary})
        return 0
    print()
    print_department_table(summary)
    print()
    for line in follow_up:
        print(line)
    print()
    total_rows = sum(r.rows_read for r in loaded)
    print(lab.t("cli_demo_rows", rows=fmt_number(total_rows), files=len(loaded), rejected=sum(r.rows_rejected for r in loaded),
                seconds=fmt_number(elapsed, 1)))
    print(lab.t("cli_demo_written", files=", ".join(str(p) for p in written)))
    print(lab.t("cli_demo_next", year=latest, db=db_path))
    return 0


def group_view(summary: dict, company_name: str) -> dict:
    """Return the demo's table: the municipality's departments plus each company as one row, shares recomputed.

    The group total (without purchases between the municipality and its company, which the selling member
    reports from its own purchases) is kept beside the sum of the rows as `group_emissions_kg_co2e`.
    """
    view = dict(summary)
    companies = [o for o in summary["by_organisation"] if not o["is_group"] and o["organisation_id"] == COMPANY_ID]
    rows = [d for d in summary["by_department"] if d["organisation_id"] != COMPANY_ID]
    for company in companies:
        own = [d for d in summary["by_department"] if d["organisation_id"] == COMPANY_ID]
        mapped = sum((d.get("mapped_spend") or 0) for d in own)
        rows.append({"organisation_id": COMPANY_ID, "name": company_name, "label": company_name,
                     "organisation_name": company_name, "spend_sek": company["spend_sek"],
                     "spend": company.get("spend", company["spend_sek"]),
                     "mapped_spend_sek": sum((d["mapped_spend_sek"] or 0) for d in own),
                     "mapped_spend": mapped,
                     "intensity_kg_co2e_per_thousand": (float(company["emissions_kg_co2e"]) / float(mapped) * 1000
                                                        if mapped else None),
                     "emissions_kg_co2e": company["emissions_kg_co2e"],
                     "emissions_t_co2e": company["emissions_kg_co2e"] / 1000})
    total = sum(r["emissions_kg_co2e"] for r in rows)
    for r in rows:
        r["share_of_total"] = r["emissions_kg_co2e"] / total if total else None
        r["intensity_kg_co2e_per_ksek"] = (r["emissions_kg_co2e"] / float(r["mapped_spend_sek"]) * 1000
                                           if r.get("mapped_spend_sek") else None)
    view["by_department"] = sorted(rows, key=lambda r: -r["emissions_kg_co2e"])
    return view


def _write_outputs(con, out_dir: Path, runs: dict[int, int]) -> list[Path]:
    """Write the department tables of every year as CSV, and the latest year's reports (Excel and HTML, sv + en)."""
    from ..engine import marts
    from ..report.html import write_reports

    latest = max(runs)
    written = []
    for lang in ("sv", "en"):
        written += write_reports(con, latest, out_dir / "reports", lang, run_id=runs[latest])
    for year, run_id in sorted(runs.items()):
        rows = marts.read(con, "emissions_by_department", run_id, order_by="emissions_kg_co2e desc", exact=True)
        path = out_dir / f"emissions_by_department_{year}.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["year", "organisation_id", "department", "spend_sek", "emissions_t_co2e",
                             "intensity_kg_co2e_per_ksek", "share_of_total"])
            for r in rows:
                writer.writerow([year, r["organisation_id"], r["department"], r["spend_sek"],
                                 round(r["emissions_t_co2e"], 3),
                                 None if r["intensity_kg_co2e_per_ksek"] is None else
                                 round(r["intensity_kg_co2e_per_ksek"], 3),
                                 None if r["share_of_total"] is None else round(r["share_of_total"], 5)])
        written.append(path)
    return written
