"""Deliberately bad rows in one municipal file, each with the finding validation should report for it.

Most are quarantined (severity "error"); a supplier number that cannot identify a Swedish supplier (a foreign VAT
id, a failing check digit) keeps its row with a warning, and its spend is classified by the account."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .catalogues import MAPPED_KINDS
from .writing import format_amount, parse_amounts


@dataclass
class BadRow:
    """A deliberately invalid row: where it is and the finding validation should report for it."""

    row: int                 # line number in the file as a spreadsheet shows it (the header is row 1)
    column: str              # header of the offending column
    field: str               # canonical field (klimatspend's name for the column)
    value: str               # the raw value written
    code: str                # stable error code
    message: str             # the message text validation is expected to give
    note: str = ""
    severity: str = "error"  # error: the row is quarantined; warning: the row is loaded and flagged


# (column, field, code): one row each; the value and message are made by _bad_value
BAD_ROW_SPECS: tuple[tuple[str, str, str], ...] = (
    ("Belopp", "amount", "type-error"),
    ("Konto", "account", "missing-cell"),
    ("Bokföringsdatum", "posting_date", "constraint-error"),
    ("Organisationsnummer", "supplier_org_number", "invalid-org-number"),
    ("Bokföringsdatum", "posting_date", "type-error"),
    ("Belopp", "amount", "missing-cell"),
    ("Konto", "account", "constraint-error"),
    ("Organisationsnummer", "supplier_org_number", "foreign-org-number"),
)
WARNING_CODES = ("invalid-org-number", "foreign-org-number")


def _bad_value(column: str, code: str, row: dict[str, str], year: int) -> tuple[str, str, str]:
    """Return (value, expected message, note) for one deliberately bad cell."""
    if column == "Belopp" and code == "type-error":
        value = "12,5O"
        return value, f'value "{value}" is not a number', "letter O instead of zero"
    if code == "missing-cell":
        return "", "the cell is empty", ""
    if column == "Bokföringsdatum" and code == "constraint-error":
        value = f"{year - 1}-12-31"
        return (value, f'value "{value}" is outside the declared period {year}-01..{year}-12',
                "a date outside the fiscal year; rejected when the file is ingested with its year declared")
    if column == "Bokföringsdatum":
        value = f"{year}-02-30"
        return value, f'value "{value}" is not a date', "no such day"
    if column == "Organisationsnummer" and code == "foreign-org-number":
        value = "DE260543043"
        return (value, f'value "{value}" is a foreign VAT or company number; the row is kept and classified by its '
                "account", "a German VAT id: the row loads with a warning")
    if column == "Organisationsnummer":
        digits = row["Organisationsnummer"].replace("-", "")
        wrong = digits[:9] + str((int(digits[9]) + 1) % 10)
        value = f"{wrong[:6]}-{wrong[6:]}"
        return (value, f'value "{value}" is not a valid Swedish organisationsnummer (check digit or length); the row '
                "is kept and classified by its account", "check digit off by one: the row loads with a warning")
    if column == "Konto":
        value = row["Konto"][:2] + "I" + row["Konto"][3:]
        return value, f'value "{value}" is not an account number (expected 2-6 digits)', "letter I instead of one"
    raise ValueError(f"no bad value defined for {column} {code}")


def inject_bad_rows(table: pd.DataFrame, rng: np.random.Generator, year: int,
                    kinds: pd.Series) -> tuple[pd.DataFrame, list[BadRow], pd.Series]:
    """Insert copies of supplier-invoice rows with one bad cell each; returns the table, the list, the kinds."""
    candidates = np.flatnonzero((table["Organisationsnummer"] != "").to_numpy()
                                & kinds.isin(list(MAPPED_KINDS)).to_numpy()
                                & ~table["Text"].str.startswith("Kreditering").to_numpy())
    n = len(BAD_ROW_SPECS)
    sources = np.sort(rng.choice(candidates, size=n, replace=False))
    pieces, kind_pieces, bad = [], [], []
    start = 0
    for k, (src, (column, fld, code)) in enumerate(zip(sources, BAD_ROW_SPECS)):
        pieces.append(table.iloc[start:src + 1])
        kind_pieces.append(kinds.iloc[start:src + 1])
        copy = table.iloc[[src]].copy()
        # another line of the same invoice (a different amount), so it is no duplicate of its source
        ore = int(parse_amounts(copy["Belopp"])[0])
        copy["Belopp"] = format_amount(np.array([max(100, int(ore * rng.uniform(0.3, 0.9)))]))
        value, message, note = _bad_value(column, code, copy.iloc[0].to_dict(), year)
        copy[column] = value
        pieces.append(copy)
        warning = code in WARNING_CODES
        kind_pieces.append(pd.Series([kinds.iloc[src] if warning else "invalid"]))
        # row number: rows before it (src + 1 originals + k earlier bad rows) plus the header row
        bad.append(BadRow(row=int(src) + 1 + k + 2, column=column, field=fld, value=value, code=code,
                          message=message, note=note, severity="warning" if warning else "error"))
        start = src + 1
    pieces.append(table.iloc[start:])
    kind_pieces.append(kinds.iloc[start:])
    return (pd.concat(pieces, ignore_index=True), bad,
            pd.concat(kind_pieces, ignore_index=True))
