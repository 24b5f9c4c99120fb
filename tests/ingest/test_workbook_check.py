"""Tests for pipeline.ingest.workbook_check: the size of an xlsx workbook is checked before it is read."""

from __future__ import annotations

import pytest

from pipeline.config import ReadLimits
from pipeline.errors import UsageError
from pipeline.ingest.workbook_check import WorkbookTooLarge, check_workbook, column_letters, column_number
from tests.helpers import hostile
from tests.helpers.paths import FIXTURES


def _sheet(tmp_path, body: bytes, name: str = "w.xlsx"):
    return hostile._workbook(tmp_path / name, [hostile._SHEET_HEAD.encode(), b"<sheetData>", hostile._header_row(),
                                               body, b"</sheetData></worksheet>"])


@pytest.mark.parametrize("letters,number", [("A", 1), ("Z", 26), ("AA", 27), ("SF", 500), ("XFD", 16384)])
def test_column_letters_and_numbers(letters, number):
    assert column_number(letters) == number and column_letters(number) == letters


def test_a_real_workbook_passes_and_is_measured():
    facts = check_workbook(FIXTURES / "ingest" / "ledger_title_rows.xlsx", "ledger_title_rows.xlsx", ReadLimits(), 500)
    assert facts["xml_bytes"] > 0 and {name: s["rows"] for name, s in facts["sheets"].items()} == {
        "Reskontra": 11, "Noter": 1}


def test_styled_empty_cells_far_away_do_not_count(tmp_path):
    """Excel writes formatted but empty cells as <c r="XFD9" s="1"/>; the reader skips them, so does the check."""
    path = _sheet(tmp_path, b'<row r="2"><c r="A2"><v>1</v></c><c r="XFD2" s="3"/></row>')
    assert check_workbook(path, "w.xlsx", ReadLimits(), 500)["sheets"]["Blad1"]["rows"] == 2


@pytest.mark.parametrize("body,limits,words", [
    (b'<row r="2"><c r="A2"><v>1</v></c></row><row r="3"><c r="A3"><v>1</v></c></row>', ReadLimits(max_rows=2),
     'w.xlsx: sheet "Blad1" has at least 3 rows, above the limit of 2 (setting KLIMATSPEND_MAX_XLSX_ROWS)'),
    (b"<row><c><v>1</v></c></row>" * 5, ReadLimits(max_rows=4),
     'w.xlsx: sheet "Blad1" has at least 6 rows, above the limit of 4'),
    (b'<row r="2"><c r="AB2"><v>1</v></c></row>', ReadLimits(max_cells=50),
     'w.xlsx: sheet "Blad1" spans 2 rows × 28 columns, more than 50 cells (setting KLIMATSPEND_MAX_XLSX_CELLS)'),
])
def test_limits_are_settings(tmp_path, body, limits, words):
    with pytest.raises(WorkbookTooLarge) as exc:
        check_workbook(_sheet(tmp_path, body), "w.xlsx", limits, 500)
    assert str(exc.value).startswith(words) and exc.value.code == "workbook-too-large"


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("KLIMATSPEND_MAX_XLSX_ROWS", "2_000_000")
    monkeypatch.setenv("KLIMATSPEND_READ_MEMORY_MB", "512")
    limits = ReadLimits.from_env(read_seconds=60)
    assert (limits.max_rows, limits.read_memory_mb, limits.read_seconds, limits.max_cells) == (
        2_000_000, 512, 60, 40_000_000)
    assert limits.as_env()["KLIMATSPEND_MAX_XLSX_ROWS"] == "2000000"
    monkeypatch.setenv("KLIMATSPEND_MAX_XLSX_CELLS", "many")
    with pytest.raises(UsageError, match="KLIMATSPEND_MAX_XLSX_CELLS=many: expected a whole number"):
        ReadLimits.from_env()


def test_a_tag_split_between_two_chunks_is_seen(tmp_path, monkeypatch):
    """The XML is streamed in chunks: a reference cut in two by a chunk boundary must still count."""
    from pipeline.ingest import workbook_check

    monkeypatch.setattr(workbook_check, "CHUNK", 7)
    path = _sheet(tmp_path, b'<row r="2"><c r="A2"><v>1</v></c></row><row r="3"><c r="XFD3"><v>1</v></c></row>')
    with pytest.raises(WorkbookTooLarge, match=r"as far as column 16,384 \(XFD\)"):
        check_workbook(path, "w.xlsx", ReadLimits(), 500)


def test_a_damaged_archive_is_an_input_error(tmp_path):
    path = _sheet(tmp_path, b"")
    data = path.read_bytes()
    cut = data.index(b"xl/worksheets/sheet1.xml") + 40
    path.write_bytes(data[:cut] + b"\0" * 64 + data[cut + 64:])
    from pipeline.errors import InputFileError

    with pytest.raises(InputFileError, match="w.xlsx: cannot read the workbook"):
        check_workbook(path, "w.xlsx", ReadLimits(), 500)
