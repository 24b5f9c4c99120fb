"""Read a ledger file (delimited text, xlsx or SIE 4) into a DuckDB table of text cells with source row numbers.

The format is decided by the file's bytes, not its name (pipeline.ingest.filetype, the rule the web
upload uses too): a zip holding `xl/workbook.xml` is an Excel workbook, text starting with SIE tags is
SIE, other text is delimited. Every refusal is an InputFileError whose message names the file and says
what to do.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from ..config import ReadLimits
from ..errors import InputFileError
from ..store import finish_pending
from . import filetype, sie as sie_format
from .workbook_check import check_workbook
from .columns import known_header_names, normalise_header
from .textfile import (FileScan, ScanInProgress, TextEncoding, decode_sample, detect_encoding, guess_plain_utf8,
                       scan_file, utf8_copy)

MAX_FILE_BYTES = 512 * 1024 * 1024      # larger files are refused before reading
MAX_COLUMNS = 500                        # a ledger has tens of columns; thousands means a broken file
MAX_CELL_CHARS = 100_000                 # one cell longer than this is refused (a broken or hostile file)
MAX_HEADER_CHARS = 1_000                 # a header cell longer than this is not a header
HEADER_SEARCH_ROWS = 30                  # title rows above the header are skipped up to this many
DELIMITERS = [";", ",", "\t", "|"]
DELIMITER_NAMES = {";": "semicolon", ",": "comma", "\t": "tab", "|": "pipe"}


@dataclass
class ReadOptions:
    """What the user (or a profile) says about the file's layout; None = detect."""

    sheet: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    header_row: int | None = None            # 1-based row number of the header
    known_headers: tuple[str, ...] = ()      # profile headers that help find the header row
    sie_ledger_accounts: str | None = None   # regex of SIE accounts taken as ledger lines
    sie_dimensions: dict[str, int] = field(default_factory=dict)
    scan: FileScan | ScanInProgress | None = None   # a pass over the file made (or running) by the caller
    limits: ReadLimits | None = None         # None: the settings (environment) or their defaults


@dataclass
class RawTable:
    """A ledger read as text: DuckDB table `table` with columns c0..cN plus `source_row`.

    `headers[i]` is the header of column c<i>; `source_row` is the row number as a user sees it
    (the header row of a CSV = row 1 when it is the first line; the spreadsheet row in an xlsx; the
    line number in an SIE file).
    """

    table: str
    headers: list[str]
    file_format: str                                        # csv | xlsx | sie
    rows_read: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int = 1
    structural_errors: list[dict] = field(default_factory=list)   # rows that could not be split into cells
    numeric_columns: set[int] = field(default_factory=set)        # xlsx: columns holding only number cells
    fixed_mapping: dict[str, str] | None = None             # SIE: canonical field -> header, no guessing
    facts: dict = field(default_factory=dict)               # format facts stored with the batch
    notes: list[str] = field(default_factory=list)          # things the user should know about the read
    batch_findings: list[dict] = field(default_factory=list)  # findings made while reading (e.g. SIE balance)
    empty_rows: int = 0                                     # rows with no content at all (not counted)


def read_table(con: duckdb.DuckDBPyConnection, path: Path, *, table: str, display_name: str,
               sheet: str | None = None, options: ReadOptions | None = None) -> RawTable:
    """Read `path` (csv/txt/tsv, xlsx or SIE 4) into temp table `table`; raise InputFileError if unreadable."""
    opts = options or ReadOptions(sheet=sheet)
    if sheet is not None and opts.sheet is None:
        opts.sheet = sheet
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputFileError(f"{display_name}: cannot read the file ({exc.strerror})") from None
    if size == 0:
        raise InputFileError(f"{display_name}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise InputFileError(f"{display_name}: the file is {size / 1e6:.0f} MB, above the limit of "
                             f"{MAX_FILE_BYTES / 1e6:.0f} MB; split it by period")
    kind = filetype.detect_file(path, name=display_name)
    if kind == "xlsx":
        return _read_workbook(con, path, table=table, display_name=display_name, opts=opts)
    if kind == "sie":
        return _read_sie(con, path, table=table, display_name=display_name, opts=opts)
    return _read_delimited(con, path, table=table, display_name=display_name, opts=opts)


# --- delimited text -----------------------------------------------------------------------------

def detect_delimiter(lines: list[str]) -> str:
    """Return the delimiter (; , tab |) that splits the first lines into the most, consistent columns."""
    best, best_score = ";", -1.0
    for delim in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delim) if row]
        except csv.Error:
            continue
        if not counts:
            continue
        width = max(set(counts), key=lambda w: (counts.count(w), w))
        if width < 2:
            continue
        consistency = counts.count(width) / len(counts)
        score = width * consistency
        if score > best_score:
            best, best_score = delim, score
    return best


def find_header_row(rows: list[list[str]], known: tuple[str, ...] = ()) -> int:
    """Return the index of the header row: the first of the first rows naming >= 2 known fields."""
    names = known_header_names() | {normalise_header(h) for h in known}
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for cell in row if normalise_header(str(cell)) in names)
        if hits >= 2 or (hits == 1 and len([c for c in row if str(c).strip()]) == 1 and len(row) == 1):
            return i
    # no recognisable header: take the first row with two or more filled cells, else the first non-empty;
    # the column-mapping error then lists what was found
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for c in row if str(c).strip()) >= 2:
            return i
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(str(c).strip() for c in row):
            return i
    return 0


def clean_headers(cells: list, display_name: str) -> list[str]:
    """Return header names: trimmed, BOM-free, unique (" (2)" appended), empty ones named "column N"."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        text = "" if cell is None else str(cell)
        text = text.replace("\ufeff", "").replace("ï»¿", "").replace("\n", " ").strip()
        if len(text) > MAX_HEADER_CHARS:
            raise InputFileError(f"{display_name}: header cell {i + 1} is {len(text)} characters long; "
                                 "the file has no header row that klimatspend can recognise")
        name = text or f"column {i + 1}"
        key = name.lower()
        if key in seen:
            seen[key] += 1
            name = f"{name} ({seen[key]})"
        else:
            seen[key] = 1
        out.append(name)
    return out


def _sample_rows(text: str, delimiter: str, display_name: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InputFileError(f"{display_name}: cannot split the first rows into columns ({exc})") from None


class _GuessWrong(Exception):
    """The file is not the plain UTF-8 its first bytes suggested: read it again with the scan's encoding."""


def _read_delimited(con, path: Path, *, table: str, display_name: str, opts: ReadOptions) -> RawTable:
    scan = opts.scan
    if isinstance(scan, ScanInProgress):
        # While the scan runs, DuckDB reads a file whose first bytes are plain UTF-8 as such; the scan then
        # confirms the encoding and the line structure, or the file is read again the way it would have been.
        guess = None if opts.encoding else guess_plain_utf8(path)
        if guess is not None:
            try:
                return _read_delimited_as(con, path, table=table, display_name=display_name, opts=opts, enc=guess,
                                          scan=None, pending=scan)
            except _GuessWrong:
                pass
            except Exception:
                if detect_encoding(path, scan.result()) == guess:
                    raise
            con.execute(f"drop table if exists {table}")
        scan = scan.result()
    enc = _encoding_from_option(opts.encoding) if opts.encoding else detect_encoding(path, scan)
    return _read_delimited_as(con, path, table=table, display_name=display_name, opts=opts, enc=enc, scan=scan)


def _read_delimited_as(con, path: Path, *, table: str, display_name: str, opts: ReadOptions, enc: TextEncoding,
                       scan: FileScan | None, pending: ScanInProgress | None = None) -> RawTable:
    """Read delimited text in encoding `enc`. With `pending` (a scan still running, `enc` guessed from the first
    bytes) DuckDB reads before the scan is known; raises _GuessWrong when the scan finds another encoding."""
    text = decode_sample(path, enc)
    size = path.stat().st_size
    if size > len(text.encode("utf-8", errors="replace")) + 16:
        if "\n" not in text and "\r" not in text:
            raise InputFileError(f"{display_name}: the first line is longer than 256 KB; this is not a ledger "
                                 "export (a CSV has one row per line)")
        text = text[: max(text.rfind("\n"), text.rfind("\r"))]   # the last sample line may be cut
    lines = text.splitlines()[:60]
    if not any(line.strip() for line in lines):
        raise InputFileError(f"{display_name}: no text rows found")
    delimiter = opts.delimiter or detect_delimiter(lines)
    with _csv_field_limit(MAX_CELL_CHARS * 4):
        sample_rows = _sample_rows("\n".join(lines), delimiter, display_name)
    if opts.header_row:
        hidx = opts.header_row - 1
        if hidx >= len(sample_rows):
            raise InputFileError(f"{display_name}: --header-row {opts.header_row} is beyond the first rows of the file")
    else:
        hidx = find_header_row(sample_rows, opts.known_headers)
    header_cells = sample_rows[hidx] if hidx < len(sample_rows) else []
    if len(header_cells) > MAX_COLUMNS:
        raise InputFileError(f"{display_name}: the header has {len(header_cells)} columns (limit {MAX_COLUMNS}); "
                             "this does not look like a ledger export")
    headers = clean_headers(header_cells, display_name)
    if len(headers) < 2:
        raise InputFileError(
            f"{display_name}: only one column found (delimiter tried: {DELIMITER_NAMES.get(delimiter, delimiter)}); "
            "the file needs columns separated by ; , tab or |, or pass --delimiter")

    source, used = utf8_copy(path, enc)
    notes = []
    if used.mixed_lines:
        notes.append(f"{used.mixed_lines} line(s) were in Windows-1252 inside a UTF-8 file and were decoded "
                     "line by line; check names with å, ä, ö in those lines")
    try:
        src = source or path
        ncols = len(headers)
        names = [f"c{i}" for i in range(ncols)]
        structural: list[dict] = []
        python_empty = 0
        # line structure is the same in an 8-bit transcoded copy; UTF-16 and mixed files are scanned anew
        same_lines = used.codec in ("utf-8", "cp1252", "latin-1")
        if pending is not None:
            needs_python = False    # known when the scan ends, after DuckDB's read
        else:
            needs_python = (scan.needs_python_reader if scan is not None and same_lines
                            else _needs_python_reader(src))
        python_read = needs_python or any('"' in line for line in lines[:hidx])
        if not python_read:
            try:
                _read_csv_numbered(con, src, table=table, delimiter=delimiter, skip=hidx + 1, names=names)
            except duckdb.Error:
                # A ragged or otherwise irregular file: Python's csv module tells exactly which row has
                # the wrong number of cells, so no row is lost silently.
                python_read = True
        if pending is not None:
            scan = pending.result()
            if detect_encoding(path, scan) != enc:
                raise _GuessWrong(display_name)
            python_read = python_read or scan.needs_python_reader
        if python_read:
            # DuckDB skips blank lines and miscounts mixed line endings or quoted title rows, which
            # would shift row numbers: read such files with Python's csv module.
            structural, python_empty = _read_delimited_python(con, src, table=table, delimiter=delimiter,
                                                              skip=hidx + 1, ncols=ncols, display_name=display_name)
        # the scan measured every line: without quotes no cell is longer than its line
        bounded = scan is not None and same_lines and scan.bounds_cells(MAX_CELL_CHARS)
        rows, empty = _check_cells(con, table, names, display_name, headers, blank_rows=True, bounded=bounded)
        rows += len(structural)
        empty += python_empty
    finally:
        if source is not None:
            os.unlink(source)
    if rows == 0:
        raise InputFileError(f"{display_name}: no data rows below the header (row {hidx + 1}: "
                             f"{', '.join(repr(h) for h in headers[:12])})")
    return RawTable(table=table, headers=headers, file_format="csv", rows_read=rows, encoding=used.label,
                    delimiter=delimiter, header_row=hidx + 1, structural_errors=structural, notes=notes,
                    empty_rows=empty)


def _read_csv_numbered(con, src: Path, *, table: str, delimiter: str, skip: int, names: list[str]) -> None:
    """Read the records below the first `skip` lines of `src` into temp table `table` (source_row, c0..cN as text);
    source_row = skip + 1 + the record's place (record numbers, as a user sees them: a quoted cell over two lines is
    one record). Raises duckdb.Error when a record does not split into len(names) cells.

    With insertion order preserved DuckDB reads the file in parallel and stores the records in file order: the row
    ids number them (set before any row is deleted). Otherwise row_number() over the serial read does.
    """
    def source(parallel: bool) -> str:
        return (f"""read_csv(?, delim=?, quote='"', escape='"', header=false, skip={skip}, all_varchar=true,
                             strict_mode=true, null_padding=false, max_line_size={MAX_CELL_CHARS * 4},
                             auto_detect=false, columns={_columns_struct(names)}, parallel={str(parallel).lower()})""")

    ordered = con.execute("select current_setting('preserve_insertion_order')").fetchone()[0]
    if not ordered:
        con.execute(f"""create or replace temp table {table} as
                        select cast(row_number() over () + {skip} as integer) as source_row, * from {source(False)}""",
                    [str(src), delimiter])
        return
    columns = ", ".join(f"{n} varchar" for n in names)
    con.execute(f"create or replace temp table {table} (source_row integer, {columns})")
    con.execute(f"insert into {table} ({', '.join(names)}) select * from {source(True)}", [str(src), delimiter])
    con.execute(f"update {table} set source_row = cast(rowid + {skip + 1} as integer)")


def _encoding_from_option(name: str) -> TextEncoding:
    key = name.lower().replace("_", "-")
    aliases = {"utf8": "utf-8", "utf-8-sig": "utf-8", "windows-1252": "cp1252", "cp-1252": "cp1252",
               "latin1": "latin-1", "iso-8859-1": "latin-1", "utf16": "utf-16"}
    codec = aliases.get(key, key)
    if codec not in ("utf-8", "cp1252", "latin-1", "utf-16"):
        raise InputFileError(f"--encoding {name}: use one of utf-8, cp1252, latin-1, utf-16")
    return TextEncoding(codec, 0, f"{codec} (as given)")


def _needs_python_reader(path: Path) -> bool:
    """True when DuckDB's CSV reader would number rows differently from the file: an empty line before
    the last content (DuckDB skips it), or mixed line endings (DuckDB's `skip` then miscounts)."""
    return scan_file(path).needs_python_reader


def _columns_struct(names: list[str]) -> str:
    return "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"


@contextmanager
def _csv_field_limit(limit: int):
    """Python's csv field limit is one setting for the whole process: set it for one read and put the old
    value back, so that other CSV readers (reference tables, tests) never inherit a ledger read's limit."""
    before = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _read_delimited_python(con, source: Path, *, table: str, delimiter: str, skip: int, ncols: int,
                           display_name: str) -> tuple[list[dict], int]:
    """Read the rows below the first `skip` lines with Python's csv module into `table`; return (rows of the wrong
    width, empty rows skipped: rows of empty cells, and empty lines before the last content)."""
    with _csv_field_limit(MAX_CELL_CHARS):
        return _read_delimited_python_rows(con, source, table=table, delimiter=delimiter, skip=skip, ncols=ncols,
                                           display_name=display_name)


def _read_delimited_python_rows(con, source: Path, *, table: str, delimiter: str, skip: int, ncols: int,
                                display_name: str) -> tuple[list[dict], int]:
    good: list[list] = []
    structural: list[dict] = []
    n_empty = trailing = 0      # empty lines count once content follows them (the file's last lines are no rows)
    with open(source, "r", encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        i = 0
        try:
            for i, row in enumerate(reader, start=1):
                if i <= skip:
                    continue
                if not row:
                    trailing += 1
                    continue  # an empty line is not a row
                if all(not c.strip() for c in row):
                    n_empty, trailing = n_empty + trailing + 1, 0
                    continue  # nor is a row of empty cells
                n_empty, trailing = n_empty + trailing, 0
                if len(row) != ncols:
                    structural.append({"source_row": i, "n_cells": len(row), "expected": ncols,
                                       "raw": delimiter.join(row)[:500]})
                    continue
                good.append([i, *row])
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise InputFileError(f"{display_name}: row {i + 1} holds a cell longer than {MAX_CELL_CHARS * 4:,} "
                                     "characters; this does not look like a ledger export") from None
            raise InputFileError(f"{display_name}: row {i + 1}: the file cannot be split into cells ({exc}); "
                                 "check the quoting around that row") from None
    frame = pd.DataFrame(good, columns=["source_row", *[f"c{i}" for i in range(ncols)]], dtype="object")
    frame["source_row"] = frame["source_row"].astype("int32")
    _frame_to_table(con, frame, table, ncols)
    return structural, n_empty


def _frame_to_table(con, frame: pd.DataFrame, table: str, ncols: int) -> None:
    name = f"_frame_{table}"
    finish_pending(con)
    con.register(name, frame)
    try:
        cols = ", ".join(["cast(source_row as integer) as source_row"]
                         + [f"cast(c{i} as varchar) as c{i}" for i in range(ncols)])
        con.execute(f"create or replace temp table {table} as select {cols} from {name}")
    finally:
        con.unregister(name)


def _check_cells(con, table: str, names: list[str], display_name: str, headers: list[str], *,
                 blank_rows: bool = False, bounded: bool = False) -> tuple[int, int]:
    """Refuse a cell longer than MAX_CELL_CHARS; with `blank_rows`, delete rows whose cells are all empty (e.g.
    ';;;;' lines). Returns (rows kept, blank rows deleted). `bounded`: the caller knows that no cell can be longer
    (FileScan.bounds_cells), so the cells are not measured (at 5 M rows of ten columns that takes 0.5 s).

    The byte length of a string is stored with it (strlen is free, length() counts characters), and a cell of at
    most MAX_CELL_CHARS bytes has at most as many characters. The blank test is a WHERE clause (its ANDs stop at a
    row's first filled cell; an aggregate FILTER would test every cell) and trims only a cell starting with a space
    or another character that is not printable ASCII.
    """
    if not names:
        return con.execute(f"select count(*) from {table}").fetchone()[0], 0
    longest = "".join(f", max(strlen({n}))" for n in names) if not bounded else ""
    total, *sizes = con.execute(f"select count(*){longest} from {table}").fetchone()
    for i, n in enumerate(sizes):
        if n and n > MAX_CELL_CHARS:
            chars = con.execute(f"select max(length({names[i]})) from {table}").fetchone()[0]
            if chars > MAX_CELL_CHARS:
                raise InputFileError(f"{display_name}: column \"{headers[i]}\" holds a cell of {chars:,} characters "
                                     f"(limit {MAX_CELL_CHARS:,}); this does not look like a ledger export")
    n_blank = 0
    if blank_rows:
        # a cell is empty when it is null, '' or only spaces: trim removes spaces, no-break spaces (160, 8239) and
        # other Unicode spaces, so it runs only on a cell whose first character is not printable ASCII
        blank = " and ".join(f"({n} is null or {n} = '' or (unicode({n}) not between 33 and 126 and trim({n}) = ''))"
                             for n in names)
        n_blank = con.execute(f"select count(*) from {table} where {blank}").fetchone()[0]
        if n_blank:
            con.execute(f"delete from {table} where {blank}")
    return int(total) - int(n_blank), int(n_blank)


# --- spreadsheets (xlsx) ---------------------------------------------------------------------------

def cell_text(value) -> str | None:
    """Return a spreadsheet cell as text: integral numbers without '.0', dates as ISO, empty as None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        if value.is_integer() and abs(value) < 1e30:    # digits, not "6e+18": the amount check measures them
            return str(int(value))
        return repr(round(value, 6))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if (value.hour or value.minute or value.second) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (time, timedelta)):
        return str(value)
    return str(value).strip() or None


def _column_texts(values) -> tuple[list[str | None], bool, int]:
    """Return one spreadsheet column as text cells, whether its non-empty cells are all numbers, and
    how many cells are empty."""
    out: list[str | None] = []
    append = out.append
    numbers = 0
    others = 0
    for v in values:
        t = type(v)
        if t is date:
            append(v.isoformat())
            others += 1
        elif t is str:
            v = v.strip()
            append(v or None)
            if v:
                others += 1
        elif t is float:
            if v != v or v in (_INF, -_INF):
                append(None)
            elif v.is_integer() and -1e30 < v < 1e30:
                append(str(int(v)))
                numbers += 1
            else:
                append(repr(round(v, 6)))
                numbers += 1
        elif t is int:
            append(str(v))
            numbers += 1
        elif v is None:
            append(None)
        else:
            text = cell_text(v)
            append(text)
            if text is not None:
                others += 1
    return out, numbers > 0 and others == 0, len(out) - numbers - others


_INF = float("inf")


def _read_workbook(con, path: Path, *, table: str, display_name: str, opts: ReadOptions) -> RawTable:
    from python_calamine import CalamineWorkbook

    # pipeline.ingest.filetype has checked that this is a zip with an Excel workbook inside; its size is checked
    # before the reader sees it (a cell at XFD1048576 would make it reserve 550 GB and abort)
    check_workbook(path, display_name, opts.limits or ReadLimits.from_env(), MAX_COLUMNS)
    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
        chosen, sheet = _choose_sheet(wb, names, opts.sheet, display_name, opts.known_headers)
        if sheet.width > MAX_COLUMNS:
            raise InputFileError(f"{display_name}: sheet \"{chosen}\" has {sheet.width} columns (limit {MAX_COLUMNS}); "
                                 "this does not look like a ledger export")
        rows = sheet.to_python(skip_empty_area=False)
    except InputFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types for damaged workbooks
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise InputFileError(f"{display_name}: cannot read the workbook ({first}); open it in Excel, save it "
                             "again as .xlsx and retry") from None
    if not rows:
        raise InputFileError(f"{display_name}: sheet \"{chosen}\" is empty")
    top = [[cell_text(c) or "" for c in r] for r in rows[:HEADER_SEARCH_ROWS]]
    if opts.header_row:
        hidx = opts.header_row - 1
        if hidx >= len(rows):
            raise InputFileError(f"{display_name}: --header-row {opts.header_row} is below the last row of the sheet")
        header_cells = [cell_text(c) or "" for c in rows[hidx]]
    else:
        hidx = find_header_row(top, opts.known_headers)
        header_cells = top[hidx]
    while header_cells and not header_cells[-1]:
        header_cells.pop()
    headers = clean_headers(header_cells, display_name)
    ncols = len(headers)
    if ncols < 2:
        raise InputFileError(f"{display_name}: sheet \"{chosen}\" has no header row with two or more columns "
                             "in its first rows")
    body = rows[hidx + 1:]
    if not body:
        raise InputFileError(f"{display_name}: no data rows below the header (row {hidx + 1} of sheet \"{chosen}\")")
    if len({len(r) for r in body}) == 1 and len(body[0]) >= ncols:
        transposed = list(zip(*body))[:ncols]          # rectangular sheet: transpose in C
    else:
        transposed = [[r[j] if j < len(r) else None for r in body] for j in range(ncols)]
    columns, numeric, gaps_in_numbers = [], set(), 0
    for j in range(ncols):
        texts, is_number, n_empty = _column_texts(transposed[j])
        columns.append(texts)
        if is_number:
            numeric.add(j)
            gaps_in_numbers += n_empty
    frame = pd.DataFrame({f"c{j}": pd.Series(col, dtype="object") for j, col in enumerate(columns)})
    frame.insert(0, "source_row", range(hidx + 2, hidx + 2 + len(body)))
    filled = frame.iloc[:, 1:].notna().any(axis=1)
    empty = int((~filled).sum())      # empty rows (trailing or between blocks) are not rows
    frame = frame[filled]
    data = frame
    if not len(data):
        raise InputFileError(f"{display_name}: no data rows below the header (row {hidx + 1} of sheet \"{chosen}\")")
    _frame_to_table(con, frame, table, ncols)
    _check_cells(con, table, [f"c{i}" for i in range(ncols)], display_name, headers)
    notes = []
    if opts.sheet is None and len(names) > 1:
        notes.append(f"read sheet \"{chosen}\" of {len(names)} ({', '.join(names[:6])}); choose another with --sheet")
    # a formula saved without its value reads as an empty cell, typically in a column of numbers
    blank_formulas = _formulas_without_values(path) if gaps_in_numbers else 0
    if blank_formulas:
        notes.append(f"{blank_formulas} formula cell(s) have no saved value (the workbook was written by a program and "
                     "never saved in Excel), so they read as empty; open and save the file in Excel, or export values")
    return RawTable(table=table, headers=headers, file_format="xlsx", rows_read=len(data), sheet=chosen,
                    header_row=hidx + 1, numeric_columns=numeric,
                    notes=notes, empty_rows=empty)


def _choose_sheet(wb, names: list[str], wanted: str | None, display_name: str, known: tuple[str, ...] = ()):
    """Return (name, sheet) to read: the named one, else the first visible worksheet whose first rows hold
    a recognisable header, else the first visible worksheet with data (a sheet is parsed once)."""
    if not names:
        raise InputFileError(f"{display_name}: the workbook has no sheets")
    if wanted is not None:
        name = None
        folded = {n.casefold(): n for n in names}
        if wanted in names:
            name = wanted
        elif wanted.casefold() in folded:
            name = folded[wanted.casefold()]
        elif wanted.isdigit() and 1 <= int(wanted) <= len(names):
            name = names[int(wanted) - 1]
        if name is not None:
            return name, wb.get_sheet_by_name(name)
        raise InputFileError(f"{display_name}: no sheet named \"{wanted}\"; sheets: {', '.join(names)}")
    try:
        meta = {m.name: m for m in wb.sheets_metadata}
    except Exception:  # noqa: BLE001 - metadata is a nicety
        meta = {}
    candidates = []
    names_known = known_header_names() | {normalise_header(h) for h in known}
    for name in names:
        m = meta.get(name)
        if m is not None and ("WorkSheet" not in str(m.typ) or "Visible" not in str(m.visible)
                              or "Hidden" in str(m.visible)):
            continue
        try:
            sheet = wb.get_sheet_by_name(name)
            top = sheet.to_python(skip_empty_area=False, nrows=HEADER_SEARCH_ROWS)
        except Exception:  # noqa: BLE001 - an unreadable sheet is skipped here and reported if chosen
            continue
        if not top:
            continue
        candidates.append((name, sheet))
        rows = [[cell_text(c) or "" for c in r] for r in top]
        if any(sum(1 for c in r if normalise_header(c) in names_known) >= 2 for r in rows):
            return name, sheet
    return candidates[0] if candidates else (names[0], wb.get_sheet_by_name(names[0]))


def _formulas_without_values(path: Path) -> int:
    """Count formula cells saved without a value (workbooks written by programs, never opened in Excel)."""
    count = 0
    try:
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                if not (member.startswith("xl/worksheets/") and member.endswith(".xml")):
                    continue
                with zf.open(member) as fh:
                    tail = b""
                    while chunk := fh.read(1 << 20):
                        buf = tail + chunk
                        count += buf.count(b"</f><v />") + buf.count(b"</f><v/>") + buf.count(b"</f></c>")
                        tail = buf[-16:]
    except Exception:  # noqa: BLE001 - a hint only
        return 0
    return count


# --- SIE 4 -----------------------------------------------------------------------------------------

def _read_sie(con, path: Path, *, table: str, display_name: str, opts: ReadOptions) -> RawTable:
    try:
        ledger = sie_format.read_sie(path, ledger_accounts=opts.sie_ledger_accounts, dimensions=opts.sie_dimensions)
    except sie_format.SieError as exc:
        raise InputFileError(f"{display_name}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - e.g. a bad regular expression from a profile
        raise InputFileError(f"{display_name}: cannot read the SIE file ({type(exc).__name__}: {exc})") from None
    if not ledger.rows:
        facts = ledger.facts
        raise InputFileError(f"{display_name}: none of the {facts.get('transactions', 0)} SIE transactions is on a "
                             f"ledger account (pattern {facts.get('ledger_accounts')}); pass --sie-accounts REGEX "
                             "to choose the accounts to load")
    headers = list(sie_format.HEADERS)
    ncols = len(headers)
    frame = pd.DataFrame(ledger.rows, columns=["source_row", *[f"c{i}" for i in range(ncols)]], dtype="object")
    _frame_to_table(con, frame, table, ncols)
    _check_cells(con, table, [f"c{i}" for i in range(ncols)], display_name, headers)
    findings = []
    for v in ledger.unbalanced:
        text = (f"voucher {v['voucher']} of {v['date']} does not balance: its {v['n_trans']} transactions "
                f"sum to {v['sum']}")
        for line in v["ledger_lines"]:
            findings.append({"source_row": line, "severity": "error", "code": "unbalanced-voucher",
                             "field": "amount", "value": v["sum"], "message": text})
        if not v["ledger_lines"]:
            findings.append({"source_row": v["line"], "severity": "warning", "code": "unbalanced-voucher",
                             "field": None, "value": v["sum"],
                             "message": text + " (no ledger line in it; nothing quarantined)"})
    return RawTable(table=table, headers=headers, file_format="sie", rows_read=len(ledger.rows),
                    encoding=ledger.encoding, header_row=0,
                    fixed_mapping={f: h for h, f in sie_format.FIELD_OF_HEADER.items()},
                    facts={"sie": ledger.facts}, notes=ledger.notes, batch_findings=findings)
