"""Hostile workbooks (the ones of issue 18), written byte by byte so that each is small on disk:

- `dimension_bomb`: one cell at XFD1048576 and a sheet dimension of A1:XFD1048576 (1.5 KB; the xlsx reader
  would reserve 17 billion cells, about 550 GB, and abort the process);
- `expansion_bomb`: a sheet whose XML inflates from about 1 MB to `xml_mb` MB (a zip bomb);
- `many_rows`: `rows` rows of four short cells (3 million rows are about 1.2 MB compressed).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def _workbook(path: Path, sheet_chunks) -> Path:
    """Write a one-sheet xlsx whose sheet XML is the concatenation of `sheet_chunks` (bytes), streamed."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            for chunk in sheet_chunks:
                out.write(chunk)
    return path


def _header_row() -> bytes:
    return (b'<row r="1"><c r="A1" t="inlineStr"><is><t>Datum</t></is></c><c r="B1" t="inlineStr"><is><t>Konto</t>'
            b'</is></c><c r="C1" t="inlineStr"><is><t>Belopp</t></is></c><c r="D1" t="inlineStr"><is><t>Text</t></is>'
            b'</c></row>')


def dimension_bomb(path: Path) -> Path:
    """One header row and one value at XFD1048576, with the sheet dimension declaring the whole grid."""
    return _workbook(path, [_SHEET_HEAD.encode(), b'<dimension ref="A1:XFD1048576"/><sheetData>', _header_row(),
                            b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'])


def expansion_bomb(path: Path, xml_mb: int = 1024) -> Path:
    """A header and one data row, then a text cell of `xml_mb` MB of the same letter (compresses about 1000:1)."""
    block = b"A" * (1 << 20)

    def chunks():
        yield _SHEET_HEAD.encode() + b"<sheetData>" + _header_row()
        yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
        for _ in range(xml_mb):
            yield block
        yield b"</t></is></c></row></sheetData></worksheet>"
    return _workbook(path, chunks())


def many_rows(path: Path, rows: int = 3_000_000) -> Path:
    """`rows` data rows (date, account, amount, text) below a header; rows without `r` attributes, like some exports."""
    row = b"<row><c><v>45356</v></c><c><v>4610</v></c><c><v>1</v></c><c t=\"inlineStr\"><is><t>x</t></is></c></row>"

    def chunks():
        yield _SHEET_HEAD.encode() + b"<sheetData>" + _header_row()
        batch = row * 10_000
        for _ in range(rows // 10_000):
            yield batch
        yield row * (rows % 10_000)
        yield b"</sheetData></worksheet>"
    return _workbook(path, chunks())
