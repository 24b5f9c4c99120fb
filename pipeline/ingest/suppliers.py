"""The supplier register: each supplier's industry (SNI 2007 / NACE Rev. 2) by organisation number.

A register file (CSV or xlsx, Swedish or English headers) has one row per supplier:

    Organisationsnummer;Namn;SNI 2007;SNI-text
    556036-0793;Grossisten AB;46390;Icke specialiserad partihandel med livsmedel

It feeds the 'supplier industry' level of the classification: SNI code -> industry crosswalk -> factor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..errors import DataError, InputFileError

HEADERS: dict[str, list[str]] = {
    "org_number": ["organisationsnummer", "orgnr", "orgnummer", "organisationnumber", "orgnumber", "ornr"],
    "name": ["namn", "name", "leverantor", "leverantorsnamn", "supplier", "suppliername"],
    "sni_code": ["sni2007", "sni", "snikod", "nace", "nacecode", "industrycode"],
    "sni_text": ["snitext", "branch", "bransch", "industry", "nacetext"],
}


@dataclass
class RegisterLoad:
    """The result of loading a supplier register."""

    source_file_name: str
    rows_read: int
    rows_loaded: int
    rows_new: int


def normalise(org_number: str) -> str | None:
    """Return NNNNNN-NNNN for 10 digits (or 12 with the century), else None."""
    digits = re.sub(r"\D", "", org_number or "")
    if len(digits) == 12:
        digits = digits[2:]
    return f"{digits[:6]}-{digits[6:]}" if len(digits) == 10 else None


def load_supplier_register(con: duckdb.DuckDBPyConnection, path: str | Path) -> RegisterLoad:
    """Check a register file and upsert it into `supplier_register` (all rows or none); return counts.

    Raises DataError listing every bad row (org number not 10 digits, SNI code not 2-5 digits, duplicates
    with different codes).
    """
    from .columns import normalise_header
    from .readers import read_table

    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path.name}: no such file")
    raw = read_table(con, path, table="_register_raw", display_name=path.name)
    lookup = {name: field for field, names in HEADERS.items() for name in names}
    cols: dict[str, int] = {}
    for i, header in enumerate(raw.headers):
        field = lookup.get(normalise_header(header))
        if field and field not in cols:
            cols[field] = i
    for required in ("org_number", "sni_code"):
        if required not in cols:
            raise InputFileError(f"{path.name}: no column for {required} (accepted headers: "
                                 f"{', '.join(HEADERS[required])})", code="missing-column")

    def col(field: str) -> str:
        return f"c{cols[field]}" if field in cols else "null"

    rows = con.execute(f"select source_row, {col('org_number')}, {col('name')}, {col('sni_code')}, "
                       f"{col('sni_text')} from {raw.table} order by source_row").fetchall()
    con.execute(f"drop table if exists {raw.table}")
    errors, good, seen = [], {}, {}
    header = raw.headers
    for source_row, org, name, sni, sni_text in rows:
        if not any((org, name, sni)):
            continue
        number = normalise(org or "")
        code = re.sub(r"\D", "", sni or "")
        if number is None:
            errors.append(f'{path.name}: row {source_row}, column "{header[cols["org_number"]]}": value "{org}" '
                          "is not an organisation number (NNNNNN-NNNN) (type-error)")
            continue
        if not 2 <= len(code) <= 5:
            errors.append(f'{path.name}: row {source_row}, column "{header[cols["sni_code"]]}": value "{sni}" '
                          "is not an SNI 2007 code (2-5 digits) (type-error)")
            continue
        if number in good and good[number][1] != code:
            errors.append(f'{path.name}: row {source_row}, column "{header[cols["sni_code"]]}": value "{sni}" '
                          f"differs from row {seen[number]} for the same org number {number} (unique-error)")
            continue
        good[number] = (name, code, sni_text)
        seen[number] = source_row
    if errors:
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        raise DataError("; ".join(errors[:10]) + more + "; nothing was loaded", code="register-error")
    existing = {r[0] for r in con.execute("select org_number from supplier_register").fetchall()}
    con.executemany("insert or replace into supplier_register (org_number, name, sni_code, sni_text, source_file_name) "
                    "values (?, ?, ?, ?, ?)", [[k, v[0], v[1], v[2], path.name] for k, v in good.items()])
    return RegisterLoad(path.name, len(rows), len(good), len(set(good) - existing))
