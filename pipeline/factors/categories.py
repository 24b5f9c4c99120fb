"""The reporting categories (emission_factors/categories.csv): the one list every classification step uses."""

from __future__ import annotations

import csv
from functools import lru_cache

from ..resources import factors_dir


@lru_cache(maxsize=1)
def category_rows() -> tuple[dict, ...]:
    """Return the shipped categories (category_id, name_sv, name_en, sort_order, notes) in their sort order."""
    with (factors_dir() / "categories.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(sorted(rows, key=lambda r: int(r["sort_order"])))


def category_ids() -> tuple[str, ...]:
    """Return the category ids in their sort order (food, energy, transport, ...)."""
    return tuple(r["category_id"] for r in category_rows())
