"""One organisation's ledger lines for one year: every kind of line generated, sorted and numbered."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .allocation import company_units, municipal_units
from .catalogues import COMPANY_ITEMS, COMPANY_PROJECT_WORKS, COMPANY_PROJECTS, MUNICIPAL_ITEMS, PROJECT_WORKS, PROJECTS
from .rows import Rows, credit_notes, project_lines, spend_items
from .structured_lines import depreciation, financial, grants, internal, personnel

DEFAULT_LINES_PER_YEAR = 60_000
COMPANY_LINE_SHARE = 0.06                   # company lines per municipal line (3,600 at the default)


def municipal_frame(year: int, lines: int, seed: int) -> pd.DataFrame:
    """All ledger lines of the municipality for one year (internal columns, not yet formatted)."""
    rng = np.random.default_rng([seed, year, 1])
    units = municipal_units()
    scale = lines / DEFAULT_LINES_PER_YEAR
    rows = Rows()
    personnel(rows, rng, year, units, scale)
    depreciation(rows, rng, year, units, scale)
    internal(rows, rng, year, units, scale)
    grants(rows, rng, year, units, scale)
    financial(rows, rng, year, units, scale)
    project_lines(rows, rng, year, units, PROJECTS, PROJECT_WORKS, scale)
    spend_items(rows, rng, year, units, MUNICIPAL_ITEMS, lines - rows.count())
    df = credit_notes(rows.frame(), rng, year, rows)
    return _finish(df, rng, year, salt=0)


def company_frame(year: int, lines: int, seed: int) -> pd.DataFrame:
    """All posted supplier-invoice lines of the company for one year."""
    rng = np.random.default_rng([seed, year, 2])
    units = company_units()
    scale = lines / (DEFAULT_LINES_PER_YEAR * COMPANY_LINE_SHARE)
    rows = Rows()
    project_lines(rows, rng, year, units, COMPANY_PROJECTS, COMPANY_PROJECT_WORKS, scale, lines_per_msek=3.0)
    spend_items(rows, rng, year, units, COMPANY_ITEMS, lines - rows.count())
    df = credit_notes(rows.frame(), rng, year, rows)
    return _finish(df, rng, year, salt=500_000)


def _finish(df: pd.DataFrame, rng: np.random.Generator, year: int, salt: int) -> pd.DataFrame:
    """Sort by posting date and number the verifications and the suppliers' invoices."""
    df["date"] = df["date"].to_numpy().astype("datetime64[D]")
    df["seq"] = np.arange(len(df))
    df = df.sort_values(["date", "series", "vkey", "seq"], kind="stable").reset_index(drop=True)
    # verification numbers: one per (series, key), numbered per series in date order
    group = df.groupby(["series", "vkey"], sort=False).ngroup().to_numpy()
    firsts = pd.DataFrame({"series": df["series"].to_numpy(), "group": group}).drop_duplicates("group")
    firsts["n"] = firsts.groupby("series").cumcount().to_numpy() + 1
    number = np.empty(len(firsts), dtype=object)
    number[:] = (firsts["series"] + f"{year % 100:02d}" + firsts["n"].astype(str).str.zfill(6)).to_numpy()
    lookup = np.empty(group.max() + 1, dtype=object)
    lookup[firsts["group"].to_numpy()] = number
    df["verification"] = lookup[group]
    # invoice numbers: each supplier numbers its invoices in date order, with gaps for its other customers
    inv = df.loc[df["invoice"] >= 0, ["invoice", "supplier", "date"]].drop_duplicates("invoice")
    inv = inv.sort_values(["supplier", "date", "invoice"], kind="stable")
    sup = inv["supplier"].to_numpy()
    seq = pd.Series(rng.integers(1, 12, size=len(inv))).groupby(sup).cumsum().to_numpy()
    base = 100_000 + (sup * 7919) % 800_000 + (year - 2020) * 40_000 + salt
    style = sup % 4
    yy = f"{year % 100:02d}"
    plain = (base + seq).astype(str)
    dashed = np.char.add(f"F{year}-", np.char.zfill(seq.astype(str), 5))
    short = np.char.add(yy, np.char.zfill(seq.astype(str), 5))
    ocr = np.char.add("7", np.char.zfill(((base * 131 + seq * 7) % 10_000_000).astype(str), 7))
    numbers = np.where(style == 0, plain, np.where(style == 1, dashed, np.where(style == 2, short, ocr)))
    by_key = pd.Series(numbers.astype(object), index=inv["invoice"].to_numpy())
    df["invoice_number"] = df["invoice"].map(by_key).fillna("").astype(object)
    credit = df["credit_of"].to_numpy() >= 0
    if credit.any():
        orig = by_key.reindex(df.loc[credit, "credit_of"].to_numpy()).to_numpy()
        df.loc[credit, "text"] = ("Kreditering faktura " + pd.Series(orig, dtype=object) + ", "
                                  + df.loc[credit, "text"].reset_index(drop=True)).to_numpy()
    return df.drop(columns=["seq"])
