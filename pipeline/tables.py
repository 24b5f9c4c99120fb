"""Read small input tables (CSV or xlsx) such as measures, employees, own emissions or an investment plan.

Files are accepted as people export them: `,` `;` or tab separators, UTF-8 (with or without BOM)
or Windows-1252, decimal comma and spaces as thousands separators ("1 234,5"), headers in Swedish
or English. Every cell is checked against a declared column and every problem is reported, like a
ledger: `measures.csv: row 3, column "start_year": value "20x5" is not a year (type-error)`.
Row numbers are the ones a user sees (the header is row 1). Kernel module: pipeline.budget and
pipeline.investments declare their columns and read through it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from .errors import InputFileError, KlimatspendError, Problem
from .numbers import parse_number

MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    """One declared column: canonical name, accepted header spellings, type and constraints."""

    name: str
    kind: str = "text"             # text | integer | year | number | share | date | boolean | enum
    required: bool = False         # the column must be present and every cell filled
    synonyms: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()  # for enum (compared case-insensitively; stored as declared)
    minimum: float | None = None
    default: object = None
    check: Callable[[object], str | None] | None = None   # returns a problem text or None


class InputValidationError(KlimatspendError):
    """An input file with problems; nothing from it was stored. `problems` lists every one."""

    code = "input-invalid"

    def __init__(self, problems: list, what_next: str = "fix the file and try again"):
        self.problems = list(problems)
        head = "; ".join(str(p) for p in self.problems[:3])
        more = f" (and {len(self.problems) - 3} more)" if len(self.problems) > 3 else ""
        super().__init__(f"{head}{more}; {what_next}")


@dataclass
class Table:
    """A validated input table: typed rows (dicts by canonical column name) with their source row numbers."""

    file: str
    rows: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    columns_found: dict[str, str] = field(default_factory=dict)   # canonical -> header as written


def fold_header(text: str) -> str:
    """Return a header folded for matching: lower case, no accents, words joined by '_'."""
    text = unicodedata.normalize("NFKD", str(text).strip().casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "_".join(re.findall(r"[a-z0-9]+", text))


def read_rows(path: Path, display_name: str | None = None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Return (header, [(row number, cells)]) of a CSV or xlsx file; raise InputFileError when unreadable."""
    name = display_name or path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputFileError(f"{name}: no such file" if isinstance(exc, FileNotFoundError)
                             else f"{name}: cannot read the file ({exc.strerror})") from None
    if size == 0:
        raise InputFileError(f"{name}: the file is empty")
    if size > MAX_BYTES:
        raise InputFileError(f"{name}: the file is {size / 1e6:.0f} MB; an input table this large is not expected")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(path, name)
    else:
        rows = _csv_rows(path, name)
    rows = [(i, r) for i, r in rows if any((c or "").strip() for c in r)]
    if not rows:
        raise InputFileError(f"{name}: no rows found")
    (_, header), data = rows[0], rows[1:]
    return [h.strip() for h in header], data


def _csv_rows(path: Path, name: str) -> list[tuple[int, list[str]]]:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise InputFileError(f"{name}: this is a binary file, not a CSV table; save it as CSV (UTF-8) or xlsx")
    if raw.startswith(codecs.BOM_UTF8):
        text = raw[3:].decode("utf-8", errors="strict")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    lines = text.splitlines()[:20]
    best, best_score = ",", -1.0
    for delim in (";", ",", "\t"):
        counts = [len(r) for r in csv.reader(lines, delimiter=delim) if r]
        if not counts:
            continue
        width = max(set(counts), key=counts.count)
        score = width * counts.count(width) / len(counts) if width > 1 else 0
        if score > best_score:
            best, best_score = delim, score
    try:
        return [(i, row) for i, row in enumerate(csv.reader(io.StringIO(text), delimiter=best), start=1)]
    except csv.Error as exc:
        raise InputFileError(f"{name}: the file cannot be split into cells ({exc}); check the quoting") from None


def _xlsx_rows(path: Path, name: str) -> list[tuple[int, list[str]]]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        sheet = wb.get_sheet_by_name(wb.sheet_names[0]).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for damaged workbooks
        raise InputFileError(f"{name}: cannot read the workbook ({str(exc).splitlines()[0][:200]})") from None
    out = []
    for i, row in enumerate(sheet, start=1):
        cells = []
        for c in row:
            if c is None or c == "":
                cells.append("")
            elif isinstance(c, bool):
                cells.append("true" if c else "false")
            elif isinstance(c, float):
                cells.append(str(int(c)) if c.is_integer() and abs(c) < 1e15 else repr(c))
            elif isinstance(c, datetime):
                cells.append(c.date().isoformat())
            elif isinstance(c, date):
                cells.append(c.isoformat())
            else:
                cells.append(str(c))
        out.append((i, cells))
    return out


def parse_cell(text: str, col: Column):
    """Return the typed value of one cell for `col`; raise ValueError with the problem text."""
    kind = col.kind
    if kind == "text":
        return text.strip()
    if kind in ("number", "share"):
        value = parse_number(text, percent=True)
        if kind == "share":
            if text.strip().endswith("%"):
                value /= 100
            if not 0 <= value <= 1:
                raise ValueError("is not a share between 0 and 1 (write 0.16 or 16 %)")
        return value
    if kind in ("integer", "year"):
        try:
            value = parse_number(text, percent=True)
        except ValueError:
            raise ValueError("is not a year" if kind == "year" else "is not a whole number") from None
        if not value.is_integer():
            raise ValueError("is not a year" if kind == "year" else "is not a whole number")
        value = int(value)
        if kind == "year" and not 1900 <= value <= 2200:
            raise ValueError("is not a year")
        return value
    if kind == "date":
        t = text.strip()[:10]
        try:
            return date.fromisoformat(t)
        except ValueError:
            raise ValueError("is not a date (YYYY-MM-DD)") from None
    if kind == "boolean":
        low = text.strip().casefold()
        if low in ("true", "1", "yes", "ja", "x", "sant"):
            return True
        if low in ("false", "0", "no", "nej", "falskt"):
            return False
        raise ValueError("is not yes/no (ja/nej, true/false)")
    if kind == "enum":
        low = text.strip().casefold()
        for choice in col.choices:
            if low == choice.casefold():
                return choice
        raise ValueError(f"is not one of: {', '.join(col.choices)}")
    raise ValueError(f"has unknown declared type {kind!r}")


def read_table(path: str | Path, columns: list[Column], *, display_name: str | None = None,
               unique: tuple[str, ...] = ()) -> Table:
    """Read and validate `path` against `columns`; return typed rows and every problem (not raised).

    Headers are matched by canonical name or synonym, case-, accent- and punctuation-insensitively.
    Unknown headers are kept out (reported as info, never an error); a missing required column is
    one problem; each bad cell is one problem; rows with problems are left out of `rows`.
    """
    path = Path(path)
    name = display_name or path.name
    table = Table(name)
    header, data = read_rows(path, name)
    lookup: dict[str, Column] = {}
    for col in columns:
        for spelling in (col.name, *col.synonyms):
            lookup[fold_header(spelling)] = col
    index: dict[str, int] = {}
    for i, h in enumerate(header):
        col = lookup.get(fold_header(h))
        if col is None or col.name in index:
            continue
        index[col.name] = i
        table.columns_found[col.name] = h
    for col in columns:
        if col.required and col.name not in index:
            spellings = " or ".join(f'"{s}"' for s in (col.name, *col.synonyms[:2]))
            table.problems.append(Problem(name, "missing-column", f"no column {spellings} in the header "
                                          f"(found: {', '.join(header)})"))
    if table.problems:
        return table
    seen: dict[tuple, int] = {}
    for row_no, cells in data:
        record: dict = {"source_row": row_no}
        ok = True
        for col in columns:
            if col.name not in index:
                record[col.name] = col.default
                continue
            i = index[col.name]
            text = cells[i] if i < len(cells) else ""
            header_text = header[i]
            if not text.strip():
                if col.required:
                    table.problems.append(Problem(name, "missing-cell", "is empty but required", row_no,
                                                  header_text, ""))
                    ok = False
                record[col.name] = col.default
                continue
            try:
                value = parse_cell(text, col)
            except ValueError as exc:
                table.problems.append(Problem(name, "type-error", str(exc), row_no, header_text, text.strip()))
                ok = False
                continue
            if col.minimum is not None and isinstance(value, (int, float)) and value < col.minimum:
                table.problems.append(Problem(name, "constraint-error", f"is below the minimum {col.minimum:g}",
                                              row_no, header_text, text.strip()))
                ok = False
                continue
            if col.check is not None:
                message = col.check(value)
                if message:
                    table.problems.append(Problem(name, "constraint-error", message, row_no, header_text,
                                                  text.strip()))
                    ok = False
                    continue
            record[col.name] = value
        if ok and unique:
            key = tuple(record.get(c) for c in unique)
            if key in seen:
                table.problems.append(Problem(name, "unique-error", f"repeats ({', '.join(unique)}) of row {seen[key]}",
                                              row_no, table.columns_found.get(unique[0]),
                                              " / ".join(str(k) for k in key)))
                ok = False
            else:
                seen[key] = row_no
        if ok:
            table.rows.append(record)
    return table


def require(table: Table, what_next: str = "fix the file and try again") -> list[dict]:
    """Return the table's rows, or raise InputValidationError listing every problem."""
    if table.problems:
        raise InputValidationError(table.problems, what_next)
    return table.rows
