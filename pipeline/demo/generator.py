"""Deterministic demo ledgers for a fictional mid-size Swedish municipality (Älvby kommun) and its housing company.

`generate()` writes what a finance system would export for three fiscal years:

* `alvby_kommun_<year>.csv` — the municipality's cost ledger (huvudbok, cost accounts with their
  supplier columns), Kommun-Bas 13 accounts, cp1252, `;`, decimal comma, Swedish headers;
* `alvbybostader_<year>.xlsx` — the housing company's posted supplier invoices (BAS 2025 accounts),
  two title rows above the header;
* `leverantorsregister.csv` — the supplier register with SNI 2007 codes (supplier-industry mapping);
* `manifest.json` — every file with its organisation, year, row count, total amount, totals per
  kind of spend, and the deliberately bad rows with the error each one should produce.

Everything is fictional (names, organisation numbers, amounts) but shaped like real municipal
data: spend mix, seasonality, price development, credit notes, internal transactions, grants.
The output is byte-identical for the same arguments: all randomness comes from one seeded numpy
Generator per organisation and year, the supplier register from a fixed seed of its own, and the
xlsx zip entries carry fixed timestamps.

This module is the entry point; the steps live next to it in pipeline/demo/: `catalogues` (the
CSV catalogues in catalogues/), `identity` (organisation numbers), `suppliers` (the register),
`allocation` (buyers, suppliers, amounts), `dates`, `rendering` (line texts), `rows` (supplier
invoices, credit notes), `structured_lines` (payroll, depreciation, internal charges, grants,
interest), `ledgers` (one organisation-year, numbered), `bad_rows` and `writing` (file formats).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .bad_rows import BadRow, inject_bad_rows
from .catalogues import EXCLUDED_KINDS, MAPPED_KINDS
from .identity import COMPANY_NAME, COMPANY_ORG_NUMBER, INHABITANTS, MUNICIPALITY_NAME, MUNICIPALITY_ORG_NUMBER
from .ledgers import COMPANY_LINE_SHARE, DEFAULT_LINES_PER_YEAR, company_frame, municipal_frame
from .suppliers import supplier_register
from .writing import COMPANY_SHEET, company_xlsx_bytes, csv_bytes, municipal_table, parse_amounts, register_bytes

DEFAULT_YEARS = (2023, 2024, 2025)
DEFAULT_SEED = 20261128
REGISTER_FILE = "leverantorsregister.csv"
MANIFEST_FILE = "manifest.json"


def municipal_file_name(year: int) -> str:
    """File name of the municipality's ledger for `year`."""
    return f"alvby_kommun_{year}.csv"


def company_file_name(year: int) -> str:
    """File name of the company's ledger for `year`."""
    return f"alvbybostader_{year}.xlsx"


@dataclass
class DemoFile:
    """One generated file: what it holds, how many rows, and its totals (SEK) overall and per kind."""

    name: str
    kind: str                # municipal_ledger | company_ledger | supplier_register
    organisation: str
    org_number: str
    year: int | None
    format: str              # csv | xlsx
    encoding: str
    rows: int                # data rows (header and title rows not counted)
    total_amount_sek: float  # sum of every amount that parses as a number
    loaded_rows: int         # rows expected to pass validation
    loaded_amount_sek: float
    rejected_rows: int
    rejected_amount_sek: float   # parseable amounts on the rejected rows
    sha256: str
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    bad_rows: list[BadRow] = field(default_factory=list)


@dataclass
class DemoManifest:
    """What `generate` wrote: the organisations, the parameters and every file with its totals."""

    seed: int
    years: list[int]
    lines_per_year: int
    municipality: dict[str, object]
    company: dict[str, object]
    files: list[DemoFile]
    generator: str = "pipeline.demo.generator"
    manifest_version: int = 1

    def file(self, name: str) -> DemoFile:
        """Return the entry for the file called `name` (KeyError if there is none)."""
        for f in self.files:
            if f.name == name:
                return f
        raise KeyError(name)

    def ledgers(self, kind: str | None = None) -> list[DemoFile]:
        """Return the ledger files (optionally only `municipal_ledger` or `company_ledger`)."""
        return [f for f in self.files if f.kind != "supplier_register" and (kind is None or f.kind == kind)]

    def as_dict(self) -> dict:
        """Return the manifest as plain data (the content of manifest.json)."""
        return asdict(self)

    def to_json(self) -> str:
        """Return manifest.json's text (UTF-8, stable key order)."""
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> DemoManifest:
        """Read a manifest back from the text of manifest.json."""
        data = json.loads(text)
        files = [DemoFile(**{**f, "bad_rows": [BadRow(**b) for b in f["bad_rows"]]}) for f in data.pop("files")]
        return cls(files=files, **data)


def generate(out_dir: Path, *, years: tuple[int, ...] = DEFAULT_YEARS, lines_per_year: int = DEFAULT_LINES_PER_YEAR,
             seed: int = DEFAULT_SEED) -> DemoManifest:
    """Write the demo ledgers, the supplier register and manifest.json into `out_dir`; return the manifest.

    `lines_per_year` is the approximate number of municipal ledger lines per year (the company gets
    6 % of it); amounts (SEK) do not depend on it, only how finely they are split. The same
    arguments always give byte-identical files. The latest year's municipal file carries seven
    deliberately bad rows, listed in the manifest with the error each should produce.
    """
    years = tuple(sorted(int(y) for y in years))
    if not years:
        raise ValueError("years: give at least one fiscal year")
    if lines_per_year < 500:
        raise ValueError(f"lines_per_year={lines_per_year}: use at least 500 (every kind of spend needs lines)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[DemoFile] = []
    bad_year = years[-1]
    for year in years:
        df = municipal_frame(year, lines_per_year, seed)
        table = municipal_table(df)
        kinds = df["kind"].astype(object)
        amounts = df["amount"].to_numpy()
        bad: list[BadRow] = []
        if year == bad_year:
            rng = np.random.default_rng([seed, year, 3])
            table, bad, kinds = inject_bad_rows(table, rng, year, kinds)
            amounts = parse_amounts(table["Belopp"])
        data = csv_bytes(table, "cp1252")
        name = municipal_file_name(year)
        (out / name).write_bytes(data)
        files.append(_describe(name, "municipal_ledger", MUNICIPALITY_NAME, MUNICIPALITY_ORG_NUMBER, year, "csv",
                               "cp1252", kinds, amounts, bad, data))
    for year in years:
        df = company_frame(year, max(60, int(round(lines_per_year * COMPANY_LINE_SHARE))), seed)
        data = company_xlsx_bytes(df, year)
        name = company_file_name(year)
        (out / name).write_bytes(data)
        files.append(_describe(name, "company_ledger", COMPANY_NAME, COMPANY_ORG_NUMBER, year, "xlsx", "",
                               df["kind"].astype(object), df["amount"].to_numpy(), [], data))
    data = register_bytes()
    (out / REGISTER_FILE).write_bytes(data)
    files.append(DemoFile(REGISTER_FILE, "supplier_register", MUNICIPALITY_NAME, MUNICIPALITY_ORG_NUMBER, None, "csv",
                          "utf-8", len(supplier_register()), 0.0, len(supplier_register()), 0.0, 0, 0.0,
                          _sha256(data)))
    manifest = DemoManifest(
        seed=seed, years=list(years), lines_per_year=lines_per_year,
        municipality={"name": MUNICIPALITY_NAME, "org_number": MUNICIPALITY_ORG_NUMBER, "inhabitants": INHABITANTS,
                      "chart_of_accounts": "Kommun-Bas 13"},
        company={"name": COMPANY_NAME, "org_number": COMPANY_ORG_NUMBER, "chart_of_accounts": "BAS 2025",
                 "sheet": COMPANY_SHEET, "header_row": 3},
        files=files)
    (out / MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8", newline="\n")
    return manifest


def _describe(name: str, kind: str, organisation: str, org_number: str, year: int, fmt: str, encoding: str,
              kinds: pd.Series, amounts: np.ndarray, bad: list[BadRow], data: bytes) -> DemoFile:
    """The manifest entry of one ledger file from its kinds per row ("invalid" marks a bad row) and amounts in öre."""
    rejected = (kinds == "invalid").to_numpy()
    total = int(amounts.sum())
    rejected_sum = int(amounts[rejected].sum())
    return DemoFile(name=name, kind=kind, organisation=organisation, org_number=org_number, year=year, format=fmt,
                    encoding=encoding, rows=int(len(kinds)), total_amount_sek=round(total / 100, 2),
                    loaded_rows=int((~rejected).sum()), loaded_amount_sek=round((total - rejected_sum) / 100, 2),
                    rejected_rows=int(rejected.sum()), rejected_amount_sek=round(rejected_sum / 100, 2),
                    sha256=_sha256(data), by_kind=_by_kind(kinds[~rejected], amounts[~rejected]), bad_rows=bad)


def _by_kind(kinds: pd.Series, amounts: np.ndarray) -> dict[str, dict[str, float]]:
    """Rows and amount (SEK) per kind of spend, in the catalogue's kind order; amounts are given in öre."""
    frame = pd.DataFrame({"kind": kinds.to_numpy(), "amount": amounts})
    out: dict[str, dict[str, float]] = {}
    for kind in (*MAPPED_KINDS, *EXCLUDED_KINDS):
        sel = frame["amount"][frame["kind"] == kind]
        if len(sel):
            out[kind] = {"rows": int(len(sel)), "amount_sek": round(int(sel.sum()) / 100, 2)}
    return out


def _sha256(data: bytes) -> str:
    """Hex sha256 of a file's bytes (the identity ingest uses)."""
    return hashlib.sha256(data).hexdigest()
