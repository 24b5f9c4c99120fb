"""The files as a finance system writes them: municipal CSV (cp1252), company xlsx, supplier register CSV."""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import pandas as pd

from .catalogues import ANSVAR, BAS_ACCOUNTS, COMPANY_UNITS, FORVALTNING_BY_KEY, KB13_ACCOUNTS
from .identity import COMPANY_NAME
from .suppliers import supplier_register

MUNICIPAL_HEADER = ["Bokföringsdatum", "Verifikationsnummer", "Konto", "Kontobenämning", "Nämnd", "Förvaltning",
                    "Ansvar", "Verksamhet", "Projekt", "Motpart", "Leverantör", "Organisationsnummer",
                    "Fakturanummer", "Text", "Belopp"]
COMPANY_HEADER = ["Datum", "Konto", "Kontonamn", "Kostnadsställe", "Projekt", "Leverantör", "Org.nr", "Fakturanr",
                  "Beskrivning", "Belopp"]
REGISTER_HEADER = ["Organisationsnummer", "Namn", "SNI 2007", "SNI-text"]
COMPANY_SHEET = "Leverantörsreskontra"

_FORBIDDEN = re.compile(r'[;"\r\n]')


def format_amount(ore: np.ndarray) -> np.ndarray:
    """Format amounts in öre as Swedish decimal-comma strings without thousands separator: -12345,50."""
    ore = np.asarray(ore, dtype=np.int64)
    a = np.abs(ore)
    text = np.char.add(np.char.add((a // 100).astype(str), ","), np.char.zfill((a % 100).astype(str), 2))
    return np.where(ore < 0, np.char.add("-", text), text).astype(object)


def parse_amounts(column: pd.Series) -> np.ndarray:
    """Amounts in öre of a formatted Belopp column; unparseable cells count as 0 (they are rejected)."""
    text = column.astype(str).str.replace(",", ".", regex=False)
    value = pd.to_numeric(text, errors="coerce")
    return np.round(value.fillna(0).to_numpy() * 100).astype(np.int64)


def _register_columns() -> tuple[np.ndarray, np.ndarray]:
    """Supplier names and numbers indexable by register index; index -1 (no supplier) gives ''."""
    reg = supplier_register()
    names = np.array([s.name for s in reg] + [""], dtype=object)
    numbers = np.array([s.org_number for s in reg] + [""], dtype=object)
    return names, numbers


def municipal_table(df: pd.DataFrame) -> pd.DataFrame:
    """The municipal ledger as the finance system exports it: every cell a string, Swedish headers."""
    unit = df["unit"].to_numpy()
    namnd = np.array([FORVALTNING_BY_KEY[a.fv].namnd for a in ANSVAR], dtype=object)[unit]
    forv = np.array([FORVALTNING_BY_KEY[a.fv].name for a in ANSVAR], dtype=object)[unit]
    code = np.array([a.code for a in ANSVAR], dtype=object)[unit]
    verks = np.array([a.verksamhet for a in ANSVAR], dtype=object)[unit]
    names, numbers = _register_columns()
    sup = df["supplier"].to_numpy()
    return pd.DataFrame({
        "Bokföringsdatum": np.datetime_as_string(df["date"].to_numpy().astype("datetime64[D]"), unit="D").astype(object),
        "Verifikationsnummer": df["verification"].to_numpy(),
        "Konto": df["account"].to_numpy(),
        "Kontobenämning": df["account"].map(KB13_ACCOUNTS).to_numpy(),
        "Nämnd": namnd, "Förvaltning": forv, "Ansvar": code, "Verksamhet": verks,
        "Projekt": df["project"].to_numpy(), "Motpart": df["motpart"].to_numpy(),
        "Leverantör": names[sup], "Organisationsnummer": numbers[sup],
        "Fakturanummer": df["invoice_number"].to_numpy(), "Text": df["text"].to_numpy(),
        "Belopp": format_amount(df["amount"].to_numpy()),
    }, dtype=object)


def csv_bytes(table: pd.DataFrame, encoding: str) -> bytes:
    """Join the cells with ';' and CRLF, as a Windows finance system writes them (no quoting needed)."""
    line = None
    for name in table.columns:
        col = table[name].to_numpy(dtype=object)
        hit = _FORBIDDEN.search("\x00".join(col.tolist()))
        if hit:
            raise ValueError(f"column {name!r}: a value contains {hit.group()!r} and would need quoting")
        line = col if line is None else line + ";" + col
    text = ";".join(table.columns) + "\r\n" + "\r\n".join(line.tolist()) + "\r\n"
    return text.encode(encoding)


_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
_FIXED_DOC_TIME = "2020-01-01T00:00:00Z"


def _deterministic_zip(raw: bytes) -> bytes:
    """Rewrite an xlsx zip with fixed timestamps and stored (uncompressed) entries.

    openpyxl stamps the save time into docProps/core.xml and every zip entry; deflate output may
    differ between zlib builds. Fixed times and stored entries make the bytes the same everywhere.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              rb"\g<1>" + _FIXED_DOC_TIME.encode() + rb"\g<3>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_STORED
            entry.external_attr = 0o644 << 16
            entry.create_system = 0
            dst.writestr(entry, data)
    return out.getvalue()


def company_xlsx_bytes(df: pd.DataFrame, year: int) -> bytes:
    """The company's posted supplier invoices as an xlsx: two title rows, header on row 3."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(COMPANY_SHEET)
    for col, width in zip("ABCDEFGHIJ", (11, 7, 34, 13, 9, 36, 13, 13, 44, 14)):
        ws.column_dimensions[col].width = width
    ws.append([f"{COMPANY_NAME} – bokförda leverantörsfakturor {year}"])
    ws.append([])
    ws.append(COMPANY_HEADER)
    names, numbers = _register_columns()
    sup = df["supplier"].to_numpy()
    units = np.array([k.code for k in COMPANY_UNITS], dtype=object)[df["unit"].to_numpy()]
    dates = df["date"].to_numpy().astype("datetime64[D]").astype(object)      # datetime.date
    amounts = (df["amount"].to_numpy() / 100.0).round(2)
    columns = zip(dates, df["account"], df["account"].map(BAS_ACCOUNTS), units, df["project"], names[sup],
                  numbers[sup], df["invoice_number"], df["text"], amounts)
    # plain values: openpyxl gives date cells the format yyyy-mm-dd; amounts are numeric cells
    for date, account, account_name, unit, project, supplier, number, invoice, text, amount in columns:
        ws.append([date, int(account), account_name, unit, project or None, supplier, number, invoice, text,
                   float(amount)])
    wb.properties.creator = COMPANY_NAME
    wb.properties.title = f"Leverantörsreskontra {year}"
    buf = io.BytesIO()
    wb.save(buf)
    return _deterministic_zip(buf.getvalue())


def register_bytes() -> bytes:
    """The supplier register as UTF-8 CSV bytes (';', CRLF, REGISTER_HEADER)."""
    reg = supplier_register()
    table = pd.DataFrame({"Organisationsnummer": [s.org_number for s in reg], "Namn": [s.name for s in reg],
                          "SNI 2007": [s.sni for s in reg], "SNI-text": [s.sni_text for s in reg]}, dtype=object)
    return csv_bytes(table, "utf-8")
