"""Amounts and who they fall on: buying units, supplier choice, year-on-year development, splitting totals in öre."""

from __future__ import annotations

import numpy as np

from .catalogues import ANSVAR, COMPANY_UNITS
from .suppliers import industry_pools

BASE_YEAR = 2024                    # spend targets in the catalogues are stated for this year
MAX_LINE_SEK = 25_000_000           # no single generated line exceeds this (keeps clear of "large amount" checks)


class Units:
    """Column arrays of the buying units (municipal ansvar or company kostnadsställen)."""

    def __init__(self, codes: list[str], names: list[str], tags: list[tuple[str, ...]], sizes: list[float],
                 groups: list[str]):
        self.codes = codes
        self.names = np.array(names, dtype=object)
        self.tags = tags
        self.sizes = np.array(sizes, dtype=float)
        self.groups = groups
        self.index = {c: i for i, c in enumerate(codes)}

    def select(self, spec: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (unit indices, probabilities) for a selector such as 'tag:school=2 91010'."""
        weights = np.zeros(len(self.codes))
        for token in spec.split():
            sel, _, w = token.partition("=")
            weight = float(w) if w else 1.0
            if sel.startswith("tag:"):
                hit = np.array([sel[4:] in t for t in self.tags])
            elif sel.startswith("fv:"):
                hit = np.array([g == sel[3:] for g in self.groups])
            else:
                hit = np.zeros(len(self.codes), dtype=bool)
                hit[self.index[sel]] = True
            if not hit.any():
                raise ValueError(f"unit selector {sel!r} matches nothing")
            size = np.where(hit, np.maximum(self.sizes, 0.5), 0.0)
            weights += weight * size / size.sum()
        idx = np.flatnonzero(weights)
        return idx, weights[idx] / weights[idx].sum()


def municipal_units() -> Units:
    """Return the municipality's ansvar as Units (size = FTE, group = förvaltning key)."""
    return Units([a.code for a in ANSVAR], [a.name for a in ANSVAR], [a.tags for a in ANSVAR],
                 [a.fte for a in ANSVAR], [a.fv for a in ANSVAR])


def company_units() -> Units:
    """Return the company's kostnadsställen as Units (size = relative weight, one group 'company')."""
    return Units([k.code for k in COMPANY_UNITS], [k.name for k in COMPANY_UNITS], [k.tags for k in COMPANY_UNITS],
                 [k.size for k in COMPANY_UNITS], ["company"] * len(COMPANY_UNITS))


def supplier_choice(spec: str, year: int, switch: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Return (register indices, probabilities) for an industry spec; the first suppliers dominate."""
    pools = industry_pools()
    idx: list[np.ndarray] = []
    prob: list[np.ndarray] = []
    tokens = [t.partition("=") for t in spec.split()]
    total_weight = sum(float(w) if w else 1.0 for _, _, w in tokens)
    for key, _, w in tokens:
        pool = pools[key].copy()
        if switch is not None and year >= switch and len(pool) > 1:
            pool[[0, 1]] = pool[[1, 0]]
        rank_w = 1.0 / np.arange(1, len(pool) + 1) ** 1.3
        idx.append(pool)
        prob.append(rank_w / rank_w.sum() * (float(w) if w else 1.0) / total_weight)
    return np.concatenate(idx), np.concatenate(prob)


def year_factor(year: int, growth: tuple[float, float]) -> float:
    """Return price and volume development of `year` relative to the base year (growth before and after it)."""
    if year <= BASE_YEAR:
        return float((1 + growth[0]) ** (year - BASE_YEAR))
    return float((1 + growth[1]) ** (year - BASE_YEAR))


def year_total_ore(msek: float, year: int, growth: tuple[float, float], rng: np.random.Generator,
              whole_kronor: bool = False, noise: float = 0.015) -> int:
    """Return a year's total in öre for a base-year amount in MSEK, with development and a little noise."""
    sek = msek * 1e6 * year_factor(year, growth) * (1 + rng.normal(0, noise))
    return int(round(sek)) * 100 if whole_kronor else int(round(sek * 100))


def allocate(rng: np.random.Generator, n: int, total_ore: int, sigma: float, *, whole_kronor: bool = False,
             cap_ore: int = MAX_LINE_SEK * 100, weight: np.ndarray | None = None) -> np.ndarray:
    """Split `total_ore` into `n` positive lognormal-shaped amounts (öre) that sum exactly to it.

    `weight` scales each line's expected size (e.g. the month's share of a year's heating).
    """
    unit = 100 if whole_kronor else 1
    draws = rng.lognormal(0.0, sigma, n)
    if weight is not None:
        draws = draws * weight
    x = draws / draws.sum() * total_ore
    for _ in range(50):                      # move the excess of capped lines to the others
        over = x > cap_ore
        if not over.any():
            break
        excess = float((x[over] - cap_ore).sum())
        x[over] = cap_ore
        free = x < cap_ore * 0.98
        x[free] += excess * x[free] / x[free].sum()
    q = (np.floor(x / unit) * unit).astype(np.int64)
    q = np.maximum(q, unit)
    q[int(np.argmax(q))] += total_ore - int(q.sum())
    return q


def subsample(rng: np.random.Generator, n_grid: int, scale: float, minimum: int = 12,
              groups: np.ndarray | None = None) -> np.ndarray:
    """Indices of a structured grid kept at this scale (all of them at the default size).

    With `groups`, every group keeps at least one row, so no group's amount is lost.
    """
    if scale >= 1:
        return np.arange(n_grid)
    k = min(n_grid, max(minimum, int(round(n_grid * scale))))
    if groups is None:
        return np.sort(rng.choice(n_grid, size=k, replace=False))
    order = rng.permutation(n_grid)
    _, first = np.unique(groups[order], return_index=True)
    chosen = set(order[first].tolist())
    rest = [i for i in order.tolist() if i not in chosen][:max(0, k - len(chosen))]
    return np.sort(np.array(sorted(chosen) + rest, dtype=np.int64))


def exact_ore(amount_sek: np.ndarray, groups: np.ndarray, keep: np.ndarray, *,
              whole_kronor: bool = False) -> np.ndarray:
    """Round kept amounts (SEK) to öre so that each group keeps its full-grid total (subsampling moves none)."""
    unit = 100 if whole_kronor else 1
    ore = amount_sek * 100.0
    kept = np.zeros(amount_sek.size, dtype=bool)
    kept[keep] = True
    out = np.zeros(keep.size, dtype=np.int64)
    g_keep = groups[keep]
    for g in np.unique(groups):
        sel = np.flatnonzero(g_keep == g)
        total = int(round(ore[groups == g].sum() / unit)) * unit
        x = ore[keep][sel] * (total / ore[keep][sel].sum())
        q = (np.floor(x / unit) * unit).astype(np.int64)
        q[int(np.argmax(q))] += total - int(q.sum())
        out[sel] = q
    return out
