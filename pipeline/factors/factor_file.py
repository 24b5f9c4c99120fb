"""The long format every factor set's factors.csv follows: its columns, its schema, and how it is written."""

from __future__ import annotations

import csv
from pathlib import Path

OUTPUT_COLUMNS = ["factor_code", "factor_name", "gas", "value", "value_without_margins",
                  "numerator_unit", "denominator_unit", "source_ref", "notes"]

# The schema every factor set's factors.csv follows (custom sets may omit it in their metadata).
FACTOR_FILE_SCHEMA = {
    "columns": {
        "factor_code": {"type": "string", "required": True},
        "factor_name": {"type": "string", "required": True},
        "gas": {"type": "string", "required": True},
        "value": {"type": "number", "required": True},
        "value_without_margins": {"type": "number", "required": False},
        "numerator_unit": {"type": "string", "required": True, "pattern": "^kg .+$"},
        "denominator_unit": {"type": "string", "required": True, "pattern": "^[A-Z]{3}$"},
        "source_ref": {"type": "string", "required": True},
        "notes": {"type": "string", "required": False},
    },
    "unique": ["factor_code", "gas"],
}


def write_factors(rows: list[dict], path: Path) -> None:
    """Write long-format factor rows (dicts of OUTPUT_COLUMNS) to `path` (UTF-8, comma-separated, header first)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=OUTPUT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
