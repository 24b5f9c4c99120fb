"""The Excel workbook for finance: one sheet per view of a year's run, formatted, with native charts.

Input: a `ReportData` (pipeline.report_data) and a language; output: an .xlsx file written with
openpyxl. Table sheets follow `reports/excel/layout.toml`; the summary, department, budget,
investments and methodology sheets are laid out here. Emissions are shown in tonnes CO2e
(kg / 1000), amounts in SEK. Every text cell is made safe against formula injection (OWASP): text
starting with =, +, -, @, tab or carriage return gets a leading apostrophe and is stored as text;
numbers stay numbers.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import Alignment, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from ..i18n import Labels, labels as get_labels, localised
from ..numbers import fmt_percent, fmt_runs_out, fmt_tonnes
from .data import ReportData, headline, mapping_text, pricing_summary, tail_spend_text
from ..resources import reports_dir

FORMULA_STARTERS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_TEXT = 32767
SHEET_NAME_MAX = 31
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\']")

NUMBER_FORMATS = {
    "int": "#,##0",
    "year": "0",
    "sek": "#,##0",
    "sek2": "#,##0.00",
    "t": "#,##0.0",
    "kg": "#,##0",
    "share": "0.0%",
    "decimal1": "#,##0.0",
    "decimal2": "#,##0.00",
    "decimal3": "0.000",
    "datetime": "yyyy-mm-dd hh:mm",
    "date": "yyyy-mm-dd",
}

TITLE_FONT = Font(size=16, bold=True, color="1D6F58")
SUBTITLE_FONT = Font(size=11, italic=True, color="4A5560")
BOLD = Font(bold=True)
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1D6F58")
KEY_FILL = PatternFill("solid", fgColor="E8F1EE")
NOTE_FONT = Font(italic=True, color="6B7785")
THIN = Side(style="thin", color="B8C2CC")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")


def excel_text(value) -> str:
    """Return `value` as text safe for a cell: illegal control characters removed, formula starters escaped.

    '=SUM(A1)' -> "'=SUM(A1)"; '-Rabatt AB' -> "'-Rabatt AB"; '\\tx' -> "'\\tx"; 'Vård AB' unchanged.
    """
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith(FORMULA_STARTERS):
        text = "'" + text
    return text[:MAX_CELL_TEXT]


def put(ws: Worksheet, row: int, column: int, value, fmt: str | None = None):
    """Write one cell: text through excel_text (always stored as a string), numbers with a number format."""
    cell = ws.cell(row=row, column=column)
    if value is None:
        return cell
    if isinstance(value, bool):
        cell.value = value
    elif isinstance(value, (int, float)):
        cell.value = value
        if fmt in NUMBER_FORMATS:
            cell.number_format = NUMBER_FORMATS[fmt]
    elif isinstance(value, (datetime, date)):
        cell.value = value
        cell.number_format = NUMBER_FORMATS["datetime" if isinstance(value, datetime) else "date"]
    else:
        cell.value = excel_text(value)
        cell.data_type = "s"  # never a formula, whatever the text
    return cell


def sheet_name(wanted: str, taken: set[str]) -> str:
    """Return a valid, unique (case-insensitive) sheet name for `wanted`; adds ' (2)', ' (3)' on clashes."""
    base = _SHEET_NAME_BAD.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", wanted)).strip()
    base = base.lstrip("=+-@").strip() or "-"  # a sheet name that looks like a formula confuses people
    base = base[:SHEET_NAME_MAX].strip()
    name = base
    n = 2
    while name.lower() in taken or name.lower() == "history":  # 'History' is reserved by Excel
        suffix = f" ({n})"
        name = base[: SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
        n += 1
    taken.add(name.lower())
    return name


def load_layout() -> list[dict]:
    """Return the table-sheet definitions of reports/excel/layout.toml."""
    with open(reports_dir() / "excel" / "layout.toml", "rb") as fh:
        return tomllib.load(fh)["sheets"]


def _convert(value, fmt: str, lab: Labels, categories: dict[str, str]):
    """Return (cell value, format) for a field value shown with layout format `fmt`."""
    if fmt == "t":
        return (None if value is None else value / 1000), "t"
    if fmt == "bool":
        return (None if value is None else lab["yes" if value else "no"]), None
    if fmt == "rule_level":
        return (None if value is None else lab.rule_level(value)), None
    if fmt == "reason":
        return (None if value is None else lab.reason(value)), None
    if fmt == "category":
        return (None if value is None else categories.get(value, value)), None
    return value, fmt


def write_table(ws: Worksheet, top: int, columns: list[dict], rows: list[dict], lab: Labels,
                categories: dict[str, str], *, filter_and_freeze: bool = True) -> int:
    """Write a header row at `top` and one row per dict; set widths, formats, frozen header and autofilter.

    Returns the last row written (the header row when `rows` is empty).
    """
    for j, col in enumerate(columns, start=1):
        cell = put(ws, top, j, lab[col["label"]])
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(j)
        width = col.get("width", 14)
        if (ws.column_dimensions[letter].width or 0) < width:
            ws.column_dimensions[letter].width = width
    ws.row_dimensions[top].height = 32
    r = top
    for r, row in enumerate(rows, start=top + 1):
        for j, col in enumerate(columns, start=1):
            value, fmt = _convert(row.get(col["key"].format(lang=lab.lang)), col["format"], lab, categories)
            put(ws, r, j, value, fmt)
    if filter_and_freeze:
        ws.freeze_panes = ws.cell(row=top + 1, column=1)
        ws.auto_filter.ref = f"A{top}:{get_column_letter(len(columns))}{max(r, top)}"
        ws.print_title_rows = f"{top}:{top}"
    return r


def _page_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _title(ws: Worksheet, title: str, subtitle: str | None = None) -> int:
    """Write a sheet title (and subtitle); return the next free row."""
    put(ws, 1, 1, title).font = TITLE_FONT
    if subtitle:
        put(ws, 2, 1, subtitle).font = SUBTITLE_FONT
        return 4
    return 3


def _key_values(ws: Worksheet, top: int, items: list[tuple[str, object, str | None, str]], col: int = 1,
                widths: tuple[int, int, int] | None = None) -> int:
    """Write (label, value, format, unit) rows as a small block from column `col`; return the next free row."""
    for i, (label, value, fmt, unit) in enumerate(items):
        r = top + i
        cell = put(ws, r, col, label)
        cell.font = BOLD
        cell.fill = KEY_FILL
        cell.alignment = WRAP_TOP
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        put(ws, r, col + 1, value, fmt).alignment = Alignment(
            horizontal="right" if is_number else "left", vertical="top", wrap_text=isinstance(value, str))
        put(ws, r, col + 2, unit).font = NOTE_FONT
        if isinstance(value, str) and len(value) > 28:  # wrapped text: make room (spreadsheets do not grow rows)
            ws.row_dimensions[r].height = 15 * (len(value) // 26 + 1)
    if widths:
        for j, w in enumerate(widths):
            ws.column_dimensions[get_column_letter(col + j)].width = w
    return top + len(items) + 1


def _category_names(data: ReportData, lang: str) -> dict[str, str]:
    return {c["category_id"]: c.get(f"category_name_{lang}") or c["category_id"] for c in data.categories}


def _note(ws: Worksheet, row: int, text: str, width_cols: int = 8) -> int:
    put(ws, row, 1, text).font = NOTE_FONT
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width_cols)
    ws.cell(row=row, column=1).alignment = WRAP_TOP
    ws.row_dimensions[row].height = 15 * max(1, len(text) // 110 + 1)
    return row + 2


def _run_lines(data: ReportData, lab: Labels) -> list[tuple[str, object, str | None, str]]:
    run = data.run
    status = lab["run_status_published" if run.get("is_published") else "run_status_draft"]
    orgs = ", ".join(o["name"] for o in data.organisations)
    return [
        (lab["organisations"], orgs, None, ""),
        (lab["run"], f"{run['run_id']} – {status}", None, ""),
        (lab["factor_set"], f"{run['factor_set_id']}@{run['factor_set_version']}", None, ""),
        (lab["mapping"], mapping_text(data), None, ""),
        (lab["generated"], data.generated_at, None, ""),
    ]


def _summary_sheet(wb: Workbook, data: ReportData, lab: Labels, taken: set[str]) -> tuple[Worksheet, int]:
    """Write the summary sheet; return it and the row where the department chart goes."""
    ws = wb.active
    ws.title = sheet_name(lab["summary"], taken)
    h = headline(data)
    row = _title(ws, lab.t("workbook_title", year=data.year), lab["report_subtitle"])
    row = _key_values(ws, row, _run_lines(data, lab))
    for j, text in enumerate([lab["key"], lab["figure"], lab["unit"]], start=1):
        cell = put(ws, row, j, text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    row += 1
    figures = [
        (lab["total_emissions"], h["emissions_kg_co2e"] / 1000, "t", lab["unit_t"]),
        (lab["emissions_lower_t"], h["emissions_lower_kg_co2e"] / 1000, "t", lab["unit_t"]),
        (lab["emissions_upper_t"], h["emissions_upper_kg_co2e"] / 1000, "t", lab["unit_t"]),
        (lab["co2_only"], h["emissions_kg_co2"] / 1000, "t", lab["unit_t_co2"]),
    ]
    if h["previous_kg_co2e"] is not None:
        figures += [
            (lab["previous_year"] + f" ({h['previous_year']})", h["previous_kg_co2e"] / 1000, "t", lab["unit_t"]),
            (lab.t("change_from_last_year", year=h["previous_year"]), h["change_kg_co2e"] / 1000, "t", lab["unit_t"]),
            (lab["change_pct"], h["change_share"], "share", ""),
        ]
    else:
        figures.append((lab.t("change_from_last_year", year=h["previous_year"]),
                        lab.t("no_previous_year", year=h["previous_year"]), None, ""))
    if h["intra_group_spend_sek"]:
        figures += [(lab["group_emissions"], h["group_emissions_kg_co2e"] / 1000, "t", lab["unit_t"]),
                    (lab["intra_group_spend"], h["intra_group_spend_sek"], "sek", lab["unit_sek"])]
    figures += [
        (lab["spend_in_scope"], h["spend_in_scope_sek"], "sek", lab["unit_sek"]),
        (lab["spend_mapped"], h["mapped_spend_sek"], "sek", lab["unit_sek"]),
        (lab["unmapped_spend"], h["unmapped_spend_sek"], "sek", lab["unit_sek"]),
        (lab["excluded_spend"], h["excluded_spend_sek"], "sek", lab["unit_sek"]),
        (lab["loaded_spend"], h["loaded_spend_sek"], "sek", lab["unit_sek"]),
        (lab["coverage_share"], h["coverage_share"], "share", ""),
        (lab["intensity"], h["intensity_kg_co2e_per_ksek"], "decimal1", lab["unit_kg_per_ksek"]),
        (lab["dq_score"], h["dq_score"], "decimal1", ""),
        (lab["n_lines"], h["n_lines"], "int", ""),
    ]
    for alt in data.sensitivity:
        key = f"set_short_{alt['factor_set_id']}"
        name = lab[key] if key in lab.keys() else alt["name"]
        figures.append((lab.t("sensitivity_headline", name=name, t=fmt_tonnes(alt["emissions_kg_co2e"], lang=lab.lang),
                              share=fmt_percent(alt["ratio_to_run"], 0, lab.lang)),
                        alt["emissions_kg_co2e"] / 1000, "t", lab["unit_t"]))
    for e in data.energy_estimates:
        if e["estimated_spend_sek"] and e["energy_kind"] != "other":
            figures.append((f"{lab['estimate_flag'].capitalize()}: {lab['energy_kind_' + e['energy_kind']]}"
                            + (f" ({data.organisation_name(e['organisation_id'])})" if data.multiple_organisations else ""),
                            e["estimated_emissions_kg_co2e"] / 1000, "t", lab["unit_t"]))
    if data.budget and not data.budget.get("error"):
        b = data.budget
        figures += [f for f in [
            (lab["remaining_budget"], b.get("remaining_t"), "decimal1", lab["unit_t"]),
            (lab["runs_out_year"], b.get("runs_out_year") or lab["runs_out_never"], "year", ""),
            (lab["required_reduction"], b.get("required_reduction"), "share", ""),
            (lab["verdict"], localised(b, "verdict", lab.lang), None, ""),
        ] if f[1] is not None]
    if data.investments and data.investments.get("green_share") is not None:
        figures.append((lab["green_share"], data.investments["green_share"], "share", ""))
    summary_keys_top = row
    row = _key_values(ws, row, figures)
    if data.organisation_totals:
        put(ws, row, 1, lab["by_organisation"]).font = BOLD
        org_cols = [
            {"key": "label", "label": "organisation", "format": "ledger"},
            {"key": "emissions_kg_co2e", "label": "emissions_t", "format": "t"},
            {"key": "spend_sek", "label": "spend_in_scope", "format": "sek"},
            {"key": "intra_group_spend_sek", "label": "intra_group_spend", "format": "sek"},
        ]
        rows = [{**o, "label": data.organisation_name(o["organisation_id"])
                 + (f" – {lab['group_row']}" if o["is_group"] else "")} for o in data.organisation_totals]
        row = write_table(ws, row + 1, org_cols, rows, lab, {}, filter_and_freeze=False) + 2
    _note(ws, row, lab["sheet_note_formula_safety"], 3)
    ws.column_dimensions["A"].width = 38
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 16
    ws.sheet_view.showGridLines = False
    _page_setup(ws)
    ws.page_setup.orientation = "portrait"
    return ws, summary_keys_top


def _department_chart(summary: Worksheet, anchor_row: int, departments: Worksheet, header_row: int, n: int,
                      keys: list[str], lab: Labels) -> None:
    """Add a native horizontal bar chart of emissions per department (top 25) to the summary sheet."""
    if n == 0:
        return
    shown = min(n, 25)
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = lab["chart_departments"]
    chart.legend = None
    value_col = keys.index("emissions_kg_co2e") + 1
    name_col = keys.index("chart_label" if "chart_label" in keys else "department") + 1
    values = Reference(departments, min_col=value_col, min_row=header_row, max_row=header_row + shown)
    names = Reference(departments, min_col=name_col, min_row=header_row + 1, max_row=header_row + shown)
    chart.add_data(values, titles_from_data=True)
    # department names are text: refer to them as strings (set_categories would write a numeric reference)
    chart.series[0].cat = AxDataSource(strRef=StrRef(f=str(names)))
    chart.gapWidth = 40
    chart.x_axis.scaling.orientation = "maxMin"  # largest on top ...
    chart.y_axis.crosses = "max"                 # ... and the value axis stays at the bottom
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.numFmt = "#,##0"
    chart.y_axis.majorGridlines = None
    chart.series[0].graphicalProperties.solidFill = "1D6F58"
    chart.height = max(7.5, 0.7 * shown + 2.5)
    chart.width = 18
    summary.add_chart(chart, f"E{anchor_row}")


def _department_sheets(wb: Workbook, data: ReportData, lab: Labels, taken: set[str],
                       categories: dict[str, str]) -> None:
    columns = [
        {"key": "category_name", "label": "category", "format": "text", "width": 30},
        {"key": "account", "label": "account", "format": "ledger", "width": 10},
        {"key": "account_name", "label": "account_name", "format": "ledger", "width": 30},
        {"key": "rule_level", "label": "rule_level", "format": "rule_level", "width": 18},
        {"key": "exclusion_reason", "label": "exclusion_reason", "format": "reason", "width": 22},
        {"key": "factor_code", "label": "factor_code", "format": "ledger", "width": 12},
        {"key": "factor_name", "label": "factor_name", "format": "text", "width": 36},
        {"key": "spend_sek", "label": "spend_sek", "format": "sek", "width": 16},
        {"key": "emissions_kg_co2e", "label": "emissions_t", "format": "t", "width": 16},
        {"key": "n_lines", "label": "n_lines", "format": "int", "width": 10},
    ]
    for d in data.departments:
        label = data.department_name(d["organisation_id"], d["department"]) or lab["unknown_department"]
        ws = wb.create_sheet(sheet_name(label, taken))
        row = _title(ws, label, data.organisation_name(d["organisation_id"]))
        items = [
            (lab["total_emissions"], d["emissions_kg_co2e"] / 1000, "t", lab["unit_t"]),
            (lab["emissions_lower_t"], d["emissions_lower_kg_co2e"] / 1000, "t", lab["unit_t"]),
            (lab["emissions_upper_t"], d["emissions_upper_kg_co2e"] / 1000, "t", lab["unit_t"]),
            (lab["share_of_total"], d["share_of_total"], "share", ""),
            (lab["previous_year"], None if d["previous_kg_co2e"] is None else d["previous_kg_co2e"] / 1000, "t",
             lab["unit_t"]),
            (lab["change_pct"], d["change_share"], "share", ""),
            (lab["spend_in_scope"], d["spend_sek"], "sek", lab["unit_sek"]),
            (lab["spend_mapped"], d["mapped_spend_sek"], "sek", lab["unit_sek"]),
            (lab["unmapped_spend"], d["unmapped_spend_sek"], "sek", lab["unit_sek"]),
            (lab["excluded_spend"], d["excluded_spend_sek"], "sek", lab["unit_sek"]),
            (lab["intensity"], d["intensity_kg_co2e_per_ksek"], "decimal1", lab["unit_kg_per_ksek"]),
        ]
        rows = [{**r, "category_name": categories.get(r["category_id"]) if r["category_id"] else None}
                for r in data.accounts_of(d["organisation_id"], d["department"])]
        write_table(ws, row, columns, rows, lab, categories)
        _key_values(ws, row, items, col=len(columns) + 2, widths=(30, 14, 12))
        _page_setup(ws)


def _table_sheets(wb: Workbook, data: ReportData, lab: Labels, taken: set[str], categories: dict[str, str],
                  layout: list[dict], only: set[str]) -> dict[str, tuple[Worksheet, int, int]]:
    """Write the layout's table sheets whose id is in `only`; return id -> (sheet, header row, n rows, keys)."""
    out = {}
    for spec in layout:
        if spec["id"] not in only:
            continue
        ws = wb.create_sheet(sheet_name(lab[spec["name"]], taken))
        rows = getattr(data, spec["source"])
        columns = spec["columns"]
        if spec["id"] == "departments":
            rows = [{**r, "organisation_name": data.organisation_name(r["organisation_id"]),
                     "department": data.department_name(r["organisation_id"], r["department"])
                     or lab["unknown_department"],
                     "chart_label": f"{data.department_name(r['organisation_id'], r['department']) or lab['unknown_department']} "
                                    f"({data.organisation_name(r['organisation_id'])})"} for r in rows]
            if data.multiple_organisations:  # the chart names each department with its organisation
                columns = [*columns, {"key": "chart_label", "label": "department_and_organisation",
                                      "format": "ledger", "width": 44}]
        elif spec["id"] == "energy_estimates":
            rows = [{**r, "kind_label": lab[f"energy_kind_{r['energy_kind']}"],
                     "action": (lab["estimate_flag"] + ": " + lab["estimate_action_litres" if r["energy_kind"] == "fuel"
                                                                   else "estimate_action_kwh"]
                                + (". " + lab["combustion_missing"] if r["is_combustion_missing"] else ""))
                     if r["estimated_spend_sek"] and r["energy_kind"] != "other" else ""} for r in rows]
        elif spec["id"] == "flagged_factors":
            rows = [{**r, "flag": lab[f"flag_{r['flag']}"]} for r in rows]
        elif spec["id"] == "reconciliation":
            rows = [{**r, "status_label": lab.t(f"batch_status_{r['status']}") if f"batch_status_{r['status']}"
                     in lab.keys() else r["status"]} for r in rows]
        top = _title(ws, f"{lab[spec['name']]} {data.year}")
        if spec.get("intro"):
            top = _note(ws, top, lab[spec["intro"]], len(columns))
        if not rows and spec.get("empty"):
            _note(ws, top, lab[spec["empty"]], len(columns))
            top += 2
        write_table(ws, top, columns, rows, lab, categories)
        _page_setup(ws)
        out[spec["id"]] = (ws, top, len(rows), [c["key"] for c in columns])
    return out


def _budget_sheet(wb: Workbook, data: ReportData, lab: Labels, taken: set[str]) -> None:
    ws = wb.create_sheet(sheet_name(lab["budget_vs_actual"], taken))
    row = _title(ws, f"{lab['budget_vs_actual']} {data.year}")
    b = data.budget
    if not b or b.get("error"):
        text = lab.t("budget_error", name=b.get("name") or "", error=b["error"]) if b else lab["no_budget"]
        _note(ws, row, text, 6)
        ws.column_dimensions["A"].width = 60
        return
    lang = lab.lang
    items = [(lab["name"], b.get("name"), None, ""),
             (lab["budget_method"], localised(b, "describe", lang) or b.get("method"), None, ""),
             (lab["budget_start_year"], b.get("start_year"), "year", ""),
             (lab["budget_total"], b.get("total_t"), "decimal1", lab["unit_t"]),
             (lab["remaining_budget"], b.get("remaining_t"), "decimal1", lab["unit_t"]),
             (lab["runs_out_year"], b.get("runs_out_year") or lab["runs_out_never"], "year", ""),
             (lab["runs_out_date"], fmt_runs_out(b.get("runs_out") or b.get("runs_out_date"), lang,
                                                 b.get("runs_out_earliest"), b.get("runs_out_latest"),
                                                 ranged=bool(b.get("runs_out_ranged"))) or None, None, ""),
             (lab["required_reduction"], b.get("required_reduction"), "share", ""),
             (lab["status"], lab.status(b.get("status")), None, ""),
             (lab["verdict"], localised(b, "verdict", lang), None, "")]
    for w in b.get("warnings") or []:
        items.append((lab["warnings"], w if isinstance(w, str) else (w.get(lang) or w.get("en")), None, ""))
    has_trend = any(y.get("trend_t") is not None for y in b["years"])
    columns = [
        {"key": "year", "label": "year", "format": "year", "width": 8},
        {"key": "budget_t", "label": "budget_year", "format": "decimal1", "width": 14},
        {"key": "actual_t", "label": "actual", "format": "decimal1", "width": 14},
        {"key": "deviation_t", "label": "deviation", "format": "decimal1", "width": 14},
        {"key": "cumulative_budget_t", "label": "cumulative_budget", "format": "decimal1", "width": 16},
        {"key": "cumulative_actual_t", "label": "cumulative_actual", "format": "decimal1", "width": 16},
    ] + ([{"key": "trend_t", "label": "trend", "format": "decimal1", "width": 14}] if has_trend else [])
    header = row
    last = write_table(ws, header, columns, b["years"], lab, {})
    facts_end = _key_values(ws, header, [i for i in items if i[1] is not None], col=len(columns) + 2,
                            widths=(28, 34, 10))
    if b["years"]:
        chart = LineChart()
        chart.title = lab["chart_budget"]
        chart.style = 12
        chart.add_data(Reference(ws, min_col=2, max_col=3, min_row=header, max_row=last), titles_from_data=True)
        if has_trend:
            chart.add_data(Reference(ws, min_col=7, max_col=7, min_row=header, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=header + 1, max_row=last))
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.y_axis.numFmt = "#,##0"
        chart.series[0].graphicalProperties.line.solidFill = "B03A2E"
        chart.series[0].graphicalProperties.line.dashStyle = "dash"
        chart.series[1].graphicalProperties.line.solidFill = "1D6F58"
        chart.series[1].graphicalProperties.line.width = 28000
        if has_trend:
            chart.series[2].graphicalProperties.line.solidFill = "6B7785"
            chart.series[2].graphicalProperties.line.dashStyle = "sysDot"
        chart.height = 8.5
        chart.width = 18
        ws.add_chart(chart, f"{get_column_letter(len(columns) + 2)}{facts_end + 1}")
    top = last + 3
    if b.get("departments"):
        put(ws, top - 1, 1, lab["budget_by_department"]).font = BOLD
        dep_cols = [
            {"key": "organisation_name", "label": "organisation", "format": "ledger", "width": 22},
            {"key": "department", "label": "department", "format": "ledger", "width": 34},
            {"key": "budget_t", "label": "budget_year", "format": "decimal1", "width": 14},
            {"key": "actual_t", "label": "actual", "format": "decimal1", "width": 14},
            {"key": "deviation_t", "label": "deviation", "format": "decimal1", "width": 14},
            {"key": "remaining_t", "label": "remaining_budget", "format": "decimal1", "width": 16},
            {"key": "status_label", "label": "status", "format": "text", "width": 14},
            {"key": "verdict", "label": "verdict", "format": "text", "width": 40},
        ]
        rows = [{**r, "organisation_name": data.organisation_name(r.get("organisation_id") or ""),
                 "department": data.department_name(r.get("organisation_id"), r.get("department"))
                 or (lab["unknown_department"] if r.get("department") else None),
                 "deviation_t": r.get("deviation_t", None if r.get("actual_t") is None or r.get("budget_t") is None
                                      else r["actual_t"] - r["budget_t"]),
                 "status_label": lab.status(r.get("status")), "verdict": localised(r, "verdict", lang)}
                for r in b["departments"]]
        top = write_table(ws, top, dep_cols, rows, lab, {}, filter_and_freeze=False) + 3
    if len(b.get("perspectives") or []) > 1:
        put(ws, top - 1, 1, lab["perspectives"]).font = BOLD
        p_cols = [
            {"key": "perspective_label", "label": "perspective", "format": "text", "width": 22},
            {"key": "name", "label": "name", "format": "ledger", "width": 34},
            {"key": "year", "label": "year", "format": "year", "width": 14},
            {"key": "actual_t", "label": "actual", "format": "decimal1", "width": 14},
            {"key": "budget_t", "label": "budget_year", "format": "decimal1", "width": 14},
            {"key": "remaining_t", "label": "remaining_budget", "format": "decimal1", "width": 16},
            {"key": "runs_out_date", "label": "runs_out_date", "format": "text", "width": 14},
            {"key": "verdict", "label": "verdict", "format": "text", "width": 14},
            {"key": "unit", "label": "unit", "format": "text", "width": 10},
        ]
        rows = [{**p, "perspective_label": lab[f"perspective_{p.get('perspective')}"]
                 if f"perspective_{p.get('perspective')}" in lab.keys() else p.get("perspective"),
                 "runs_out_date": fmt_runs_out(p.get("runs_out_date"), lang) or None,
                 "name": localised(p, "name", lang), "verdict": localised(p, "verdict", lang)} for p in b["perspectives"]]
        write_table(ws, top, p_cols, rows, lab, {}, filter_and_freeze=False)
    _page_setup(ws)


def _investments_sheet(wb: Workbook, data: ReportData, lab: Labels, taken: set[str]) -> None:
    ws = wb.create_sheet(sheet_name(lab["investments"], taken))
    row = _title(ws, f"{lab['investments']} {data.year}")
    inv = data.investments
    if not inv:
        _note(ws, row, lab["no_investments"], 6)
        ws.column_dimensions["A"].width = 60
        return
    items = [(lab["investments_total"], inv.get("total_sek"), "sek", lab["unit_sek"]),
             (lab["investments_green"], inv.get("green_sek"), "sek", lab["unit_sek"]),
             (lab["green_share"], inv.get("green_share"), "share", ""),
             (lab["capital_goods_emissions"], inv.get("capital_goods_t"), "decimal1", lab["unit_t"]),
             (lab["avoided_emissions"], inv.get("avoided_t_per_year"), "decimal1", lab["unit_t"])]
    loans = inv.get("green_loans") or {}
    if loans:
        items += [(lab["green_loan_total"], loans.get("total_green_loan_sek"), "sek", lab["unit_sek"]),
                  (lab["attributed_reduction"], loans.get("total_attributed_reduction_t_per_year"), "decimal1",
                   lab["unit_t"])]
    fee = inv.get("carbon_fee") or {}
    if fee:
        items += [(lab["carbon_fee_price"], fee.get("price_sek_per_kg"), "decimal2", "kr/kg CO₂e"),
                  (lab["carbon_fee_total"], fee.get("total_sek"), "sek", lab["unit_sek"]),
                  (lab["carbon_fee_fund"], fee.get("fund"), None, "")]
    gap = inv.get("gap") or {}
    if gap.get("rows"):
        closes = gap.get("closes_from")
        items.append((lab["gap"], lab.t("gap_closes_from", year=closes) if closes else
                      lab.t("gap_never_closes", year=max(r["year"] for r in gap["rows"])), None, ""))
    columns = [
        {"key": "project", "label": "project", "format": "ledger", "width": 34},
        {"key": "department", "label": "department", "format": "ledger", "width": 30},
        {"key": "amount_sek", "label": "amount", "format": "sek", "width": 16},
        {"key": "green_category", "label": "green_category", "format": "ledger", "width": 22},
        {"key": "is_green", "label": "is_green", "format": "bool", "width": 8},
        {"key": "expected_reduction_t", "label": "avoided_emissions", "format": "decimal1", "width": 16},
        {"key": "financing", "label": "financing", "format": "ledger", "width": 16},
    ]
    facts_end = _key_values(ws, row, [i for i in items if i[1] is not None], col=len(columns) + 2,
                            widths=(30, 34, 10))
    rows = [{**p, "green_category": localised(p, "green_category", lab.lang),
             "department": data.department_name(p.get("organisation_id"), p.get("department"))
             or (data.organisation_name(p["organisation_id"])
                                                   if p.get("organisation_id") else None),
             "financing": lab[f"financing_{p['financing']}"] if p.get("financing") and
             f"financing_{p['financing']}" in lab.keys() else p.get("financing")} for p in inv["projects"]]
    last = write_table(ws, row, columns, rows, lab, {})
    if gap.get("rows"):
        top = max(last, facts_end) + 3
        put(ws, top - 1, 1, lab["gap"]).font = BOLD
        gap_cols = [
            {"key": "year", "label": "year", "format": "year"},
            {"key": "trend_t", "label": "trend", "format": "decimal1"},
            {"key": "budget_t", "label": "budget_year", "format": "decimal1"},
            {"key": "gap_t", "label": "gap", "format": "decimal1"},
            {"key": "abatement_t", "label": "abatement", "format": "decimal1"},
            {"key": "remaining_gap_t", "label": "remaining_gap", "format": "decimal1"},
        ]
        write_table(ws, top, gap_cols, gap["rows"], lab, {}, filter_and_freeze=False)
    _page_setup(ws)


def _methodology_sheet(wb: Workbook, data: ReportData, lab: Labels, taken: set[str]) -> None:
    ws = wb.create_sheet(sheet_name(lab["methodology_sheet"], taken))
    row = _title(ws, lab["methodology"], lab.t("report_title", year=data.year))
    ws.column_dimensions["A"].width = 34
    for j in range(2, 10):
        ws.column_dimensions[get_column_letter(j)].width = 18
    uncertainty = ", ".join(f"±{fs['relative_uncertainty'] * 100:.0f} %" for fs in data.factor_sets
                            if fs.get("relative_uncertainty") is not None) or "–"
    for key in ("method_intro", "method_classification"):
        row = _note(ws, row, lab[key], 9)
        ws.cell(row=row - 2, column=1).font = Font(color="1F2933")
    put(ws, row, 1, lab["method_steps"]).font = BOLD
    row += 1
    convention = pricing_summary(data)["convention"]
    steps = (("method_step_net", "method_step_fx_spend_year", "method_step_cpi_factor_currency", "method_step_factor")
             if convention == "factor_currency" else
             ("method_step_net", "method_step_cpi", "method_step_fx", "method_step_factor"))
    for i, key in enumerate(steps, 1):
        put(ws, row, 1, f"{i}. {lab[key]}")
        row += 1
    put(ws, row, 1, lab["method_formula_factor_currency" if convention == "factor_currency"
                       else "method_formula"]).font = Font(name="Consolas")
    row += 2
    for key in ("method_uncertainty", "method_credit_notes", "method_capital_goods"):
        row = _note(ws, row, lab.t(key, uncertainty=uncertainty), 9)
        ws.cell(row=row - 2, column=1).font = Font(color="1F2933")

    put(ws, row, 1, lab["conventions"]).font = BOLD
    row += 1
    settings = data.run.get("settings") or {}
    conv = [
        (lab["setting_use_margins"], lab["yes" if settings.get("use_margins", True) else "no"], None, "use_margins"),
        (lab["setting_inflation_convention"],
         lab[f"inflation_{convention}"] if f"inflation_{convention}" in lab.keys() else convention, None,
         "inflation_convention"),
        (lab["factor_region"], settings.get("factor_region") or "–", None, "factor_region"),
        (lab["price_year"], " ".join(str(x) for x in [settings.get("price_year") or "–", *(settings.get("factor_notes")
                                                                                          or [])]), None, "price_year"),
        (lab["setting_gases"], lab[f"gases_{settings.get('gases', 'all')}"]
         if f"gases_{settings.get('gases', 'all')}" in lab.keys() else settings.get("gases"), None, "gases"),
        (lab["mapping"], mapping_text(data), None, ""),
        (lab["setting_tail_spend"], lab.t("tail_spend_on", organisations=tail_spend_text(data))
         if settings.get("tail_spend") else lab["tail_spend_off"], None, "tail_spend"),
    ]
    row = _key_values(ws, row, conv)

    put(ws, row, 1, lab["factor_sets"]).font = BOLD
    row += 1
    fs_cols = [
        {"key": "factor_set_id", "label": "factor_set", "format": "text", "width": 34},
        {"key": "version", "label": "version", "format": "text"},
        {"key": "name", "label": "name", "format": "ledger"},
        {"key": "publisher", "label": "publisher", "format": "ledger"},
        {"key": "url", "label": "url", "format": "ledger"},
        {"key": "licence", "label": "licence", "format": "ledger"},
        {"key": "base_year", "label": "base_year", "format": "year"},
        {"key": "currency", "label": "currency", "format": "text"},
        {"key": "price_basis", "label": "price_basis", "format": "text"},
        {"key": "gases", "label": "gases", "format": "text"},
        {"key": "gwp", "label": "gwp", "format": "text"},
        {"key": "relative_uncertainty", "label": "relative_uncertainty", "format": "share"},
        {"key": "is_partial", "label": "is_partial", "format": "bool"},
        {"key": "n_lines", "label": "n_lines", "format": "int"},
        {"key": "spend_sek", "label": "spend_mapped", "format": "sek"},
    ]
    row = write_table(ws, row, fs_cols, data.factor_sets, lab, {}, filter_and_freeze=False) + 2

    put(ws, row, 1, lab["rule_levels"]).font = BOLD
    row += 1
    cov_cols = [
        {"key": "rule_level", "label": "rule_level", "format": "rule_level", "width": 34},
        {"key": "spend_sek", "label": "spend_sek", "format": "sek"},
        {"key": "share_of_spend", "label": "share_of_spend", "format": "share"},
        {"key": "emissions_kg_co2e", "label": "emissions_t", "format": "t"},
        {"key": "n_lines", "label": "n_lines", "format": "int"},
    ]
    row = write_table(ws, row, cov_cols, data.coverage, lab, {}, filter_and_freeze=False) + 2
    _note(ws, row, lab.t("footer", version=__version__, run_id=data.run_id), 9)
    _page_setup(ws)
    ws.page_setup.orientation = "portrait"


def build_workbook(data: ReportData, lang: str = "sv") -> Workbook:
    """Return the workbook for `data` in `lang` (sheets in the order of issue 8: summary, departments, ...)."""
    data = data.in_currency()       # the run's figures in the ledger's currency (GBP for a UK council)
    lab = get_labels(lang).for_currency(data.currency)
    layout = load_layout()
    categories = _category_names(data, lab.lang)
    wb = Workbook()
    taken: set[str] = set()
    summary, anchor_row = _summary_sheet(wb, data, lab, taken)
    tables = _table_sheets(wb, data, lab, taken, categories, layout, {"departments"})
    _department_sheets(wb, data, lab, taken, categories)
    tables.update(_table_sheets(wb, data, lab, taken, categories, layout,
                                {s["id"] for s in layout} - {"departments"}))
    _budget_sheet(wb, data, lab, taken)
    _investments_sheet(wb, data, lab, taken)
    _methodology_sheet(wb, data, lab, taken)
    dep_ws, dep_header, n, keys = tables["departments"]
    _department_chart(summary, anchor_row, dep_ws, dep_header, n, keys, lab)
    wb.properties.title = lab.t("workbook_title", year=data.year)
    wb.properties.creator = f"klimatspend {__version__}"
    wb.properties.language = lab.lang
    return wb


def write_workbook(data: ReportData, path: str | Path, lang: str = "sv") -> Path:
    """Write the workbook for `data` to `path` (.xlsx) in `lang`; return the path."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    build_workbook(data, lang).save(tmp)
    tmp.replace(path)
    return path
