"""pipeline.ingest.filetype: one file-type rule for the readers (CLI) and the web upload, with the same messages."""

from __future__ import annotations

import io
import zipfile

import duckdb
import pytest

from pipeline.errors import InputFileError
from pipeline.ingest import filetype
from pipeline.ingest.readers import read_table
from pipeline.web.uploads import UploadRefused, sniff


def _zip(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return buf.getvalue()


REFUSED = [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old-office"),
    (b"%PDF-1.7\n...", "pdf"),
    (b"\x1f\x8b\x08\x00" + b"\x00" * 40, "gzip"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "binary-format"),
    (b"MZ\x90\x00\x03\x00\x00\x00", "binary-format"),
    (b"Konto;Belopp\x00\x00\x01", "binary"),
    (b"   \n\n", "empty"),
]


@pytest.mark.parametrize("content, reason", REFUSED)
def test_the_cli_reader_and_the_web_upload_refuse_alike(tmp_path, content, reason):
    with pytest.raises(filetype.FileTypeError) as caught:
        filetype.detect(content)
    assert caught.value.reason == reason
    path = tmp_path / "ledger.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match="^ledger.csv: " + filetype.MESSAGES[reason].replace("(", r"\(")
                       .replace(")", r"\)").replace(".", r"\.")):
        read_table(duckdb.connect(), path, table="t", display_name="ledger.csv")
    with pytest.raises(UploadRefused) as refused:
        sniff(content, ".csv")
    assert str(refused.value) == filetype.MESSAGES[reason]


def test_zips_are_looked_into():
    workbook = _zip({"xl/workbook.xml": "<workbook/>"})
    members = lambda data: (lambda: zipfile.ZipFile(io.BytesIO(data)).namelist())  # noqa: E731
    assert filetype.detect(workbook, zip_members=members(workbook)) == "xlsx"
    ods = _zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})
    other = _zip({"readme.txt": "not a workbook"})
    for data, reason in ((ods, "ods"), (other, "zip-not-workbook")):
        with pytest.raises(filetype.FileTypeError) as caught:
            filetype.detect(data, zip_members=members(data))
        assert caught.value.reason == reason
    with pytest.raises(filetype.FileTypeError) as caught:
        filetype.detect(workbook[:30], zip_members=members(workbook[:30]))
    assert caught.value.reason == "damaged-zip"


def test_text_sie_and_utf16_are_read():
    assert filetype.detect(b"Konto;Belopp\n4610;1\n") == "text"
    assert filetype.detect(b"#FLAGGA 0\n#SIETYP 4\n#VER A 1 20240101\n") == "sie"
    assert filetype.detect("Konto;Belopp\n".encode("utf-16")) == "text"
    assert filetype.detect(b"MZ-nummer;Belopp\n1;2\n") == "text"     # printable magic without NUL bytes is text


def test_the_extension_is_checked_only_when_asked():
    assert filetype.detect(b"Konto;Belopp\n", extension=".CSV") == "text"
    for ext, reason in ((".xls", "extension"), ("", "extension"), (".xlsx", "named-xlsx-not-zip")):
        with pytest.raises(filetype.FileTypeError) as caught:
            filetype.detect(b"Konto;Belopp\n", extension=ext)
        assert caught.value.reason == reason
    with pytest.raises(filetype.FileTypeError) as caught:
        filetype.detect(_zip({"xl/workbook.xml": "<workbook/>"}), extension=".csv")
    assert caught.value.reason == "zip-named-as-text"
    assert filetype.detect(b"Konto;Belopp\n") == "text"                # no extension given: the content decides
