"""Fuzzed and hostile input: every file gets a clear one-line error (or loads), never a traceback or a hang.

Inputs are generated from fixed seeds, so a failure is reproducible: random bytes, truncated CSV, xlsx
and SIE files, binaries renamed .csv, a zip that is not a workbook, 10,000 columns, one 10 MB cell,
byte-level mutations of a real ledger file, and the hostile workbooks of issue 18 (a cell at XFD1048576,
1 MB inflating to 1 GB of XML, 3 million rows in 1 MB; tests/helpers/hostile.py).
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.helpers.paths import FIXTURES

INGEST = FIXTURES / "ingest"


def _ingest(tmp_path: Path, path: Path, capsys) -> tuple[int, str, str]:
    code = main(["ingest", str(path), "--db", str(tmp_path / "k.duckdb"), "--year", "2024"])
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "Traceback" not in out.out
    return code, out.out, out.err


def _refused(tmp_path: Path, path: Path, capsys) -> str:
    """Assert the file is refused with exactly one line on stderr naming it; return that line."""
    code, out, err = _ingest(tmp_path, path, capsys)
    # a large file's progress lines ("big.csv: reading (10.0 MB) …") come before the error; the error is one line
    lines = [line for line in err.strip().splitlines() if not line.endswith("…")]
    assert code == 1 and out == "", (code, out, err)
    assert len(lines) == 1 and lines[0].startswith(f"klimatspend: {path.name}: "), err
    return lines[0]


@pytest.mark.parametrize("seed", range(8))
def test_random_bytes(tmp_path, capsys, seed):
    rnd = random.Random(seed)
    data = bytes(rnd.randrange(256) for _ in range(rnd.choice([1, 7, 100, 5000, 70000])))
    path = tmp_path / f"random_{seed}.csv"
    path.write_bytes(data)
    _refused(tmp_path, path, capsys)


@pytest.mark.parametrize("seed", range(4))
def test_random_printable_text(tmp_path, capsys, seed):
    """Random text without NUL bytes looks like text: it must fail on its columns, not crash."""
    rnd = random.Random(100 + seed)
    alphabet = "abcåäö;,\t|\"'\n\r 0123456789-.()"
    path = tmp_path / f"text_{seed}.csv"
    path.write_text("".join(rnd.choice(alphabet) for _ in range(3000)), encoding="utf-8")
    _refused(tmp_path, path, capsys)


@pytest.mark.parametrize("fraction", [0.05, 0.5, 0.93, 0.999])
def test_truncated_csv(tmp_path, capsys, fraction):
    data = (INGEST / "open_ap_2024.csv").read_bytes()
    path = tmp_path / "cut.csv"
    path.write_bytes(data[: int(len(data) * fraction)])
    code, out, err = _ingest(tmp_path, path, capsys)
    assert code in (0, 1)
    if code == 0:
        assert "sums (SEK): read" in out


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.99])
def test_truncated_xlsx(tmp_path, capsys, fraction):
    data = (INGEST / "ledger_title_rows.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: int(len(data) * fraction)])
    line = _refused(tmp_path, path, capsys)
    assert "the file is damaged" in line or "cannot read the workbook" in line


@pytest.mark.parametrize("fraction", [0.02, 0.4, 0.75])
def test_truncated_sie(tmp_path, capsys, fraction):
    data = (INGEST / "sie" / "transaktioner_ovnbolag.se").read_bytes()
    path = tmp_path / "cut.se"
    path.write_bytes(data[: int(len(data) * fraction)])
    code, out, err = _ingest(tmp_path, path, capsys)
    assert code in (0, 1)


@pytest.mark.parametrize("head,words", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary file"),
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip-compressed"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "this is a PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "old binary Excel file (.xls)"),
])
def test_binary_renamed_csv(tmp_path, capsys, head, words):
    path = tmp_path / "ledger.csv"
    path.write_bytes(head + bytes(range(256)) * 20)
    assert words in _refused(tmp_path, path, capsys)


def test_xlsx_that_is_a_zip_of_something_else(tmp_path, capsys):
    path = tmp_path / "ledger.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "not a workbook")
        zf.writestr("data/ledger.csv", "Konto;Belopp\n4610;1\n")
    assert "this zip file is not an Excel workbook (no xl/workbook.xml inside)" in _refused(tmp_path, path, capsys)


def test_xlsx_whose_workbook_part_is_garbage(tmp_path, capsys):
    path = tmp_path / "ledger.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='x' r:id='rId1'/>")
        zf.writestr("[Content_Types].xml", "garbage")
    line = _refused(tmp_path, path, capsys)
    assert "cannot read the workbook" in line or "no sheets" in line


def test_ten_thousand_columns(tmp_path, capsys):
    path = tmp_path / "wide.csv"
    path.write_text(";".join(f"k{i}" for i in range(10_000)) + "\n" + ";".join("1" for _ in range(10_000)) + "\n",
                    encoding="utf-8")
    assert "the header has 10000 columns (limit 500); this does not look like a ledger export" in _refused(
        tmp_path, path, capsys)


def test_ten_thousand_columns_xlsx(tmp_path, capsys):
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("wide")
    ws.append([f"k{i}" for i in range(10_000)])
    path = tmp_path / "wide.xlsx"
    wb.save(path)
    assert ('sheet "wide" has values as far as column 10,000 (NTP), above the limit of 500 columns'
            in _refused(tmp_path, path, capsys))


@pytest.mark.parametrize("where", ["data", "header"])
def test_one_ten_megabyte_cell(tmp_path, capsys, where):
    big = "x" * 10_000_000
    path = tmp_path / "big.csv"
    if where == "data":
        path.write_text(f"Datum;Konto;Belopp;Text\n2024-01-02;4610;1,00;{big}\n", encoding="utf-8")
        assert "holds a cell" in _refused(tmp_path, path, capsys)
    else:
        path.write_text(f"{big};Konto\n1;2\n", encoding="utf-8")
        assert "the first line is longer than 256 KB" in _refused(tmp_path, path, capsys)


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"   \r\n\r\n  ", b";;;\n;;;\n", b"Konto;Belopp\n"])
def test_empty_or_blank_files(tmp_path, capsys, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    _refused(tmp_path, path, capsys)


@pytest.mark.parametrize("seed", range(16))
def test_mutated_ledger_never_crashes(tmp_path, capsys, seed):
    """Flip, insert and delete bytes of a real ledger file; whatever happens is a load or a clear error."""
    rnd = random.Random(1000 + seed)
    data = bytearray((INGEST / "open_ap_2024.csv").read_bytes())
    for _ in range(rnd.randint(1, 12)):
        pos = rnd.randrange(len(data))
        action = rnd.choice(["flip", "insert", "delete", "special"])
        if action == "flip":
            data[pos] = rnd.randrange(256)
        elif action == "insert":
            data[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 5)))
        elif action == "delete":
            del data[pos:pos + rnd.randint(1, 20)]
        else:
            data[pos:pos] = rnd.choice([b'"', b";", b"\n", b"\r", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b";;;;;;;;"])
    path = tmp_path / f"mutated_{seed}.csv"
    path.write_bytes(bytes(data))
    code, out, err = _ingest(tmp_path, path, capsys)
    assert code in (0, 1)
    if code == 1 and not out:
        assert len(err.strip().splitlines()) == 1 and err.startswith(f"klimatspend: {path.name}: ")


@pytest.mark.parametrize("name,words", [
    ("dimension_bomb", 'sheet "Blad1" declares its size as A1:XFD1048576 (1,048,576 rows × 16,384 columns)'),
    ("expansion_bomb", "the workbook unpacks to 1,024.0 MB of XML, above the limit of 1,024 MB"),
    ("many_rows", "times its packed size (limit 200, setting KLIMATSPEND_MAX_XLSX_RATIO)"),
])
def test_hostile_workbooks_are_refused_before_reading(tmp_path, capsys, hostile_workbooks, name, words):
    """Each used to abort the process (550 GB), or take 1.2–2 GB and half a minute; now one line, at once."""
    import time

    started = time.perf_counter()
    line = _refused(tmp_path, hostile_workbooks[name], capsys)
    assert words in line and line.endswith(("export the ledger as CSV", "or export it as CSV",
                                            "or split it by period", "as .xlsx or export it as CSV"))
    assert time.perf_counter() - started < 20


@pytest.mark.parametrize("cell,words", [
    ("XFD1048576", 'sheet "Blad1" has values as far as column 16,384 (XFD), above the limit of 500 columns'),
    ("A2000000", 'sheet "Blad1" has at least 2,000,000 rows, above the limit of 1,048,576'),
    ("SF1048576", 'sheet "Blad1" spans 1,048,576 rows × 500 columns, more than 40,000,000 cells'),
])
def test_a_far_cell_without_a_declared_dimension(tmp_path, capsys, cell, words):
    """The reader builds the rectangle up to the last cell: a far cell in row 3 is as bad as a declared one."""
    from tests.helpers import hostile

    path = hostile._workbook(tmp_path / "far.xlsx", [hostile._SHEET_HEAD.encode(), b"<sheetData>",
                                                     hostile._header_row(),
                                                     b'<row r="3"><c r="%s"><v>1</v></c></row>' % cell.encode()
                                                     + b"</sheetData></worksheet>"])
    assert words in _refused(tmp_path, path, capsys)


def test_many_rows_are_refused_by_their_count_when_the_ratio_allows_them(tmp_path, capsys, hostile_workbooks,
                                                                         monkeypatch):
    monkeypatch.setenv("KLIMATSPEND_MAX_XLSX_RATIO", "1000")
    line = _refused(tmp_path, hostile_workbooks["many_rows"], capsys)
    assert 'sheet "Blad1" has at least 1,05' in line and "above the limit of 1,048,576 (setting " in line
