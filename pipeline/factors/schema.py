"""Declared schemas of the reference-data files and a validator that reports every problem.

Every CSV under `emission_factors/` is declared in a sibling `*.meta.json` file:

    {"files": {"factors.csv": {"columns": {"value": {"type": "number", "required": true}, ...},
                                "unique": ["factor_code", "gas"]}}}

Column properties: `type` (string | integer | number | boolean | date), `required`, `pattern`
(regular expression, full match), `enum`, `minimum`, `maximum`, `references` ("file.csv:column",
a file in the same directory or a path relative to `emission_factors/`). Problems are reported
like ledger errors: `factors.csv: row 17, column "value": value "1,2" is not a number (type-error)`.
"""

from __future__ import annotations

import csv
import json
import math
import re
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import Problem, DataError

META_SUFFIX = ".meta.json"
TYPES = ("string", "integer", "number", "boolean", "date")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


class SchemaError(DataError):
    """A reference-data file does not match its declared schema."""

    code = "schema-error"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"{head}{more}; fix the file or run `klimatspend factors validate PATH` to list every problem")


def parse_value(text: str, kind: str) -> object:
    """Parse `text` as `kind` (string|integer|number|boolean|date); raise ValueError when it is not one."""
    if kind == "string":
        return text
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValueError("is not an integer")
        return int(text)
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            raise ValueError("is not a number") from None
        if not math.isfinite(number):
            raise ValueError("is not a finite number")
        return number
    if kind == "boolean":
        low = text.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError("is not true/false")
    if kind == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError("is not a date (YYYY-MM-DD)") from None
    raise ValueError(f"has unknown declared type {kind!r}")


def read_meta(path: Path) -> dict:
    """Read a `*.meta.json` file; raise DataError naming the file when it is not valid JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: cannot read metadata ({exc}); fix the JSON", code="metadata-error") from None


def iter_meta_files(root: Path) -> Iterator[Path]:
    """Yield every metadata file under `root`, in path order."""
    yield from sorted(root.rglob(f"*{META_SUFFIX}"))


def declared_files(root: Path) -> dict[Path, tuple[Path, dict]]:
    """Map every CSV declared by a metadata file under `root` to (metadata path, its schema)."""
    found: dict[Path, tuple[Path, dict]] = {}
    for meta_path in iter_meta_files(root):
        meta = read_meta(meta_path)
        for name, schema in (meta.get("files") or {}).items():
            found[(meta_path.parent / name).resolve()] = (meta_path, schema)
    return found


def check_schema_declaration(schema: dict, file: str) -> list[Problem]:
    """Check that a declared schema itself is well formed (known types, unique columns exist)."""
    problems = []
    columns = schema.get("columns") or {}
    if not columns:
        problems.append(Problem(file, "schema-error", "declares no columns"))
    for name, spec in columns.items():
        if spec.get("type", "string") not in TYPES:
            problems.append(Problem(file, "schema-error", f"declares unknown type {spec.get('type')!r}", column=name))
    for key in schema.get("unique") or []:
        if key not in columns:
            problems.append(Problem(file, "schema-error", "is a unique key but not a declared column", column=key))
    return problems


def validate_csv(path: Path, schema: dict, *, root: Path | None = None, label: str | None = None) -> list[Problem]:
    """Validate the CSV at `path` against `schema`; return every problem found (empty list = valid).

    Checks the header (declared columns present, no undeclared ones), each cell's type, required
    cells, patterns, enums, ranges, the unique key and references to other files.
    """
    label = label or path.name
    problems = check_schema_declaration(schema, label)
    if problems:
        return problems
    columns: dict[str, dict] = schema["columns"]
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        return [Problem(label, "input-error", f"cannot be read ({exc.strerror})")]
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            return [Problem(label, "input-error", "is empty (no header)")]
        except UnicodeDecodeError:
            return [Problem(label, "input-error", "is not UTF-8 text")]
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        missing = [c for c in columns if c not in header]
        for name in missing:
            problems.append(Problem(label, "missing-column", "is declared but missing from the header", column=name))
        for name in header:
            if name not in columns:
                problems.append(Problem(label, "extra-column", "is in the header but not declared in the metadata", column=name))
        if missing:
            return problems
        index = {name: header.index(name) for name in columns}
        patterns = {n: re.compile(s["pattern"]) for n, s in columns.items() if s.get("pattern")}
        unique = schema.get("unique") or []
        seen: dict[tuple, int] = {}
        refs = {n: s["references"] for n, s in columns.items() if s.get("references")}
        ref_values: dict[str, list[tuple[int, str]]] = {n: [] for n in refs}
        try:
            for row_no, row in enumerate(reader, start=1):
                if len(row) != len(header):
                    problems.append(Problem(label, "extra-cell" if len(row) > len(header) else "missing-cell",
                                            f"has {len(row)} cells, the header has {len(header)}", row=row_no))
                    continue
                for name, spec in columns.items():
                    text = row[index[name]]
                    if text == "":
                        if spec.get("required"):
                            problems.append(Problem(label, "missing-cell", "is empty but required", row=row_no, column=name, value=""))
                        continue
                    try:
                        value = parse_value(text, spec.get("type", "string"))
                    except ValueError as exc:
                        problems.append(Problem(label, "type-error", str(exc), row=row_no, column=name, value=text))
                        continue
                    if name in patterns and not patterns[name].fullmatch(text):
                        problems.append(Problem(label, "constraint-error", f"does not match the pattern {spec['pattern']}",
                                                row=row_no, column=name, value=text))
                    if "enum" in spec and value not in spec["enum"]:
                        allowed = ", ".join(str(v) for v in spec["enum"])
                        problems.append(Problem(label, "constraint-error", f"is not one of: {allowed}", row=row_no, column=name, value=text))
                    if "minimum" in spec and isinstance(value, (int, float)) and value < spec["minimum"]:
                        problems.append(Problem(label, "constraint-error", f"is below the minimum {spec['minimum']}",
                                                row=row_no, column=name, value=text))
                    if "maximum" in spec and isinstance(value, (int, float)) and value > spec["maximum"]:
                        problems.append(Problem(label, "constraint-error", f"is above the maximum {spec['maximum']}",
                                                row=row_no, column=name, value=text))
                    if name in refs:
                        ref_values[name].append((row_no, text))
                if unique:
                    key = tuple(row[index[c]] for c in unique)
                    if key in seen:
                        problems.append(Problem(label, "unique-error",
                                                f"repeats the key ({', '.join(unique)}) of row {seen[key]}", row=row_no,
                                                column=unique[0] if len(unique) == 1 else None,
                                                value=" / ".join(key)))
                    else:
                        seen[key] = row_no
        except UnicodeDecodeError:
            problems.append(Problem(label, "input-error", "is not UTF-8 text"))
            return problems
    for name, target in refs.items():
        allowed_values = _referenced_values(path.parent, target, root)
        if allowed_values is None:
            problems.append(Problem(label, "reference-error", f"references {target}, which cannot be read", column=name))
            continue
        for row_no, text in ref_values[name]:
            if text not in allowed_values:
                problems.append(Problem(label, "reference-error", f"is not in {target}", row=row_no, column=name, value=text))
    return problems


def _referenced_values(base: Path, target: str, root: Path | None) -> set[str] | None:
    file_part, _, column = target.partition(":")
    candidates = [base / file_part] + ([root / file_part] if root else [])
    for candidate in candidates:
        if candidate.is_file():
            with candidate.open(encoding="utf-8", newline="") as handle:
                return {row[column] for row in csv.DictReader(handle) if column in row}
    return None


def validate_tree(root: Path) -> list[Problem]:
    """Validate every CSV under `root` against its declaration; undeclared CSVs are problems too."""
    problems: list[Problem] = []
    declared = declared_files(root)
    for csv_path in sorted(root.rglob("*.csv")):
        label = str(csv_path.relative_to(root))
        entry = declared.get(csv_path.resolve())
        if entry is None:
            problems.append(Problem(label, "undeclared-file", "has no schema in a *.meta.json file next to it"))
            continue
        problems.extend(validate_csv(csv_path, entry[1], root=root, label=label))
    for path, (meta_path, _schema) in declared.items():
        if not path.exists():
            problems.append(Problem(str(meta_path.relative_to(root)), "missing-file", f"declares {path.name}, which does not exist"))
    return problems


def require_valid(problems: Iterable[Problem]) -> None:
    """Raise SchemaError when `problems` is not empty."""
    problems = list(problems)
    if problems:
        raise SchemaError(problems)
