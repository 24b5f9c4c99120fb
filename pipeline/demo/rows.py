"""Supplier-invoice lines: the row accumulator, invoices per spend item and project, and credit notes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .allocation import MAX_LINE_SEK, Units, allocate, supplier_choice, year_total_ore
from .catalogues import MAPPED_KINDS, SEASONS, Project, ProjectWork, SpendItem
from .dates import posting_dates, season_months, to_workday
from .rendering import date_tokens, render

# Internal columns of a generated line; supplier/invoice/credit_of are register indices and
# invoice keys (-1: none), unit an index into Units, amount in öre.
COLUMNS = ("date", "series", "vkey", "account", "unit", "project", "motpart", "supplier", "invoice", "credit_of",
           "text", "amount", "kind", "item")
PROJECT_LINES_PER_MSEK = 5.0
CREDIT_NOTE_RATE = 0.015
CREDITABLE_KINDS = set(MAPPED_KINDS)


class Rows:
    """Accumulates generated ledger lines as column chunks; `frame()` concatenates them."""

    def __init__(self) -> None:
        self.chunks: list[dict[str, np.ndarray]] = []
        self.next_key = 0

    def keys(self, n: int) -> np.ndarray:
        """Reserve `n` fresh verification/invoice keys."""
        k = np.arange(self.next_key, self.next_key + n, dtype=np.int64)
        self.next_key += n
        return k

    def add(self, **cols: Any) -> None:
        """Append one chunk of lines: arrays of equal length, or scalars repeated (missing columns get defaults)."""
        n = len(cols["amount"])
        chunk = {}
        for name in COLUMNS:
            v = cols.get(name)
            if v is None:
                v = {"project": "", "motpart": "", "supplier": -1, "invoice": -1, "credit_of": -1}[name]
            if np.isscalar(v) or isinstance(v, str):
                arr = np.empty(n, dtype=object if isinstance(v, str) else np.int64)
                arr[:] = v
                v = arr
            chunk[name] = np.asarray(v)
        self.chunks.append(chunk)

    def count(self) -> int:
        """Return the number of lines added so far."""
        return sum(len(c["amount"]) for c in self.chunks)

    def frame(self) -> pd.DataFrame:
        """Return every line added so far as one DataFrame with the COLUMNS."""
        data = {name: np.concatenate([c[name] for c in self.chunks]) for name in COLUMNS}
        for name in ("series", "account", "project", "motpart", "text", "kind", "item"):
            data[name] = data[name].astype(object)
        return pd.DataFrame(data)


def invoice_lines(rows: Rows, rng: np.random.Generator, year: int, units: Units, item: SpendItem, n: int,
                  total_ore: int, *, unit_spec: str | None = None, project: str = "",
                  extra_tokens: dict[str, str] | None = None, series: str = "LF") -> None:
    """Generate `n` supplier invoices (together `total_ore` öre) for one spend item, split over lines now and then."""
    if item.season == "monthly" or item.metered:      # invoiced every month: same count per month
        months = rng.permutation(np.arange(n) % 12 + 1)
    else:
        months = season_months(rng, n, item.season)
    dates = posting_dates(rng, year, months)
    weight = np.array(SEASONS[item.season])[months - 1] if item.metered else None
    amounts = allocate(rng, n, total_ore, item.sigma, whole_kronor=item.whole_kronor, weight=weight)
    uidx, up = units.select(unit_spec or item.units)
    unit = uidx[rng.choice(uidx.size, size=n, p=up)]
    sidx, sp = supplier_choice(item.industries, year, item.switch)
    supplier = sidx[rng.choice(sidx.size, size=n, p=sp)]
    template = rng.integers(0, len(item.texts), size=n)
    # split a share of the invoices over 2-4 lines (other units, same supplier and invoice)
    k = np.ones(n, dtype=np.int64)
    split = rng.random(n) < item.split
    k[split] = rng.integers(2, 5, size=int(split.sum()))
    rep = np.repeat(np.arange(n), k)
    first = np.concatenate(([0], np.cumsum(k)[:-1]))
    step = 100 if item.whole_kronor else 1
    share = rng.uniform(0.2, 1.0, rep.size)
    share = share / np.bincount(rep, share)[rep]
    line_amount = (np.floor(amounts[rep] * share / step) * step).astype(np.int64)
    line_amount[first] += amounts - np.bincount(rep, line_amount, minlength=n).astype(np.int64)
    line_unit = unit[rep].copy()
    others = np.ones(rep.size, dtype=bool)
    others[first] = False
    line_unit[others] = uidx[rng.choice(uidx.size, size=int(others.sum()), p=up)]
    invoice = rows.keys(n)
    line_dates = dates[rep]
    extra = {k2: np.full(rep.size, v, dtype=object) for k2, v in (extra_tokens or {}).items()}
    tokens = date_tokens(line_dates, units, line_unit, rng, extra)
    text = render(item.texts, template[rep], tokens)
    rows.add(date=line_dates, series=series, vkey=invoice[rep], account=item.account, unit=line_unit,
             project=project, supplier=supplier[rep], invoice=invoice[rep], text=text, amount=line_amount,
             kind=item.kind, item=item.key)


def project_lines(rows: Rows, rng: np.random.Generator, year: int, units: Units, projects: tuple[Project, ...],
                  works: dict[str, tuple[ProjectWork, ...]] | tuple[ProjectWork, ...], scale: float,
                  lines_per_msek: float = PROJECT_LINES_PER_MSEK) -> None:
    """Generate invoices on investment projects (project code on every line); `works` by kind, or one for all."""
    for p in projects:
        msek = p.msek.get(year)
        if not msek:
            continue
        parts = works[p.works] if isinstance(works, dict) else works
        for n_part, (account, share, industries, texts) in enumerate(parts):
            total = int(round(msek * share * 1e6 * (1 + rng.normal(0, 0.02)))) * 100
            n = max(1, int(round(msek * share * lines_per_msek * scale)),
                    int(np.ceil(total / (MAX_LINE_SEK * 100) * 1.3)))
            item = SpendItem(f"project_{p.code}_{n_part}", "construction", account, 0, 0, p.ansvar, industries,
                             texts, season="construction", sigma=1.0, split=0.0)
            invoice_lines(rows, rng, year, units, item, n, total, project=p.code,
                          extra_tokens={"project": p.name})


def credit_notes(df: pd.DataFrame, rng: np.random.Generator, year: int, rows: Rows) -> pd.DataFrame:
    """Append credit notes: ~1.5 % of supplier invoices are credited (fully or partly) a few weeks later."""
    inv = df[(df["invoice"] >= 0) & df["kind"].isin(CREDITABLE_KINDS)]
    first_lines = inv.drop_duplicates("invoice")
    first_lines = first_lines[first_lines["date"] < np.datetime64(f"{year}-12-01")]
    chosen = rng.random(len(first_lines)) < CREDIT_NOTE_RATE * 1.04
    if not chosen.any() and len(first_lines):     # a small file still shows one credit note
        chosen[rng.integers(0, len(first_lines))] = True
    pick = first_lines[chosen]
    n = len(pick)
    if n == 0:
        return df
    full = rng.random(n) < 0.55
    frac = np.where(full, 1.0, rng.uniform(0.05, 0.5, n))
    amount = -np.round(pick["amount"].to_numpy() * frac).astype(np.int64)
    amount = np.minimum(amount, -1)
    delay = rng.integers(4, 45, size=n).astype("timedelta64[D]")
    dates = pick["date"].to_numpy().astype("datetime64[D]") + delay
    dates = np.minimum(dates, np.datetime64(f"{year}-12-31"))
    dates = to_workday(dates, year)
    credit = pick.copy()
    keys = rows.keys(n)
    credit["date"] = dates
    credit["amount"] = amount
    credit["credit_of"] = pick["invoice"].to_numpy()
    credit["invoice"] = keys
    credit["vkey"] = keys
    return pd.concat([df, credit], ignore_index=True)


def spend_items(rows: Rows, rng: np.random.Generator, year: int, units: Units, items: tuple[SpendItem, ...],
                budget: int) -> None:
    """Supplier invoices for every spend item; `budget` is the number of lines left for them."""
    w = np.array([it.lines for it in items], dtype=float)
    split = np.array([it.split for it in items])
    per_invoice = 1 + (w * split).sum() / w.sum() * 2 + CREDIT_NOTE_RATE
    n_invoices = max(budget, len(items)) / per_invoice
    for it, wi in zip(items, w):
        n = max(1, int(round(n_invoices * wi / w.sum())))
        total = year_total_ore(it.msek, year, it.growth, rng, whole_kronor=it.whole_kronor)
        invoice_lines(rows, rng, year, units, it, n, total)
