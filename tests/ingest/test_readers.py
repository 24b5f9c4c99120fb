"""Tests for pipeline.ingest.readers / textfile / sie: encodings, delimiters, headers, row numbers, xlsx, SIE."""

from __future__ import annotations

import codecs
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipeline.errors import InputFileError
from pipeline.ingest import readers, sie
from pipeline.ingest.readers import ReadOptions, read_table
from pipeline.ingest import textfile
from pipeline.ingest.textfile import detect_encoding, scan_file
from tests.helpers.paths import FIXTURES

INGEST = FIXTURES / "ingest"

HEADER = "Bokföringsdatum;Konto;Förvaltning;Text;Belopp"
LINES = ["2024-03-05;4610;Socialförvaltningen;Köpt vård – mars;1 234,50",
         "2024-03-06;6461;Servicekontoret;Kaffe åt ÅÄÖ-gruppen;12,00"]


def _text(delimiter: str = ";") -> str:
    return "\r\n".join(line.replace(";", delimiter) for line in [HEADER, *LINES]) + "\r\n"


@pytest.fixture
def db():
    con = duckdb.connect()
    yield con
    con.close()


def _read(db, path: Path, **opts) -> tuple[readers.RawTable, list[tuple]]:
    raw = read_table(db, path, table="raw", display_name=path.name, options=ReadOptions(**opts))
    return raw, db.execute("select * from raw order by source_row").fetchall()


# --- encodings --------------------------------------------------------------------------------

ENCODED = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-sig": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "cp1252": lambda t: t.encode("cp1252"),
    "latin-1": lambda t: t.replace("–", "-").encode("latin-1"),
    # a UTF-8 BOM read as cp1252 ("ï»¿") and saved again as UTF-8
    "bom-misencoded-utf8": lambda t: "ï»¿".encode("utf-8") + t.encode("utf-8"),
    # a UTF-8 BOM kept in front of text that was re-saved as cp1252
    "bom-then-cp1252": lambda t: codecs.BOM_UTF8 + t.encode("cp1252"),
    "two-boms": lambda t: codecs.BOM_UTF8 + "ï»¿".encode("utf-8") + t.encode("utf-8"),
    "utf-16": lambda t: t.encode("utf-16"),
}
LABELS = {"utf-8": "utf-8", "utf-8-sig": "utf-8 with BOM", "cp1252": "cp1252", "latin-1": "cp1252",
          "bom-misencoded-utf8": "utf-8 (mis-encoded BOM 'ï»¿' removed)",
          "bom-then-cp1252": "cp1252 (stray BOM bytes removed)", "two-boms": "utf-8 (mis-encoded BOM 'ï»¿' removed)",
          "utf-16": "utf-16"}


@pytest.mark.parametrize("encoding", list(ENCODED))
def test_every_encoding_reads_the_same_text(db, tmp_path, encoding):
    path = tmp_path / f"ledger_{encoding}.csv"
    path.write_bytes(ENCODED[encoding](_text()))
    raw, rows = _read(db, path)
    assert raw.headers == ["Bokföringsdatum", "Konto", "Förvaltning", "Text", "Belopp"]
    assert raw.encoding == LABELS[encoding]
    assert rows[0][1:] == ("2024-03-05", "4610", "Socialförvaltningen",
                           "Köpt vård - mars" if encoding == "latin-1" else "Köpt vård – mars", "1 234,50")
    assert rows[1][3:5] == ("Servicekontoret", "Kaffe åt ÅÄÖ-gruppen")
    assert [r[0] for r in rows] == [2, 3]


@pytest.mark.parametrize("encoding", list(ENCODED))
def test_one_pass_over_the_file_gives_the_same_encoding(tmp_path, encoding):
    """scan_file checks UTF-8 in the pass that hashes the file; detect_encoding then reads no more than a sample."""
    path = tmp_path / f"ledger_{encoding}.csv"
    path.write_bytes(ENCODED[encoding](_text()))
    assert detect_encoding(path, scan_file(path)) == detect_encoding(path)


def test_utf8_character_across_the_scan_chunk_border_is_valid(tmp_path, monkeypatch):
    monkeypatch.setattr(textfile, "CHUNK", 18)
    path = tmp_path / "border.csv"
    path.write_bytes("Konto;Text\n4610;Köpt vård åäö\n".encode("utf-8"))   # "ö" is bytes 17-18: cut by the first chunk
    assert textfile.scan_file(path).utf8_valid is True
    path.write_bytes("Konto;Text\n4610;K\xf6pt\n".encode("latin-1"))
    assert textfile.scan_file(path).utf8_valid is False


def test_latin1_byte_undefined_in_cp1252_is_read_as_latin1(tmp_path):
    path = tmp_path / "l1.csv"
    path.write_bytes("Konto;Text\n4610;ö\x81\n".encode("latin-1"))
    assert detect_encoding(path).codec == "latin-1"


def test_utf8_file_with_some_cp1252_lines_is_decoded_line_by_line(db, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes((HEADER + "\n" + LINES[0] + "\n").encode("utf-8") + (LINES[1] + "\n").encode("cp1252"))
    raw, rows = _read(db, path)
    assert rows[0][3] == "Socialförvaltningen" and rows[1][4] == "Kaffe åt ÅÄÖ-gruppen"
    assert raw.encoding == "utf-8 with 1 cp1252 line(s)"
    assert any("Windows-1252" in n for n in raw.notes)


def test_encoding_given_by_the_user_wins(db, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(_text().encode("cp1252"))
    raw, rows = _read(db, path, encoding="latin-1")
    assert raw.encoding == "latin-1 (as given)" and rows[0][3] == "Socialförvaltningen"


# --- delimiters, quoting, headers -------------------------------------------------------------

@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_delimiters_are_detected_and_quotes_respected(db, tmp_path, delimiter):
    path = tmp_path / "d.csv"
    quoted = f'"Text with {delimiter} and ""quotes"""'
    body = (_text(delimiter).replace("Köpt vård – mars", quoted)
            .replace("1 234,50", '"1 234,50"').replace("12,00", '"12,00"'))
    path.write_text(body, encoding="utf-8")
    raw, rows = _read(db, path)
    assert raw.delimiter == delimiter
    assert rows[0][4] == f'Text with {delimiter} and "quotes"'
    assert len(raw.headers) == 5


def test_header_is_found_below_title_rows_and_rows_keep_file_numbers(db, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Leverantörsreskontra 2024\nUttag 2024-04-02;;;;\n" + _text(), encoding="utf-8")
    raw, rows = _read(db, path)
    assert raw.header_row == 3
    assert [r[0] for r in rows] == [4, 5]


def test_header_row_option(db, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("A;B\n" + _text(), encoding="utf-8")
    raw, rows = _read(db, path, header_row=2)
    assert raw.headers[0] == "Bokföringsdatum" and rows[0][0] == 3


def test_empty_and_duplicate_headers_get_names(db, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("Konto;;Belopp;belopp\n4610;x;1;2\n", encoding="utf-8")
    raw, _ = _read(db, path)
    assert raw.headers == ["Konto", "column 2", "Belopp", "belopp (2)"]


@pytest.mark.parametrize("blank_inside", [False, True])
def test_row_numbers_are_the_same_on_both_read_paths(db, tmp_path, blank_inside):
    """DuckDB reads the plain file; a blank line inside sends it through Python's csv module. A quoted
    cell spanning two lines is one row (as Excel shows it)."""
    lines = [HEADER, LINES[0], '2024-03-07;7010;"Tekniska\nförvaltningen";Buss;100,00', LINES[1]]
    if blank_inside:
        lines.insert(2, "")
    path = tmp_path / "n.csv"
    path.write_text("\n".join(lines) + "\n\n\n", encoding="utf-8")
    raw, rows = _read(db, path)
    expected = [2, 4, 5] if blank_inside else [2, 3, 4]
    assert [r[0] for r in rows] == expected
    assert rows[1][3] == "Tekniska\nförvaltningen"


def test_ragged_rows_become_structural_errors_with_their_row(db, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("\n".join([HEADER, LINES[0], "2024-03-06;6461;Servicekontoret", LINES[1] + ";extra"]) + "\n",
                    encoding="utf-8")
    raw, rows = _read(db, path)
    assert raw.rows_read == 3 and [r[0] for r in rows] == [2]
    assert [(e["source_row"], e["n_cells"], e["expected"]) for e in raw.structural_errors] == [(3, 3, 5), (4, 6, 5)]


def test_rows_with_only_delimiters_are_not_rows(db, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("\n".join([HEADER, LINES[0], ";;;;", "  ; ;;;", LINES[1]]) + "\n", encoding="utf-8")
    raw, rows = _read(db, path)
    assert raw.rows_read == 2 and raw.empty_rows == 2 and [r[0] for r in rows] == [2, 5]


def test_empty_lines_inside_the_data_are_counted_as_empty_rows_trailing_ones_are_not(db, tmp_path):
    """An empty line inside the data (read by Python's csv module, which keeps line numbers) is skipped and counted
    like a row of empty cells; the empty lines at the end of the file are no rows at all."""
    path = tmp_path / "g.csv"
    path.write_text("\n".join([HEADER, LINES[0], "", ";;;;", LINES[1], "", ""]) + "\n", encoding="utf-8")
    raw, rows = _read(db, path)
    assert raw.rows_read == 2 and raw.empty_rows == 2 and [r[0] for r in rows] == [2, 5]


def test_cells_starting_with_spaces_keep_their_row(db, tmp_path):
    """Only rows whose every cell is empty or spaces are dropped; " x" is a filled cell."""
    path = tmp_path / "s.csv"
    path.write_text("\n".join([HEADER, LINES[0], "  ; ;;; x", " ;  ;;;", LINES[1]]) + "\n", encoding="utf-8")
    raw, rows = _read(db, path)
    assert raw.rows_read == 3 and raw.empty_rows == 1 and [r[0] for r in rows] == [2, 3, 5]


def test_cells_of_no_break_spaces_are_empty(db, tmp_path):
    """A row of no-break spaces (U+00A0, U+202F, as spreadsheets export them) is as empty as ';;;;'."""
    path = tmp_path / "n.csv"
    path.write_text("\n".join([HEADER, LINES[0], "\u00a0;\u202f\u00a0;;;", "\u00a0;;;;\u00a0x", LINES[1]]) + "\n",
                    encoding="utf-8")
    raw, rows = _read(db, path)
    assert raw.rows_read == 3 and raw.empty_rows == 1 and [r[0] for r in rows] == [2, 4, 5]


def test_cell_limit_counts_characters_not_bytes(db, tmp_path, monkeypatch):
    """A cell of 25 'ö' is 50 bytes: within a limit of 30 characters; 31 'ö' are not."""
    monkeypatch.setattr(readers, "MAX_CELL_CHARS", 30)
    path = tmp_path / "c.csv"
    path.write_text(f"{HEADER}\n{LINES[0]}\n2024-03-07;4610;X;{'ö' * 25};1\n", encoding="utf-8")
    raw, _ = _read(db, path)
    assert raw.rows_read == 2
    path.write_text(f"{HEADER}\n{LINES[0]}\n2024-03-07;4610;X;{'ö' * 31};1\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="holds a cell of 31 characters"):
        _read(db, path)


def test_a_read_leaves_the_process_csv_field_limit_as_it_was(db, tmp_path, monkeypatch):
    """Python's csv field limit is process-wide: a ledger read (here with a small cell limit, through both the
    sample and the line-by-line reader) must put it back, or a later reference-table read in the same process
    fails with 'field larger than field limit' (seen in CI)."""
    import csv
    before = csv.field_size_limit()
    monkeypatch.setattr(readers, "MAX_CELL_CHARS", 30)
    path = tmp_path / "c.csv"
    path.write_text(f"{HEADER}\n{LINES[0]}\n\n{LINES[1]}\n", encoding="utf-8")   # the inner blank line needs the Python reader
    _read(db, path)
    assert csv.field_size_limit() == before


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 4096])
@pytest.mark.parametrize("text,inner_blank,mixed", [
    (b"a;b\nc;d\n\ne;f\n", True, False), (b"a;b\r\nc;d\r\n\r\ne;f\r\n", True, False),
    (b"a;b\r\nc;d\r\ne;f\r\n\r\n", False, False), (b"a;b\nc;d\r\ne;f\n", False, True),
    (b"a;b\r\nc;d\n\r\ne;f\r\n", True, True), (b"a;b\nc;d\n\n\n", False, False),
    (b"a;b\r\nc;d\r\ne\rf\n\r\n", False, True), (b"a;b\nc;d\n\r\r\ne;f\n", False, True)])
def test_scan_finds_blank_lines_and_line_endings_across_chunk_borders(tmp_path, monkeypatch, chunk, text, inner_blank,
                                                                       mixed):
    """The scan searches each chunk and the bytes across its border; the hash is that of the whole file."""
    import hashlib

    monkeypatch.setattr(textfile, "CHUNK", chunk)
    path = tmp_path / "lines.csv"
    path.write_bytes(text)
    found = scan_file(path)
    assert (found.inner_blank_line, found.mixed_line_endings) == (inner_blank, mixed)
    assert found.sha256 == hashlib.sha256(text).hexdigest()


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 4096])
@pytest.mark.parametrize("text,longest,quote", [
    (b"ab;c\nabcdefghij;k\nx\n", 13, False), (b"a\n\nbcd", 3, False), (b"", 0, False),
    (b"a;b\r\nc;dddd\r\n", 8, False), (b'a;"b\nc"\n', 5, True)])
def test_scan_measures_the_longest_line_across_chunk_borders(tmp_path, monkeypatch, chunk, text, longest, quote):
    """The longest line in bytes (its line feed included; the last line also without one) and whether the file
    holds a double quote: together they bound every cell (FileScan.bounds_cells)."""
    monkeypatch.setattr(textfile, "CHUNK", chunk)
    path = tmp_path / "lines.csv"
    path.write_bytes(text)
    found = scan_file(path)
    assert (found.longest_line, found.has_quote) == (longest, quote)
    assert found.bounds_cells(longest) is not quote and not found.bounds_cells(longest - 1)


def test_cell_limit_holds_when_the_scan_bounds_the_lines(db, tmp_path, monkeypatch):
    """With the scan of the file (as ingest passes it), cells are not measured when no line is longer than the limit
    and the file has no quotes; a longer line, or a quoted cell over several short lines, is still measured."""
    monkeypatch.setattr(readers, "MAX_CELL_CHARS", 60)     # the header line is 48 bytes
    path = tmp_path / "c.csv"
    path.write_text(f"{HEADER}\n2024-03-07;4610;X;{'ö' * 5};1\n", encoding="utf-8")
    assert scan_file(path).bounds_cells(60)
    raw, _ = _read(db, path, scan=scan_file(path))
    assert raw.rows_read == 1
    path.write_text(f"{HEADER}\n2024-03-07;4610;X;{'ö' * 61};1\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="holds a cell of 61 characters"):
        _read(db, path, scan=scan_file(path))
    cell = "\n".join(["ööööö"] * 11)      # 65 characters over eleven short lines
    path.write_text(f'{HEADER}\n2024-03-07;4610;X;"{cell}";1\n', encoding="utf-8")
    assert not scan_file(path).bounds_cells(60)
    with pytest.raises(InputFileError, match="holds a cell of 65 characters"):
        _read(db, path, scan=scan_file(path))


def test_file_with_header_only_is_refused(db, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text(HEADER + "\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"h.csv: no data rows below the header \(row 1"):
        _read(db, path)


# --- xlsx --------------------------------------------------------------------------------------

def test_xlsx_title_rows_formulas_total_and_trailing_blank_rows(db):
    raw, rows = _read(db, INGEST / "ledger_title_rows.xlsx")
    assert raw.file_format == "xlsx" and raw.sheet == "Reskontra" and raw.header_row == 4
    assert [r[0] for r in rows] == [5, 6, 7, 8, 9]       # spreadsheet row numbers; 3 empty rows ignored
    assert rows[0][1:3] == ("2024-01-15", "4610")         # date cell as ISO date, integral number without .0
    assert rows[1][1] == "2024-02-01" and rows[1][6] == "88123"
    assert rows[3][8] == "15000"                          # formula read as the value Excel saved
    assert rows[4][3] == "Summa" and rows[4][8] == "187061.9"
    assert raw.numeric_columns == {7}                     # Belopp holds only numbers (Konto has a text cell)
    assert raw.rows_read == 5                             # the formatted empty rows 10-12 are not rows


def test_xlsx_picks_the_sheet_with_a_ledger_header(db):
    raw, rows = _read(db, INGEST / "info_sheet_first.xlsx")
    assert raw.sheet == "Data" and len(rows) == 2


@pytest.mark.parametrize("sheet", ["Noter", "noter", "2"])
def test_xlsx_sheet_by_name_or_number(db, sheet):
    with pytest.raises(InputFileError, match="no data rows|only one column|no header row"):
        _read(db, INGEST / "ledger_title_rows.xlsx", sheet=sheet)


def test_xlsx_unknown_sheet_lists_the_sheets(db):
    with pytest.raises(InputFileError, match='no sheet named "Blad1"; sheets: Reskontra, Noter'):
        _read(db, INGEST / "ledger_title_rows.xlsx", sheet="Blad1")


def test_xlsx_formulas_without_saved_values_are_explained(db):
    raw, rows = _read(db, INGEST / "formulas_not_saved.xlsx")
    assert rows[1][3] is None
    assert any("1 formula cell(s) have no saved value" in n for n in raw.notes)


# --- SIE 4 -------------------------------------------------------------------------------------

def test_sie_tokenizer_handles_quotes_escapes_and_object_lists():
    assert sie.tokenize('#TRANS 3010 { "1" "1"} -500 20100122 "Text \\"citat\\"" 2') == [
        "#TRANS", "3010", '{ "1" "1"}', "-500", "20100122", 'Text "citat"', "2"]
    assert sie.tokenize('#TRANS\t1510\t{8 "30083"\t1 "2"}\t376313.00') == [
        "#TRANS", "1510", '{8 "30083"\t1 "2"}', "376313.00"]
    assert sie.parse_objects('{1 "2" 10 "12"}') == [("1", "2"), ("10", "12")]
    assert sie.parse_objects("{}") == [] and sie.parse_objects("{ }") == []


def test_sie_text_is_pc8_unless_the_bytes_say_otherwise():
    text = "#FNAMN \"Övningsbolaget Åsa\"\n"
    assert sie.decode_sie(text.encode("cp437")) == (text, "cp437 (PC8)")
    assert sie.decode_sie(text.encode("utf-8")) == (text, "utf-8")
    assert sie.decode_sie(text.encode("cp1252"))[1] == "cp1252"


def test_sie_rtrans_and_btrans_follow_the_specification():
    """BL0001 voucher A 8: three #BTRANS (removed), two #RTRANS each followed by the same #TRANS.
    Only the #TRANS lines count, so the voucher balances (0 + 0) and 4010 800 (removed) is not a line."""
    ledger = sie.read_sie(INGEST / "sie" / "BL0001_typ4.SE")
    assert ledger.facts["transactions"] == 405          # the #TRANS lines; 6 #RTRANS and 3 #BTRANS skipped
    assert [r for r in ledger.rows if r[1] == "A 8"] == []   # 4010 800 was removed (#BTRANS)
    assert ledger.unbalanced == []
    assert Decimal(ledger.facts["all_transactions_sum"]) == 0


def test_sie_unbalanced_voucher_is_found_with_its_lines():
    ledger = sie.read_sie(INGEST / "sie" / "transaktioner_ovnbolag-bad-balance.se")
    assert ledger.unbalanced == [{"voucher": "B 1", "date": "2011-01-07", "line": 3905, "n_trans": 3,
                                  "sum": "-12771.00", "ledger_lines": [3908]}]


def test_sie_dimensions_and_account_names():
    ledger = sie.read_sie(INGEST / "sie" / "transaktioner_ovnbolag.se")
    by_line = {r[0]: r for r in ledger.rows}
    row = by_line[4007]
    assert row[4:6] == ["7290", "Förändr sem löneskuld"]           # #KONTO name kept (PC8 decoded)
    assert row[8:10] == ["Kontor Syd", "Syd"]                      # dim 1 object name and code
    assert ledger.facts["dimensions"]["1"]


def test_sie_ledger_account_scope_is_configurable():
    default = sie.read_sie(INGEST / "sie" / "transaktioner_ovnbolag.se")
    wider = sie.read_sie(INGEST / "sie" / "transaktioner_ovnbolag.se", ledger_accounts=r"^[3-8][0-9]{3}$")
    assert wider.facts["ledger_lines"] == default.facts["ledger_lines"] + default.facts["other_lines_by_class"]["3"]["lines"]
    for facts in (default.facts, wider.facts):
        assert Decimal(facts["ledger_lines_sum"]) + Decimal(facts["other_lines_sum"]) == Decimal(
            facts["all_transactions_sum"])


def test_sie_types_without_vouchers_are_refused(tmp_path):
    path = tmp_path / "sie2.se"
    path.write_bytes(b'#FLAGGA 0\n#SIETYP 2\n#KONTO 1910 "Kassa"\n#UB 0 1910 100.00\n')
    with pytest.raises(sie.SieError, match="SIE 2 file, which holds balances"):
        sie.read_sie(path)


# --- reading while the scan runs ------------------------------------------------------------------

_BODY = "".join(f"2024-03-{1 + i % 28:02d};4610;Socialförvaltningen;Faktura {i};{i},50\n" for i in range(12_000))
_LATE = "2024-03-31;4610;Socialförvaltningen;Åkeri;9,00\n"


@pytest.mark.parametrize("name,content", [
    ("plain utf-8", (HEADER + "\n" + _BODY).encode("utf-8")),
    ("cp1252 byte after the sample", (HEADER.replace("ö", "o") + "\n" + _BODY.replace("ö", "o")).encode("ascii")
     + _LATE.encode("cp1252")),
    ("cp1252 line in utf-8 after the sample", (HEADER + "\n" + _BODY).encode("utf-8") + _LATE.encode("cp1252")),
    ("empty line after the sample", (HEADER + "\n" + _BODY + "\n" + _LATE).encode("utf-8")),
    ("CRLF after the sample", (HEADER + "\n" + _BODY).encode("utf-8") + _LATE.replace("\n", "\r\n").encode("utf-8")),
    ("quoted newline", (HEADER + "\n" + _BODY[:200] + '2024-03-02;4610;"Social\nförvaltningen";"a\n\nb";1,00\n'
                        + _LATE).encode("utf-8")),
    ("ragged row", (HEADER + "\n" + _BODY + "2024-03-02;4610;kort\n" + _LATE).encode("utf-8")),
])
def test_reading_while_the_scan_runs_reads_what_reading_after_it_does(db, tmp_path, name, content):
    """DuckDB reads a file whose first 256 KB are plain UTF-8 while the scan runs; when the scan then finds another
    encoding or a line structure DuckDB numbers differently, the file is read again: the rows, their numbers and
    what is reported are those of a read after the scan."""
    path = tmp_path / "ledger.csv"
    path.write_bytes(content)
    after = read_table(db, path, table="after", display_name=path.name, options=ReadOptions(scan=scan_file(path)))
    during = read_table(db, path, table="during", display_name=path.name,
                        options=ReadOptions(scan=textfile.start_scan(path)))
    assert (during.rows_read, during.encoding, during.structural_errors, during.notes, during.empty_rows) == \
           (after.rows_read, after.encoding, after.structural_errors, after.notes, after.empty_rows)
    assert db.execute("select count(*) from (select * from during except all select * from after)").fetchone()[0] == 0
    assert db.execute("select count(*) from (select * from after except all select * from during)").fetchone()[0] == 0


def test_quoted_cell_over_two_lines_counts_as_one_row(db, tmp_path):
    """A quoted cell holding a line break is one record: source_row numbers records (header = 1), not file lines,
    whether DuckDB reads while the scan runs or Python's csv module reads (an empty line makes it the reader).

    File lines: 1 header, 2-3 the row with "Social\\nförvaltningen" (record 2), 4 "Service" (record 3), then in the
    second file 5 an empty line (record 4, not a row) and 6 "Te" (record 5)."""
    rows = '2024-03-05;4610;"Social\nförvaltningen";Text;1,00\n2024-03-06;4610;Service;Kaffe;2,00\n'
    for tail, expected_tail in (("", []), ("\n2024-03-07;4610;Service;Te;3,00\n", [(5, "Te")])):
        path = tmp_path / f"quoted{len(tail)}.csv"
        path.write_text(HEADER + "\n" + rows + tail, encoding="utf-8")
        read_table(db, path, table="q", display_name=path.name, options=ReadOptions(scan=textfile.start_scan(path)))
        got = db.execute("select source_row, c3 from q order by source_row").fetchall()
        assert got == [(2, "Text"), (3, "Kaffe"), *expected_tail]


def test_guess_plain_utf8_only_for_utf8_without_bom(tmp_path):
    path = tmp_path / "g.csv"
    for content, expected in [("Konto;Text\n4610;Köpt vård\n".encode("utf-8"), "utf-8"),
                              (codecs.BOM_UTF8 + b"Konto;Text\n", None),
                              ("Konto;Text\n".encode("utf-16"), None),
                              ("Konto;Text\n4610;Köpt\n".encode("cp1252"), None)]:
        path.write_bytes(content)
        found = textfile.guess_plain_utf8(path)
        assert (found.codec if found else None) == expected
    # a character cut by the end of the sample is not an error: the scan checks the whole file
    path.write_bytes(b"a;b\n" + b"x" * (textfile.SAMPLE_BYTES - 5) + "ö".encode("utf-8") + b"\n")
    assert textfile.guess_plain_utf8(path) == textfile.TextEncoding("utf-8", 0, "utf-8")


def test_scan_in_progress_raises_the_scans_error_in_the_caller(tmp_path):
    running = textfile.start_scan(tmp_path / "missing.csv")
    with pytest.raises(FileNotFoundError):
        running.result()


@pytest.mark.parametrize("ordered", [True, False])
def test_records_below_title_rows_are_numbered_as_in_the_file(db, tmp_path, ordered):
    """DuckDB reads in parallel and the row ids number the records when insertion order is preserved (the default),
    else row_number() over a serial read does: the same numbers. Worked example: title row 1, empty row 2, header
    row 3; records 4 and 5 ("Social\\nförvaltningen" over file lines 5-6 is record 5), 6 on file line 7."""
    db.execute(f"set preserve_insertion_order = {str(ordered).lower()}")
    path = tmp_path / "titled.csv"
    path.write_text("Leverantörsreskontra 2024;\n;\n" + HEADER + "\n" + LINES[0] + "\n"
                    + '2024-03-06;6461;"Social\nförvaltningen";Kaffe;12,00\n' + LINES[1] + "\n", encoding="utf-8")
    raw, rows = _read(db, path, scan=scan_file(path))
    assert raw.header_row == 3
    assert [(r[0], r[3]) for r in rows] == [(4, "Socialförvaltningen"), (5, "Social\nförvaltningen"),
                                            (6, "Servicekontoret")]
