"""Activity data (kWh, litres, km ...): read, check against the shipped activity factors, store.

An activity file has one row per measured quantity and says which spend it covers:

    år;konto;kategori;förvaltning;aktivitet;mängd;enhet;egen faktor;faktorkälla
    2024;622;;;electricity_se;1 250;MWh;;
    2024;623;;;district_heating_uk;3 400 000;kWh;0,045;Älvby Energi miljövärde 2024
    2024;;transport;Tekniska förvaltningen;diesel;18 500;liter;;

The spend-based estimate of the covered spend (account prefix or category, optionally one department)
is replaced by quantity x activity factor; see docs/method.md.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..organisations import CATEGORIES, organisation_row
from ..errors import DataError, InputFileError, UsageError
from ..factors.activity import activity_codes, load_activity_factors, table_totals
from ..numbers import parse_number
from ..store import transaction

# Unit as written (lower case, spaces removed) -> (canonical unit, multiplier to the canonical unit).
UNITS: dict[str, tuple[str, float]] = {
    "kwh": ("kWh", 1.0), "mwh": ("kWh", 1000.0), "gwh": ("kWh", 1_000_000.0),
    "l": ("litre", 1.0), "liter": ("litre", 1.0), "litre": ("litre", 1.0), "litres": ("litre", 1.0),
    "liters": ("litre", 1.0), "m3": ("m3", 1.0), "m³": ("m3", 1.0), "nm3": ("m3", 1.0), "nm³": ("m3", 1.0),
    "kubikmeter": ("m3", 1.0), "kg": ("kg", 1.0), "t": ("tonne", 1.0), "ton": ("tonne", 1.0),
    "tonne": ("tonne", 1.0), "tonnes": ("tonne", 1.0), "km": ("km", 1.0), "kilometer": ("km", 1.0),
    "mil": ("km", 10.0),  # Swedish mil = 10 km
    "pkm": ("passenger-km", 1.0), "passenger-km": ("passenger-km", 1.0), "passengerkm": ("passenger-km", 1.0),
    "personkm": ("passenger-km", 1.0), "personkilometer": ("passenger-km", 1.0),
}

# Canonical field -> accepted headers (compared after normalise_header: lower case, no accents or punctuation).
HEADERS: dict[str, list[str]] = {
    "year": ["ar", "year", "aret", "period"],
    "organisation": ["organisation", "org", "organisationid"],
    "account": ["konto", "account", "kontoprefix", "accountprefix"],
    "category": ["kategori", "category", "categoryid"],
    "department": ["forvaltning", "department", "avdelning"],
    "activity": ["aktivitet", "activity", "activitycode", "energibarare", "typ", "type"],
    "quantity": ["mangd", "kvantitet", "quantity", "antal", "forbrukning"],
    "unit": ["enhet", "unit"],
    "factor": ["egenfaktor", "faktor", "emissionsfaktor", "factor", "factorkgco2eperunit", "kgco2eperenhet",
               "egenfaktorkgco2eperenhet", "ownfactor", "ownfactorkgco2eperunit"],
    "factor_source": ["faktorkalla", "factorsource", "kalla", "source"],
    "notes": ["kommentar", "anteckning", "notes", "note"],
}


@dataclass
class ActivityLoad:
    """The result of loading an activity file."""

    activity_batch_id: int
    organisation_id: str
    source_file_name: str
    rows_loaded: int
    replaced: list[int]


PLAUSIBLE_RATIO = 100.0   # an own factor more than 100 times off the table's value is most likely per another unit


def check_rows(rows: list[dict], codes: dict[str, set[str]], file_name: str,
               default_organisation: str | None,
               totals: dict[tuple[str, str], float] | None = None) -> tuple[list[dict], list[str]]:
    """Check and convert raw activity rows (header -> text); return (rows ready to store, every error found).

    Each error reads like `activity.csv: row 3, column "enhet": value "MJ" is not a known unit (unit-error)`.
    An own factor is per the row's unit; one more than 100 times above or below the shipped factor of the
    same activity (`totals`) is refused as implausible (typically given per kWh on a row in MWh).
    """
    good, errors = [], []

    def err(row: dict, field: str, value: str, message: str, code: str) -> None:
        header = row["_headers"].get(field, field)
        errors.append(f'{file_name}: row {row["_source_row"]}, column "{header}": value "{value}" {message} ({code})')

    for row in rows:
        cells = {k: (v or "").strip() for k, v in row.items() if not k.startswith("_")}
        if not any(cells.values()):
            continue
        n_errors = len(errors)
        out = {"source_row": row["_source_row"]}
        year = cells.get("year", "")
        if not re.fullmatch(r"(19|20|21)\d\d", year[:4]) or (len(year) > 4 and not re.fullmatch(r"\d{4}-\d\d", year)):
            err(row, "year", year, "is not a year (YYYY)", "type-error")
        else:
            out["year"] = int(year[:4])
        out["organisation_id"] = cells.get("organisation") or default_organisation
        if not out["organisation_id"]:
            err(row, "organisation", "", "is empty; give --org ID or an organisation column", "missing-cell")
        account = cells.get("account", "")
        category = cells.get("category", "").lower()
        if account and not re.fullmatch(r"\d{1,6}", account):
            err(row, "account", account, "is not an account number or prefix (digits)", "type-error")
        if category and category not in CATEGORIES:
            err(row, "category", category, f"is not a category ({', '.join(CATEGORIES)})", "constraint-error")
        if not account and not category:
            err(row, "account", "", "is empty: give the account (prefix) or the category of the spend the "
                "quantity covers", "missing-cell")
        out["account_prefix"] = account or None
        out["category_id"] = category or None
        out["department"] = cells.get("department") or None
        code = cells.get("activity", "")
        if code not in codes:
            err(row, "activity", code, f"is not a known activity code ({', '.join(sorted(codes))})", "unknown-activity")
        out["activity_code"] = code
        unit_text = cells.get("unit", "")
        unit = UNITS.get(unit_text.lower().replace(" ", ""))
        if unit is None:
            err(row, "unit", unit_text, f"is not a known unit ({', '.join(sorted(set(UNITS)))})", "unit-error")
        elif code in codes and unit[0] not in codes[code] and not cells.get("factor"):
            err(row, "unit", unit_text, f"has no factor for {code} (units with factors: "
                f"{', '.join(sorted(codes[code]))}); convert the quantity or give your own factor", "unit-error")
        try:
            quantity = parse_number(cells.get("quantity", ""))
        except ValueError as exc:
            err(row, "quantity", cells.get("quantity", ""), str(exc), "type-error")
            quantity = None
        factor = None
        if cells.get("factor"):
            try:
                factor = parse_number(cells["factor"])
                if factor < 0:
                    err(row, "factor", cells["factor"], "is negative", "constraint-error")
            except ValueError as exc:
                err(row, "factor", cells["factor"], str(exc), "type-error")
        if factor is not None and unit is not None and totals and (code, unit[0]) in totals and factor > 0:
            table = totals[(code, unit[0])] * unit[1]
            if table > 0 and not 1 / PLAUSIBLE_RATIO <= factor / table <= PLAUSIBLE_RATIO:
                err(row, "factor", cells["factor"], f"kg CO2e per {unit_text} is implausible: the table gives "
                    f"{table:.4g} kg CO2e per {unit_text} for {code}; give the factor per {unit_text}, the unit of "
                    "the row", "implausible-factor")
        if len(errors) > n_errors or unit is None or quantity is None:
            continue
        out.update(quantity=quantity * unit[1], unit=unit[0], quantity_as_given=quantity, unit_as_given=unit_text,
                   factor_kg_co2e_per_unit=None if factor is None else factor / unit[1], factor_as_given=factor,
                   factor_source=cells.get("factor_source") or None, notes=cells.get("notes") or None)
        good.append(out)
    return good, errors


def read_activity_file(con: duckdb.DuckDBPyConnection, path: Path, display_name: str | None = None) -> list[dict]:
    """Read an activity CSV or xlsx into raw rows (canonical field -> text, plus _source_row and _headers)."""
    from .columns import normalise_header
    from .readers import read_table

    name = display_name or path.name
    raw = read_table(con, path, table="_activity_raw", display_name=name)
    fields: dict[int, str] = {}
    headers: dict[str, str] = {}
    lookup = {name: field for field, names in HEADERS.items() for name in names}
    for i, header in enumerate(raw.headers):
        field = lookup.get(normalise_header(header))
        if field and field not in headers:
            fields[i] = field
            headers[field] = header
    for required in ("year", "activity", "quantity", "unit"):
        if required not in headers:
            raise InputFileError(f"{name}: no column for {required} (accepted headers: "
                                 f"{', '.join(HEADERS[required])}); the header row is {', '.join(raw.headers)}",
                                 code="missing-column")
    cols = ", ".join(f"c{i}" for i in fields)
    rows = []
    for values in con.execute(f"select source_row, {cols} from {raw.table} order by source_row").fetchall():
        row = {"_source_row": values[0], "_headers": headers}
        for (i, field), value in zip(fields.items(), values[1:]):
            row[field] = "" if value is None else str(value)
        rows.append(row)
    con.execute(f"drop table if exists {raw.table}")
    return rows


def check_activity_file(con: duckdb.DuckDBPyConnection, path: str | Path, *, organisation_id: str | None = None,
                        version: str | None = None, display_name: str | None = None) -> tuple[list[dict], list[str]]:
    """Read and check an activity file without storing it; return (rows ready to store, every error found).

    The web app shows this check before anything is loaded; `display_name` is the name errors mention."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{display_name or path.name}: no such file")
    if organisation_id is not None:
        organisation_row(con, organisation_id)
    chosen = load_activity_factors(con, version)
    codes = activity_codes(con, chosen)
    return check_rows(read_activity_file(con, path, display_name), codes, display_name or path.name, organisation_id,
                      table_totals(con, chosen))


def load_activity_file(con: duckdb.DuckDBPyConnection, path: str | Path, *, organisation_id: str | None = None,
                       replace: bool = False, loaded_by: str | None = None, version: str | None = None,
                       display_name: str | None = None) -> ActivityLoad:
    """Check an activity file and store it as one batch (all rows or none); return what was stored.

    Raises DataError listing every problem when any row is wrong. With `replace`, earlier loaded batches
    of the same organisation and years are marked deleted in the same transaction.
    """
    source = Path(path)
    rows, errors = check_activity_file(con, source, organisation_id=organisation_id, version=version,
                                       display_name=display_name)
    name = display_name or source.name
    if errors:
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        raise DataError("; ".join(errors[:10]) + more + "; nothing was loaded", code="activity-error")
    if not rows:
        raise DataError(f"{name}: no activity rows found; nothing was loaded", code="activity-error")
    orgs = {r["organisation_id"] for r in rows}
    for org in orgs:
        organisation_row(con, org)
    if len(orgs) > 1:
        raise DataError(f"{name}: rows for several organisations ({', '.join(sorted(orgs))}); load one "
                        "file per organisation", code="activity-error")
    org = orgs.pop()
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    replaced: list[int] = []
    with transaction(con):
        if replace:
            years = sorted({r["year"] for r in rows})
            replaced = [r[0] for r in con.execute(
                f"""select distinct b.activity_batch_id from activity_batch b join activity_data d using (activity_batch_id)
                    where b.status = 'loaded' and b.organisation_id = ? and d.year in ({', '.join(map(str, years))})""",
                [org]).fetchall()]
            if replaced:
                con.execute(f"update activity_batch set status = 'deleted' where activity_batch_id in "
                            f"({', '.join(map(str, replaced))})")
        batch_id = con.execute("select nextval('activity_batch_id_seq')").fetchone()[0]
        con.execute("insert into activity_batch (activity_batch_id, organisation_id, source_file_name, sha256, "
                    "rows_loaded, loaded_by) values (?, ?, ?, ?, ?, ?)",
                    [batch_id, org, name, sha, len(rows), loaded_by])
        con.executemany(
            """insert into activity_data (activity_batch_id, source_row, organisation_id, year, account_prefix,
                   category_id, department, activity_code, quantity, unit, quantity_as_given, unit_as_given,
                   factor_kg_co2e_per_unit, factor_as_given, factor_source, notes)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [[batch_id, r["source_row"], org, r["year"], r["account_prefix"], r["category_id"], r["department"],
              r["activity_code"], r["quantity"], r["unit"], r["quantity_as_given"], r["unit_as_given"],
              r["factor_kg_co2e_per_unit"], r["factor_as_given"], r["factor_source"], r["notes"]] for r in rows])
    return ActivityLoad(batch_id, org, name, len(rows), replaced)


def list_activity(con: duckdb.DuckDBPyConnection, year: int | None = None) -> list[dict]:
    """Return the loaded activity rows (of `year` when given) with their batch and file."""
    cur = con.execute(
        """select b.activity_batch_id, b.source_file_name, d.source_row, d.organisation_id, d.year,
                  d.account_prefix, d.category_id, d.department, d.activity_code, d.quantity_as_given,
                  d.unit_as_given, d.quantity, d.unit, d.factor_as_given, d.factor_source
           from activity_data d join activity_batch b using (activity_batch_id)
           where b.status = 'loaded' and (? is null or d.year = ?)
           order by d.organisation_id, d.year, b.activity_batch_id, d.source_row""", [year, year])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def delete_activity_batch(con: duckdb.DuckDBPyConnection, activity_batch_id: int) -> None:
    """Mark an activity batch deleted (its rows stay for published runs' traceability)."""
    row = con.execute("select status from activity_batch where activity_batch_id = ?", [activity_batch_id]).fetchone()
    if row is None:
        raise UsageError(f"activity batch {activity_batch_id}: no such batch; see `klimatspend activity list`")
    con.execute("update activity_batch set status = 'deleted' where activity_batch_id = ?", [activity_batch_id])
