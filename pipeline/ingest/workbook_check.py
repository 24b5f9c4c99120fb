"""Check an xlsx workbook's size before the xlsx reader sees it: a small hostile file must not exhaust memory.

The reader (python-calamine) builds each sheet as one rectangle from its first to its last cell, so a single
value at XFD1048576 makes it reserve 17 billion cells (about 550 GB) and abort the process; a 1 MB zip can
inflate to gigabytes of XML; a few megabytes can hold millions of rows. Before reading, this module looks at
the archive and streams every worksheet's XML once (no XML parser: the markup is scanned with bounded
regular expressions, so entity tricks cannot expand it), and refuses a workbook whose

- members inflate to more than `max_xml_mb` megabytes, or more than `max_ratio` times their packed size;
- sheet declares a dimension (`<dimension ref="A1:XFD1048576"/>`) beyond the row or column limit;
- valued cells reach beyond the row limit, the column limit (MAX_COLUMNS) or `max_cells` cells in all.

Cells without a value (styled empty cells, `<c r="XFD9" s="1"/>`) do not count: the reader skips them too.
The limits are settings (pipeline.config.ReadLimits: environment variables, `klimatspend serve` options).
"""

from __future__ import annotations

import html
import re
import zipfile
import zlib
from pathlib import Path

from ..config import ReadLimits
from ..errors import InputFileError

CHUNK = 1 << 20
_KEEP = 1024                  # longer than any tag the patterns below match
_WIDE = re.compile(rb'r="([A-Z]{2,3})[0-9]')   # a cell reference beyond column Z
_DIMENSION = re.compile(rb'<(?:\w{1,20}:)?dimension\b[^<>]{0,600}?\bref="([A-Z$0-9:]{1,40})"')
_SHEET_DATA = re.compile(rb"<(?:\w{1,20}:)?sheetData\b")
_SHEET = re.compile(rb"<(?:\w{1,20}:)?sheet\b([^<>]{0,2000})>")
_REL = re.compile(rb"<(?:\w{1,20}:)?Relationship\b([^<>]{0,2000})>")
_ATTR = re.compile(rb'([\w:]{1,40})="([^"]{0,1000})"')
RATIO_FLOOR = 64 * 2**20      # the ratio limit applies once the XML is this large (small files are harmless)


class WorkbookTooLarge(InputFileError):
    """The workbook is larger than klimatspend reads (a limit of pipeline.config.ReadLimits)."""

    code = "workbook-too-large"


def column_number(letters: bytes | str) -> int:
    """Return the 1-based column number of spreadsheet column letters (A = 1, XFD = 16384)."""
    n = 0
    for ch in letters.decode("ascii") if isinstance(letters, bytes) else letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def column_letters(number: int) -> str:
    """Return the spreadsheet letters of a 1-based column number (16384 = XFD)."""
    out = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out or "A"


def check_workbook(path: Path, display_name: str, limits: ReadLimits, max_columns: int) -> dict:
    """Raise WorkbookTooLarge (or InputFileError for a damaged archive) unless every sheet is within the limits.

    Returns what was measured: {"xml_bytes": inflated size of the members, "sheets": {name: {"rows", "columns",
    "cells"}}}. `max_columns` is the reader's column limit.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_sizes(display_name, infos, limits)
            names = _sheet_names(zf)
            sheets = {}
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    name = names.get(info.filename, info.filename.rsplit("/", 1)[-1])
                    sheets[name] = _scan_sheet(zf, info, name, display_name, limits, max_columns)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, OSError, EOFError,
            ValueError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise InputFileError(f"{display_name}: cannot read the workbook ({first}); open it in Excel, save it again "
                             "as .xlsx and retry") from None
    return {"xml_bytes": sum(i.file_size for i in infos), "sheets": sheets}


def _check_sizes(display_name: str, infos: list[zipfile.ZipInfo], limits: ReadLimits) -> None:
    inflated = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if inflated > limits.max_xml_mb * 2**20:
        raise WorkbookTooLarge(
            f"{display_name}: the workbook unpacks to {inflated / 2**20:,.1f} MB of XML, above the limit of "
            f"{limits.max_xml_mb:,} MB (setting KLIMATSPEND_MAX_XLSX_XML_MB); export the ledger as CSV, or split it "
            "by period")
    if inflated > RATIO_FLOOR and inflated > limits.max_ratio * max(packed, 1):
        raise WorkbookTooLarge(
            f"{display_name}: the workbook unpacks to {inflated / 2**20:,.0f} MB from {packed / 2**20:,.1f} MB, "
            f"{inflated / max(packed, 1):,.0f} times its packed size (limit {limits.max_ratio:,}, setting "
            "KLIMATSPEND_MAX_XLSX_RATIO); this is not how a spreadsheet compresses: open it in Excel, save it again "
            "as .xlsx or export it as CSV")


def _attrs(raw: bytes) -> dict[str, str]:
    return {k.decode("ascii", "replace").split(":")[-1]: html.unescape(v.decode("utf-8", "replace"))
            for k, v in _ATTR.findall(raw)}


def _small_member(zf: zipfile.ZipFile, name: str, limit: int = 16 * 2**20) -> bytes:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return b""
    if info.file_size > limit:
        return b""
    with zf.open(info) as fh:
        return fh.read(limit)


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Return worksheet part -> sheet name (from xl/workbook.xml and its relationships), for messages."""
    targets = {}
    for raw in _REL.findall(_small_member(zf, "xl/_rels/workbook.xml.rels")):
        a = _attrs(raw)
        if "Id" in a and "Target" in a:
            target = a["Target"].lstrip("/")
            targets[a["Id"]] = target if target.startswith("xl/") else "xl/" + target
    names = {}
    for raw in _SHEET.findall(_small_member(zf, "xl/workbook.xml")):
        a = _attrs(raw)
        if a.get("id") in targets and "name" in a:
            names[targets[a["id"]]] = a["name"]
    return names


def _cell_words(rows: int, columns: int) -> str:
    return f"{rows:,} rows × {columns:,} columns"


def _scan_sheet(zf: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: str, display_name: str, limits: ReadLimits,
                max_columns: int) -> dict:
    """Stream one worksheet's XML; raise WorkbookTooLarge as soon as it is beyond a limit.

    Cost matters (a 300,000-row sheet is 135 MB of XML), so nothing is done per cell in Python: rows are
    counted with bytes.count, and only the rare references that could break a limit are looked at: rows
    numbered with as many digits as the row limit, and columns of two or three letters (beyond Z).
    """
    where = f'{display_name}: sheet "{sheet}"'
    limit_words = (f"the limits are {limits.max_rows:,} rows (setting KLIMATSPEND_MAX_XLSX_ROWS), {max_columns} "
                   f"columns and {limits.max_cells:,} cells (setting KLIMATSPEND_MAX_XLSX_CELLS)")
    # Patterns start with a literal ("python re" then skips ahead fast); the byte before `r=` is checked by hand.
    digits = len(str(limits.max_rows))
    big_row = re.compile(rb'row\b[^<>]{0,600}?\sr="([0-9]{%d,12})"' % digits)
    big_cell_row = re.compile(rb'r="[A-Z]{1,3}([0-9]{%d,12})"' % digits)
    max_row = max_col = rows_seen = 0
    in_data = False
    inflated = 0
    tail = b""
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(CHUNK)
            inflated += len(chunk)
            if inflated > limits.max_xml_mb * 2**20:     # the archive may understate the size
                raise WorkbookTooLarge(f"{where} unpacks to more than {limits.max_xml_mb:,} MB of XML (setting "
                                       "KLIMATSPEND_MAX_XLSX_XML_MB); export the ledger as CSV, or split it by period")
            buf = tail + chunk
            last = not chunk
            # Scan up to the last "<": every tag that starts before it ends before it (a tag holds no "<").
            # The tags looked at here are short, so a "<" further than _KEEP from the end starts a complete one.
            cut = buf.rfind(b"<")
            if last or cut < 0 or len(buf) - cut > _KEEP:
                cut = len(buf)
            view = buf[:cut]
            if not in_data:
                dim = _DIMENSION.search(view)
                if dim:
                    _check_dimension(where, dim.group(1).decode("ascii"), limits, max_columns, limit_words)
                in_data = _SHEET_DATA.search(view) is not None
            # rows: each <row> tag (rows without a number follow the one before), and the highest number given
            rows_seen += view.count(b"<row") + view.count(b":row ") + view.count(b":row>") - view.count(b"<rowBreaks")
            max_row = max(max_row, rows_seen, *(int(n) for n in big_row.findall(view)))
            for m in big_cell_row.finditer(view):
                if int(m.group(1)) > max_row and _valued_cell(view, m.start()):
                    max_row = int(m.group(1))
            for m in _WIDE.finditer(view):
                col = column_number(m.group(1))
                if col > max_col and _attribute(view, m.start()) and (col <= max_columns
                                                                     or _valued_cell(view, m.start())):
                    max_col = col
            if max_row > limits.max_rows:
                raise WorkbookTooLarge(
                    f"{where} has at least {max_row:,} rows, above the limit of {limits.max_rows:,} (setting "
                    "KLIMATSPEND_MAX_XLSX_ROWS); delete what lies below the ledger in Excel and save again, split "
                    "the ledger by period, or export it as CSV")
            if max_col > max_columns:
                raise WorkbookTooLarge(
                    f"{where} has values as far as column {max_col:,} ({column_letters(max_col)}), above the limit "
                    f"of {max_columns} columns; delete what lies right of the ledger in Excel and save again, or "
                    "export the ledger as CSV")
            if max_row * max(max_col, 26) > limits.max_cells:
                raise WorkbookTooLarge(
                    f"{where} spans {_cell_words(max_row, max(max_col, 26))}, more than {limits.max_cells:,} cells "
                    "(setting KLIMATSPEND_MAX_XLSX_CELLS); export the ledger as CSV, or split it by period")
            if last:
                break
            tail = buf[cut:]
    return {"rows": max_row, "columns": max_col or None, "xml_bytes": inflated}


def _attribute(buf: bytes, pos: int) -> bool:
    """Return True when `r=` at `pos` is an attribute of its own (after a space), not the end of another name."""
    return pos > 0 and buf[pos - 1:pos] in (b" ", b"\t", b"\r", b"\n")


def _valued_cell(buf: bytes, pos: int) -> bool:
    """Return True when the reference at `pos` belongs to a cell tag with a value (not `<c r="XFD9" s="1"/>`)."""
    if not _attribute(buf, pos):
        return False
    start = buf.rfind(b"<", 0, pos)
    end = buf.find(b">", pos)
    if start < 0 or end < 0:
        return True
    tag = buf[start:end + 1]
    name = tag[1:].split(None, 1)[0].split(b":")[-1] if len(tag) > 1 else b""
    return name == b"c" and not tag.endswith(b"/>")


def _check_dimension(where: str, ref: str, limits: ReadLimits, max_columns: int, limit_words: str) -> None:
    end = ref.replace("$", "").split(":")[-1]
    m = re.fullmatch(r"([A-Z]{1,3})?([0-9]{1,9})?", end)
    if not m:
        return
    cols = column_number(m.group(1)) if m.group(1) else 0
    rows = int(m.group(2)) if m.group(2) else 0
    if rows > limits.max_rows or cols > max_columns or rows * max(cols, 1) > limits.max_cells:
        raise WorkbookTooLarge(
            f"{where} declares its size as {ref} ({_cell_words(rows, cols)}); {limit_words}: delete the empty rows "
            "and columns beyond the ledger in Excel and save again, or export the ledger as CSV")
