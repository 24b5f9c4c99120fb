"""Custom factor sets (an organisation's own, EPD-based, a national agency's per-SEK factors, EXIOBASE imports).

A custom set is a directory `<set_id>/<version>/` with `factor_set.meta.json` and `factors.csv` in the
same long format as the shipped sets (pipeline.factors.factor_file.FACTOR_FILE_SCHEMA). It is validated
with the same rules and loaded as an immutable release with status 'custom'.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..errors import UsageError
from .factor_file import FACTOR_FILE_SCHEMA
from .load import FACTOR_SET_META, Release, load_factor_set
from .schema import Problem, SchemaError, read_meta, validate_csv
from ..store import transaction

REQUIRED_META = ("factor_set_id", "version", "name", "publisher", "licence", "base_year", "currency", "price_basis",
                 "gases", "gwp", "region", "relative_uncertainty")
PRICE_BASES = ("purchaser", "basic")


def find_set_dir(path: Path) -> Path:
    """Return the set directory for `path` (the directory itself, or the folder of a factor_set.meta.json/factors.csv)."""
    path = Path(path)
    if path.is_file():
        path = path.parent
    if not (path / FACTOR_SET_META).is_file():
        raise UsageError(f"{path}: no {FACTOR_SET_META} here; a factor set is a folder <set>/<version>/ with "
                         f"{FACTOR_SET_META} and factors.csv (see docs/factors.md)")
    return path


def check_meta(meta: dict, label: str) -> list[Problem]:
    """Return problems with a factor set's metadata: required keys, types and allowed values."""
    problems = [Problem(label, "missing-cell", "is required in the metadata", column=key)
                for key in REQUIRED_META if meta.get(key) in (None, "")]
    if not isinstance(meta.get("base_year", 0), int):
        problems.append(Problem(label, "type-error", "is not an integer year", column="base_year", value=str(meta["base_year"])))
    currency = str(meta.get("currency", ""))
    if currency and (len(currency) != 3 or not currency.isupper()):
        problems.append(Problem(label, "constraint-error", "is not an ISO 4217 code", column="currency", value=currency))
    if meta.get("price_basis") not in (None, "", *PRICE_BASES):
        problems.append(Problem(label, "constraint-error", f"is not one of: {', '.join(PRICE_BASES)}", column="price_basis",
                                value=str(meta["price_basis"])))
    uncertainty = meta.get("relative_uncertainty")
    if uncertainty not in (None, "") and not (isinstance(uncertainty, (int, float)) and 0 <= uncertainty <= 5):
        problems.append(Problem(label, "constraint-error", "is not a number between 0 and 5", column="relative_uncertainty",
                                value=str(uncertainty)))
    return problems


def validate_set(path: Path) -> list[Problem]:
    """Validate a factor-set directory: metadata, folder names, factors.csv against its schema, units vs currency."""
    directory = find_set_dir(path)
    meta_label = f"{directory.name}/{FACTOR_SET_META}"
    meta = read_meta(directory / FACTOR_SET_META)
    problems = check_meta(meta, meta_label)
    if meta.get("factor_set_id") != directory.parent.name or meta.get("version") != directory.name:
        problems.append(Problem(meta_label, "constraint-error",
                                f"declares {meta.get('factor_set_id')}@{meta.get('version')} but lives in "
                                f"{directory.parent.name}/{directory.name}; rename the folder or fix the metadata"))
    schema = (meta.get("files") or {}).get("factors.csv", FACTOR_FILE_SCHEMA)
    data = directory / "factors.csv"
    if not data.is_file():
        return problems + [Problem(f"{directory.name}/factors.csv", "missing-file", "does not exist")]
    problems += validate_csv(data, schema, label=f"{directory.name}/factors.csv")
    if not problems:
        import csv
        with data.open(encoding="utf-8", newline="") as handle:
            for row_no, row in enumerate(csv.DictReader(handle), start=1):
                if row["denominator_unit"] != meta["currency"]:
                    problems.append(Problem(f"{directory.name}/factors.csv", "constraint-error",
                                            f"differs from the set's currency {meta['currency']}", row=row_no,
                                            column="denominator_unit", value=row["denominator_unit"]))
        with data.open(encoding="utf-8", newline="") as handle:
            if not any(r["gas"] == "CO2e" for r in csv.DictReader(handle)):
                problems.append(Problem(f"{directory.name}/factors.csv", "constraint-error",
                                        "has no gas 'CO2e' rows; every set needs the all-gas total"))
    return problems


def load_custom_set(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, bool]:
    """Validate and load the factor set at `path`; return ('set@version', inserted?). Raises SchemaError."""
    directory = find_set_dir(path)
    problems = validate_set(directory)
    if problems:
        raise SchemaError(problems)
    meta = read_meta(directory / FACTOR_SET_META)
    release = Release("factor_set", meta["factor_set_id"], meta["version"], directory, meta)
    with transaction(con):
        inserted = load_factor_set(con, release)
    return release.label, inserted
