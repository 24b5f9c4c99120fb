"""What kind of file a ledger is, decided from its first bytes: the one file-type rule of klimatspend.

Used by the readers (pipeline.ingest.readers: the CLI and every load) and by the web upload before a
file is stored (pipeline.web.uploads). The content decides: a zip holding `xl/workbook.xml` is an Excel
workbook, text starting with SIE tags is SIE, other text is a delimited export; old Office files, PDFs,
compressed archives and other binary files are refused with a message that says what to do. The file
name's extension is checked only when the caller asks (an upload must be named for what it is; the CLI
reads a file whatever it is called).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Callable, Iterable

from ..errors import InputFileError
from .sie import looks_like_sie

HEAD_BYTES = 64 * 1024            # what is read to decide (a file whose first 64 KB are blank counts as empty)
TEXT_EXTENSIONS = frozenset({".csv", ".txt", ".tsv", ".skv", ".tab", ".se", ".si", ".sie"})
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
KINDS = ("xlsx", "sie", "text")   # what detect() returns; "text" is a delimited export (CSV, tab, ...)

_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Magic numbers of binary formats people upload by mistake. "MZ" and "GIF8" are printable, so they only
# count together with a NUL byte: a text export whose first header happens to start with them is still text.
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"7z\xbc\xaf", b"Rar!", b"\x7fELF")
_PRINTABLE_MAGIC = (b"MZ", b"GIF8")

# reason -> message (completes "<file>: ..."); the reasons are stable codes, tests and callers may rely on them.
MESSAGES: dict[str, str] = {
    "extension": "files ending in {ext} are not read; upload a CSV or text export, an Excel .xlsx workbook or an "
                 "SIE 4 file",
    "old-office": "this is an old binary Excel file (.xls) or another Office 97 file; save it as .xlsx or CSV and "
                  "try again",
    "pdf": "this is a PDF, not a ledger export; export the ledger as CSV or xlsx",
    "zip-named-as-text": "the file is named {ext} but is a zip archive; upload the ledger itself (CSV, xlsx or SIE)",
    "damaged-zip": "the file is damaged: it starts like an xlsx workbook but the archive cannot be opened; save it "
                   "again from Excel",
    "ods": "the file is an OpenDocument spreadsheet (.ods), not an Excel workbook; save it as .xlsx or CSV",
    "zip-not-workbook": "this zip file is not an Excel workbook (no xl/workbook.xml inside); take the ledger out of "
                        "the zip archive, or save it as .xlsx or CSV",
    "named-xlsx-not-zip": "the file is named {ext} but is not an Excel workbook; save it again from Excel or upload "
                          "it as CSV",
    "gzip": "this is a gzip-compressed file; unpack it first and load the CSV inside",
    "binary-format": "this is a binary file (image, archive or program), not a ledger export",
    "binary": "this is a binary file, not a text ledger export; export the ledger as CSV, xlsx or SIE",
    "empty": "the file is empty",
}


class FileTypeError(InputFileError):
    """The file is not of a kind klimatspend reads; `reason` is a stable code (a key of MESSAGES)."""

    def __init__(self, reason: str, name: str | None = None, **values):
        self.reason = reason
        message = MESSAGES[reason].format(**values)
        super().__init__(f"{name}: {message}" if name else message)


def zip_names(path: Path) -> set[str]:
    """Return the member names of the zip archive at `path` (raises what zipfile raises for a damaged one)."""
    with zipfile.ZipFile(path) as zf:
        return set(zf.namelist())


def detect(head: bytes, *, zip_members: Callable[[], Iterable[str]] | None = None, extension: str | None = None,
           name: str | None = None) -> str:
    """Return 'xlsx', 'sie' or 'text' for a file's first bytes (HEAD_BYTES of them); raise FileTypeError otherwise.

    `zip_members()` lists the archive's members when the bytes are a zip (None: an empty list). With
    `extension` (e.g. '.csv') the name must be one klimatspend reads and agree with the content. `name`
    prefixes the message ("ledger.csv: this is a PDF ...").
    """
    ext = None if extension is None else extension.lower()
    if ext is not None and ext not in TEXT_EXTENSIONS | XLSX_EXTENSIONS:
        raise FileTypeError("extension", name, ext=ext or "(nothing)")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileTypeError("old-office", name)
    if head.startswith(b"%PDF"):
        raise FileTypeError("pdf", name)
    if head.startswith(_ZIP):
        if ext is not None and ext not in XLSX_EXTENSIONS:
            raise FileTypeError("zip-named-as-text", name, ext=ext)
        try:
            members = set(zip_members()) if zip_members else set()
        except Exception:  # noqa: BLE001 - a damaged or hostile zip raises many kinds of error
            raise FileTypeError("damaged-zip", name) from None
        if "xl/workbook.xml" not in members:
            raise FileTypeError("ods" if "content.xml" in members else "zip-not-workbook", name)
        return "xlsx"
    if ext in XLSX_EXTENSIONS:
        raise FileTypeError("named-xlsx-not-zip", name, ext=ext)
    if head.startswith(b"\x1f\x8b"):
        raise FileTypeError("gzip", name)
    if head.startswith(_BINARY_MAGIC) or (head.startswith(_PRINTABLE_MAGIC) and b"\x00" in head):
        raise FileTypeError("binary-format", name)
    if not head.startswith(_UTF16_BOMS) and b"\x00" in head:   # UTF-16 text has NUL bytes; other text has none
        raise FileTypeError("binary", name)
    if not head.strip():
        raise FileTypeError("empty", name)
    return "sie" if looks_like_sie(head) else "text"


def detect_file(path: Path, *, extension: str | None = None, name: str | None = None) -> str:
    """Return the kind of the file at `path` ('xlsx', 'sie' or 'text'), reading its first HEAD_BYTES; see detect()."""
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    return detect(head, zip_members=lambda: zip_names(path), extension=extension, name=name)
