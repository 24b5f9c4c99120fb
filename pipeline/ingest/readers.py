"""Read a ledger file (delimited text or xlsx) into a DuckDB table of text cells with source row numbers."""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from ..errors import InputFileError
from .columns import SYNONYMS, normalise_header

MAX_FILE_BYTES = 512 * 1024 * 1024      # larger files are refused before reading
MAX_COLUMNS = 500                        # a ledger has tens of columns; thousands means a broken file
MAX_CELL_CHARS = 100_000                 # one cell longer than this is refused (a broken or hostile file)
HEADER_SEARCH_ROWS = 30                  # title rows above the header are skipped up to this many
DELIMITERS = [";", ",", "\t", "|"]
MISENCODED_BOM = "ï»¿"                   # a UTF-8 BOM that was decoded as cp1252 and saved again


@dataclass
class RawTable:
    """A ledger read as text: DuckDB table `table` with columns c0..cN plus `source_row`.

    `headers[i]` is the original header of column c<i>; `source_row` is the row number as a user
    sees it (header row of a CSV = row 1, or the spreadsheet row in an xlsx).
    """

    table: str
    headers: list[str]
    file_format: str
    rows_read: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int = 1
    structural_errors: list[dict] = field(default_factory=list)   # rows that could not be split into cells


def read_table(con: duckdb.DuckDBPyConnection, path: Path, *, table: str, display_name: str,
               sheet: str | None = None) -> RawTable:
    """Read `path` (csv/txt/tsv or xlsx) into temp table `table`; raise InputFileError if unreadable."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputFileError(f"{display_name}: cannot read the file ({exc.strerror})") from None
    if size == 0:
        raise InputFileError(f"{display_name}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise InputFileError(f"{display_name}: the file is {size / 1e6:.0f} MB, above the limit of "
                             f"{MAX_FILE_BYTES / 1e6:.0f} MB; split it by period")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(con, path, table=table, display_name=display_name, sheet=sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputFileError(f"{display_name}: this is an old binary Excel file (.xls); save it as .xlsx or CSV and try again")
    if head.startswith(b"%PDF"):
        raise InputFileError(f"{display_name}: this is a PDF, not a ledger export; export the ledger as CSV or xlsx")
    return _read_delimited(con, path, table=table, display_name=display_name)


# --- delimited text -----------------------------------------------------------------------------

def detect_encoding(sample: bytes) -> str:
    """Return the text encoding of `sample`: utf-8-sig, utf-8, cp1252 (covers latin-1) or utf-16."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sample is still UTF-8
        if exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    return "cp1252"


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
        width = max(set(counts), key=counts.count)
        if width < 2:
            continue
        consistency = counts.count(width) / len(counts)
        score = width * consistency
        if score > best_score:
            best, best_score = delim, score
    return best


def _header_index(rows: list[list[str]]) -> int:
    """Return the index of the header row: the first of the first rows naming >= 2 known fields."""
    known = {name for names in SYNONYMS.values() for name in names}
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for cell in row if normalise_header(str(cell)) in known)
        if hits >= 2:
            return i
    # no recognisable header: take the first non-empty row, the column-mapping error will list it
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(str(c).strip() for c in row):
            return i
    return 0


def _read_delimited(con, path: Path, *, table: str, display_name: str) -> RawTable:
    with open(path, "rb") as fh:
        sample = fh.read(256 * 1024)
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputFileError(f"{display_name}: this is a binary file, not a text ledger export; export the ledger as CSV or xlsx")
    encoding = detect_encoding(sample)
    text_sample = sample.decode(encoding, errors="replace")
    misencoded_bom = text_sample.startswith(MISENCODED_BOM)
    if misencoded_bom:
        text_sample = text_sample[len(MISENCODED_BOM):]
    sample_lines = text_sample.splitlines()[:50]
    if len(sample) == 256 * 1024 and len(sample_lines) > 1:
        sample_lines = sample_lines[:-1]  # the last line may be cut
    delimiter = detect_delimiter(sample_lines)
    try:
        sample_rows = list(csv.reader(sample_lines, delimiter=delimiter))
    except csv.Error as exc:
        raise InputFileError(f"{display_name}: cannot split the file into columns ({exc})") from None
    if not sample_rows:
        raise InputFileError(f"{display_name}: no rows found")
    hidx = _header_index(sample_rows)
    headers = [h.strip() for h in sample_rows[hidx]]
    if misencoded_bom and hidx == 0 and headers:
        headers[0] = headers[0].replace(MISENCODED_BOM, "")
    if len(headers) > MAX_COLUMNS:
        raise InputFileError(f"{display_name}: the header has {len(headers)} columns (limit {MAX_COLUMNS}); "
                             "this does not look like a ledger export")

    # DuckDB reads UTF-8 fastest; other encodings are transcoded to a temporary UTF-8 copy first.
    source = path
    tmp_name = None
    if encoding not in ("utf-8",) or misencoded_bom:
        fd, tmp_name = tempfile.mkstemp(suffix=".csv", prefix="klimatspend-")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out, \
                open(path, "r", encoding=encoding, errors="strict", newline="") as src:
            try:
                first = True
                while chunk := src.read(4 * 1024 * 1024):
                    if first and misencoded_bom and chunk.startswith(MISENCODED_BOM):
                        chunk = chunk[len(MISENCODED_BOM):]
                    first = False
                    out.write(chunk)
            except UnicodeDecodeError as exc:
                raise InputFileError(f"{display_name}: the file mixes text encodings (byte {exc.start}); "
                                     "save it again as UTF-8 or Windows-1252") from None
        source = Path(tmp_name)
    try:
        ncols = len(headers)
        names = [f"c{i}" for i in range(ncols)]
        try:
            con.execute(
                f"""create or replace temp table {table} as
                select cast(row_number() over () + {hidx + 1} as integer) as source_row, *
                from read_csv(?, delim=?, quote='"', escape='"', header=false, skip={hidx + 1},
                              all_varchar=true, strict_mode=true, null_padding=false,
                              max_line_size={MAX_CELL_CHARS * 4}, auto_detect=false,
                              columns={_columns_struct(names)})""",
                [str(source), delimiter],
            )
            structural: list[dict] = []
        except duckdb.Error:
            # A ragged or otherwise irregular file: fall back to Python's csv module, which tells
            # exactly which row has the wrong number of cells, so no row is lost silently.
            structural = _read_delimited_python(con, source, table=table, delimiter=delimiter,
                                                skip=hidx + 1, ncols=ncols, display_name=display_name)
        _check_cell_sizes(con, table, names, display_name, headers)
        rows = con.execute(f"select count(*) from {table}").fetchone()[0] + len(structural)
    finally:
        if tmp_name:
            os.unlink(tmp_name)
    return RawTable(table=table, headers=headers, file_format="csv", rows_read=rows,
                    encoding="utf-8-bom-misencoded" if misencoded_bom else encoding, delimiter=delimiter,
                    header_row=hidx + 1, structural_errors=structural)


def _columns_struct(names: list[str]) -> str:
    return "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"


def _read_delimited_python(con, source: Path, *, table: str, delimiter: str, skip: int, ncols: int,
                           display_name: str) -> list[dict]:
    csv.field_size_limit(MAX_CELL_CHARS * 4)
    good: list[list] = []
    structural: list[dict] = []
    with open(source, "r", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            for i, row in enumerate(reader, start=1):
                if i <= skip:
                    continue
                if not row or all(not c.strip() for c in row):
                    continue  # blank lines are not rows
                if len(row) != ncols:
                    structural.append({"source_row": i, "n_cells": len(row), "expected": ncols,
                                       "raw": delimiter.join(row)[:500]})
                    continue
                good.append([i, *row])
        except csv.Error as exc:
            raise InputFileError(f"{display_name}: row {reader.line_num}: the file cannot be split into cells ({exc}); "
                                 "check the quoting around that row") from None
    frame = pd.DataFrame(good, columns=["source_row", *[f"c{i}" for i in range(ncols)]], dtype="object")
    frame["source_row"] = frame["source_row"].astype("int32")
    con.register("_raw_frame", frame)
    try:
        con.execute(f"create or replace temp table {table} as select * from _raw_frame")
    finally:
        con.unregister("_raw_frame")
    return structural


def _check_cell_sizes(con, table: str, names: list[str], display_name: str, headers: list[str]) -> None:
    if not names:
        return
    longest = " , ".join(f"max(length(c{i}))" for i in range(len(names)))
    row = con.execute(f"select {longest} from {table}").fetchone()
    for i, n in enumerate(row):
        if n and n > MAX_CELL_CHARS:
            raise InputFileError(f"{display_name}: column \"{headers[i]}\" holds a cell of {n} characters "
                                 f"(limit {MAX_CELL_CHARS}); this does not look like a ledger export")


# --- xlsx -----------------------------------------------------------------------------------------

def _cell_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(round(value, 6))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if (value.hour or value.minute or value.second) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip() or None


def _read_xlsx(con, path: Path, *, table: str, display_name: str, sheet: str | None) -> RawTable:
    from python_calamine import CalamineWorkbook

    try:
        with zipfile.ZipFile(path) as zf:
            if "xl/workbook.xml" not in zf.namelist():
                raise InputFileError(f"{display_name}: this zip file is not an Excel workbook; export the ledger as xlsx or CSV")
    except zipfile.BadZipFile:
        raise InputFileError(f"{display_name}: the xlsx file is damaged (not a valid zip archive)") from None
    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = wb.sheet_names
        if sheet is None:
            chosen = names[0]
        else:
            if sheet not in names:
                raise InputFileError(f"{display_name}: no sheet named \"{sheet}\"; sheets: {', '.join(names)}")
            chosen = sheet
        rows = wb.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except InputFileError:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged workbooks
        raise InputFileError(f"{display_name}: cannot read the workbook ({str(exc).splitlines()[0][:200]})") from None
    if not rows:
        raise InputFileError(f"{display_name}: sheet \"{chosen}\" is empty")
    width = max(len(r) for r in rows[:HEADER_SEARCH_ROWS])
    if width > MAX_COLUMNS:
        raise InputFileError(f"{display_name}: sheet \"{chosen}\" has {width} columns (limit {MAX_COLUMNS}); "
                             "this does not look like a ledger export")
    hidx = _header_index([[_cell_text(c) or "" for c in r] for r in rows[:HEADER_SEARCH_ROWS]])
    header_cells = [(_cell_text(c) or "") for c in rows[hidx]]
    while header_cells and not header_cells[-1]:
        header_cells.pop()
    ncols = len(header_cells)
    data = []
    for i in range(hidx + 1, len(rows)):
        cells = [_cell_text(c) for c in rows[i][:ncols]]
        if all(c is None for c in cells):
            continue  # empty rows (trailing or between blocks) are not rows
        cells += [None] * (ncols - len(cells))
        data.append([i + 1, *cells])
    frame = pd.DataFrame(data, columns=["source_row", *[f"c{i}" for i in range(ncols)]], dtype="object")
    frame["source_row"] = frame["source_row"].astype("int32")
    con.register("_raw_frame", frame)
    try:
        cols = ", ".join(["source_row"] + [f"cast(c{i} as varchar) as c{i}" for i in range(ncols)])
        con.execute(f"create or replace temp table {table} as select {cols} from _raw_frame")
    finally:
        con.unregister("_raw_frame")
    _check_cell_sizes(con, table, [f"c{i}" for i in range(ncols)], display_name, header_cells)
    return RawTable(table=table, headers=header_cells, file_format="xlsx", rows_read=len(data), sheet=chosen,
                    header_row=hidx + 1)


def sniff_text(path: Path, n_bytes: int = 65536) -> str:
    """Return the first bytes of a text file decoded with its detected encoding (for previews)."""
    with open(path, "rb") as fh:
        sample = fh.read(n_bytes)
    return io.TextIOWrapper(io.BytesIO(sample), encoding=detect_encoding(sample), errors="replace").read()
