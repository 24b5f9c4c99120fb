"""Detect the text encoding of a ledger export and give DuckDB a clean UTF-8 copy when it needs one.

Finance systems export UTF-8 (with or without BOM), Windows-1252 (cp1252) or latin-1, and some
files carry a byte-order mark that was itself mis-decoded and saved again: it shows as `ï»¿` in
front of the first header (bytes C3 AF C2 BB C2 BF in UTF-8, or EF BB BF followed by cp1252 text).
A file that is UTF-8 except for a few cp1252 bytes (two exports pasted together) is decoded line by
line and reported.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import queue
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

CHUNK = 4 * 1024 * 1024
SAMPLE_BYTES = 256 * 1024

# Byte prefixes removed before decoding: a real UTF-8 BOM, and the same BOM after it was read as
# cp1252 and written back as UTF-8 ("ï»¿" as text). Several may follow each other.
_BOM_PREFIXES = (codecs.BOM_UTF8, "ï»¿".encode("utf-8"))
_MISENCODED_TEXT = "ï»¿"
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


@dataclass(frozen=True)
class FileScan:
    """Facts of one pass over a file's bytes: its sha256 and the line structure DuckDB cares about."""

    sha256: str
    inner_blank_line: bool        # an empty line before the last content (DuckDB would skip it)
    mixed_line_endings: bool      # CRLF and LF (or lone CR) in one file (DuckDB's `skip` miscounts)
    utf8_valid: bool | None = None   # the bytes after the BOM-like prefix are valid UTF-8 (None: not checked)
    longest_line: int | None = None  # bytes of the longest line, its line break included (None: not measured)
    has_quote: bool = True           # a double quote anywhere in the file (a quoted cell may span lines)

    def bounds_cells(self, limit: int) -> bool:
        """True when no cell of the file, read as UTF-8 or an 8-bit encoding, can hold more than `limit` characters:
        no double quote (so a cell never spans lines) and no line longer than `limit` bytes (a character is at least
        one byte). Not for UTF-16, whose line feed byte also occurs inside other characters."""
        return not self.has_quote and self.longest_line is not None and self.longest_line <= limit

    @property
    def needs_python_reader(self) -> bool:
        """True when DuckDB's CSV reader would number the rows differently from the file."""
        return self.inner_blank_line or self.mixed_line_endings


def scan_file(path: Path) -> FileScan:
    """Read `path` once: sha256, empty lines before the last content, mixed line endings, and whether the bytes
    after a BOM-like prefix are valid UTF-8 (detect_encoding uses it instead of reading the file again)."""
    import numpy    # here, not at the top: the CLI's parser imports this package
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_valid = True
    first_blank = None
    last_content = -1
    offset = 0
    tail = b""
    crlf = lf = cr = 0
    has_quote = False
    longest = 0
    line_start = 0      # offset of the first byte of the current line
    # sha256 releases the GIL: it hashes in a thread while this one looks at the lines
    hasher = _Hasher()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                hasher.feed(chunk)
                # an ASCII chunk is valid UTF-8 unless a character was cut at the end of the one before
                if utf8_valid and not (chunk.isascii() and not decoder.getstate()[0]):
                    try:
                        decoder.decode(chunk[_bom_prefix_length(chunk)[0]:] if offset == 0 else chunk)
                    except UnicodeDecodeError:
                        utf8_valid = False
                n_cr = chunk.count(b"\r")
                n_crlf = chunk.count(b"\r\n") if n_cr else 0
                cr += n_cr
                # the offsets of the chunk's line feeds (NumPy, the GIL released) give their count and the empty lines
                lf_at = numpy.flatnonzero(numpy.frombuffer(chunk, numpy.uint8) == 10)
                lf += (n_lf := int(lf_at.size))
                has_quote = has_quote or b'"' in chunk
                if n_lf:
                    # the lines ending in this chunk: from the line start before it to each line feed (included)
                    longest = max(longest, int(lf_at[0]) + offset + 1 - line_start,
                                  int(numpy.diff(lf_at).max()) if n_lf > 1 else 0)
                    line_start = offset + int(lf_at[-1]) + 1
                if n_cr or tail.endswith(b"\r"):
                    crlf += n_crlf + (tail.endswith(b"\r") and chunk.startswith(b"\n"))
                if first_blank is None:
                    first_blank = _first_blank(tail, chunk, offset, lf_at, search_lf=not (n_cr and n_crlf == n_lf),
                                               search_crlf=bool(n_cr))
                stripped = chunk.rstrip(b" \t\r\n")
                if stripped:
                    last_content = offset + len(stripped) - 1
                offset += len(chunk)
                tail = (tail + chunk)[-2:] if len(chunk) < 2 else chunk[-2:]
    finally:
        sha256 = hasher.hexdigest()
    if utf8_valid:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_valid = False
    inner = first_blank is not None and first_blank + 1 < last_content
    mixed = crlf not in (0, lf) or cr != crlf
    longest = max(longest, offset - line_start)     # the last line, when the file does not end with a line feed
    return FileScan(sha256, inner, mixed, utf8_valid, longest_line=longest, has_quote=has_quote)


class ScanInProgress:
    """scan_file of one file running in a background thread, so that DuckDB reads the file at the same time."""

    def __init__(self, path: Path, then: Callable[[], None] | None = None) -> None:
        self.path = path
        self._then = then
        self._scan: FileScan | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="klimatspend-scan", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._scan = scan_file(self.path)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread by result()
            self._error = exc
        if self._then is not None:
            self._then()

    def result(self) -> FileScan:
        """Wait for the scan and return it (or raise what it raised)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._scan is not None
        return self._scan


def start_scan(path: Path, then: Callable[[], None] | None = None) -> ScanInProgress:
    """Start scan_file(`path`) in a background thread and return at once; `then()` runs in that thread after it.

    The scan is Python (it holds the GIL for its byte counts and UTF-8 check) and DuckDB's read of the same file
    releases the GIL: on two cores the two take the time of the longer one.
    """
    return ScanInProgress(path, then)


def _first_blank(tail: bytes, chunk: bytes, offset: int, lf_at, *, search_lf: bool, search_crlf: bool) -> int | None:
    """Return the file offset of the first empty line ("\\n\\n" or "\\n\\r\\n") starting in `tail` (the last bytes
    before `chunk`) or in `chunk` (at file offset `offset`; `lf_at`: the offsets of its line feeds), else None. A
    chunk without CR holds no "\\n\\r\\n", one with only CRLF endings no "\\n\\n": those searches are skipped."""
    import numpy

    found = []
    edge = tail + chunk[:2]
    for pattern in (b"\n\n", b"\n\r\n"):
        pos = edge.find(pattern)
        if 0 <= pos < len(tail):
            found.append(offset - len(tail) + pos)
    if (search_lf or search_crlf) and lf_at.size > 1:
        # line feeds next to each other are "\n\n"; two apart with a CR between them are "\n\r\n"
        gaps = numpy.diff(lf_at)
        if search_lf and (hits := numpy.flatnonzero(gaps == 1)).size:
            found.append(offset + int(lf_at[hits[0]]))
        if search_crlf:
            bytes_ = numpy.frombuffer(chunk, numpy.uint8)
            hits = numpy.flatnonzero((gaps == 2) & (bytes_[lf_at[:-1] + 1] == 13))
            if hits.size:
                found.append(offset + int(lf_at[hits[0]]))
    return min(found) if found else None


class _Hasher:
    """sha256 of the chunks fed to it, computed in a background thread (hashlib releases the GIL)."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._thread = threading.Thread(target=self._run, name="klimatspend-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            self._sha.update(chunk)

    def feed(self, chunk: bytes) -> None:
        """Hash `chunk` after the chunks fed before it."""
        self._queue.put(chunk)

    def hexdigest(self) -> str:
        """Wait for the chunks fed so far and return the hex digest."""
        self._queue.put(None)
        self._thread.join()
        return self._sha.hexdigest()


@dataclass(frozen=True)
class TextEncoding:
    """How a text file is encoded: the codec, the BOM bytes to skip, and a label for the user."""

    codec: str                     # utf-8 | cp1252 | latin-1 | utf-16 | utf-8+cp1252 (mixed, per line)
    skip_bytes: int = 0            # BOM bytes at the start that are not content
    label: str = ""                # e.g. "utf-8 with BOM", "cp1252", "utf-8 (mis-encoded BOM removed)"
    mixed_lines: int = 0           # lines decoded as cp1252 inside a UTF-8 file

    @property
    def is_plain_utf8(self) -> bool:
        """True when the bytes after `skip_bytes` are valid UTF-8 that DuckDB can read directly."""
        return self.codec == "utf-8"


def _bom_prefix_length(head: bytes) -> tuple[int, bool, bool]:
    """Return (bytes of BOM-like prefix, saw a real BOM, saw a mis-encoded BOM)."""
    pos, real, wrong = 0, False, False
    while True:
        for prefix in _BOM_PREFIXES:
            if head.startswith(prefix, pos):
                real |= prefix == codecs.BOM_UTF8
                wrong |= prefix != codecs.BOM_UTF8
                pos += len(prefix)
                break
        else:
            return pos, real, wrong


def _utf8_status(path: Path, start: int) -> tuple[bool, bool]:
    """Return (whole file is valid UTF-8, file has any non-ASCII byte) reading from byte `start`."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    non_ascii = False
    with open(path, "rb") as fh:
        fh.seek(start)
        try:
            while chunk := fh.read(CHUNK):
                if not non_ascii and not chunk.isascii():
                    non_ascii = True
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False, True
    return True, non_ascii


def _has_valid_multibyte_utf8(sample: bytes) -> bool:
    """True when `sample` holds at least one well-formed UTF-8 multi-byte character (e.g. 'ö' as C3 B6)."""
    text = sample.decode("utf-8", errors="replace")
    return any(ord(ch) > 127 and ch != "\ufffd" for ch in text)


def guess_plain_utf8(path: Path) -> TextEncoding | None:
    """Return the encoding plain UTF-8 (no BOM) when the file's first SAMPLE_BYTES are valid UTF-8 without a
    BOM-like prefix, else None: what detect_encoding returns for the file if the rest is valid UTF-8 too."""
    with open(path, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _bom_prefix_length(sample)[0]:
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample)   # not final: the sample may cut a character
    except UnicodeDecodeError:
        return None
    return TextEncoding("utf-8", 0, "utf-8")


def detect_encoding(path: Path, scan: FileScan | None = None) -> TextEncoding:
    """Return the encoding of the text file at `path` (UTF-8 check over the whole file: from `scan` when given,
    the one pass of scan_file, else by reading the file)."""
    with open(path, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return TextEncoding("utf-16", 0, "utf-16")
    skip, real_bom, wrong_bom = _bom_prefix_length(sample)
    body = sample[skip:]
    valid = scan.utf8_valid if scan is not None and scan.utf8_valid is not None else _utf8_status(path, skip)[0]
    if valid:
        if wrong_bom:
            label = "utf-8 (mis-encoded BOM 'ï»¿' removed)"
        else:
            label = "utf-8 with BOM" if real_bom else "utf-8"
        return TextEncoding("utf-8", skip, label)
    if _has_valid_multibyte_utf8(body) and not _looks_like_cp1252_only(body):
        return TextEncoding("utf-8+cp1252", skip, "utf-8 with some cp1252 lines")
    codec = "latin-1" if _CP1252_UNDEFINED & set(body) else "cp1252"
    if skip:
        # A UTF-8 BOM in front of cp1252 text: the file was re-saved by a program that kept the BOM.
        return TextEncoding(codec, skip, f"{codec} (stray BOM bytes removed)")
    return TextEncoding(codec, 0, codec)


def _looks_like_cp1252_only(sample: bytes) -> bool:
    """True when every invalid-UTF-8 spot in `sample` is a lone high byte (typical cp1252 text)."""
    try:
        sample.decode("utf-8")
        return False
    except UnicodeDecodeError:
        pass
    valid_multi = sum(1 for ch in sample.decode("utf-8", errors="ignore") if ord(ch) > 127)
    invalid = len(sample.decode("utf-8", errors="replace")) - len(sample.decode("utf-8", errors="ignore"))
    return valid_multi == 0 or invalid > 20 * valid_multi


def decode_sample(path: Path, enc: TextEncoding, n_bytes: int = SAMPLE_BYTES) -> str:
    """Return the first `n_bytes` of the file as text (BOM removed, a cut last character dropped)."""
    with open(path, "rb") as fh:
        fh.seek(enc.skip_bytes)
        raw = fh.read(n_bytes)
    if enc.codec == "utf-16":
        text = raw.decode("utf-16", errors="replace")
    elif enc.codec == "utf-8+cp1252":
        text = "\n".join(_decode_mixed_line(line)[0] for line in raw.split(b"\n"))
    else:
        text = raw.decode(enc.codec if enc.codec != "utf-8" else "utf-8", errors="replace")
    while text.startswith(_MISENCODED_TEXT) or text.startswith("\ufeff"):
        text = text[len(_MISENCODED_TEXT):] if text.startswith(_MISENCODED_TEXT) else text[1:]
    return text


def _decode_mixed_line(line: bytes) -> tuple[str, bool]:
    try:
        return line.decode("utf-8"), False
    except UnicodeDecodeError:
        return line.decode("cp1252", errors="replace"), True


def utf8_copy(path: Path, enc: TextEncoding) -> tuple[Path | None, TextEncoding]:
    """Write a UTF-8 copy of `path` without BOM bytes when DuckDB cannot read it as is.

    Returns (temporary path, or None when the original can be read directly; the encoding actually
    used, with `mixed_lines` counted). A cp1252 file holding a byte cp1252 leaves undefined is read
    as latin-1. The caller deletes the temporary file.
    """
    if enc.codec == "utf-8" and enc.skip_bytes == 0:
        return None, enc
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="klimatspend-")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                used = _transcode(path, enc, out)
            except UnicodeDecodeError:
                if enc.codec != "cp1252":
                    raise
                out.seek(0)
                out.truncate()
                used = _transcode(path, TextEncoding("latin-1", enc.skip_bytes,
                                                     enc.label.replace("cp1252", "latin-1")), out)
    except BaseException:
        os.unlink(tmp)
        raise
    return Path(tmp), used


def _transcode(path: Path, enc: TextEncoding, out) -> TextEncoding:
    mixed = 0
    with open(path, "rb") as src:
        src.seek(enc.skip_bytes)
        if enc.codec == "utf-8":
            while chunk := src.read(CHUNK):
                out.write(chunk)
        elif enc.codec == "utf-8+cp1252":
            for line in src:
                text, was_cp1252 = _decode_mixed_line(line)
                mixed += was_cp1252
                out.write(text.encode("utf-8"))
        else:
            decoder = codecs.getincrementaldecoder(enc.codec)(errors="strict")
            first = True
            while chunk := src.read(CHUNK):
                text = decoder.decode(chunk)
                if first:
                    text = text.lstrip("\ufeff")
                    while text.startswith(_MISENCODED_TEXT):
                        text = text[len(_MISENCODED_TEXT):]
                    first = False
                out.write(text.encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    if enc.codec == "utf-8+cp1252":
        return TextEncoding(enc.codec, enc.skip_bytes, f"utf-8 with {mixed} cp1252 line(s)", mixed)
    return enc
