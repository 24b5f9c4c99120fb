"""Small helpers for printing aligned tables and numbers on the terminal."""

from __future__ import annotations

import os
import sys
from typing import Iterable, Sequence

from .. import numbers
from ..i18n import Labels, labels


# The CLI prints every number in the plain style of pipeline.numbers (ASCII only: `1,234.5` in English,
# `1 234,5` in Swedish); binding the style here keeps the call sites short: fmt_number(value, decimals).
def fmt_number(value, decimals: int = 0, *, signed: bool = False) -> str:
    """Return `value` with `decimals` in the CLI's language, ASCII only ('1,234.5' en, '1 234,5' sv)."""
    return numbers.fmt_number(value, decimals, _plain(), signed=signed)


def fmt_percent(share, decimals: int = 1, *, signed: bool = False) -> str:
    """Return a share (0..1) as a percentage in the CLI's language, ASCII only ('12.5 %' en, '12,5 %' sv)."""
    return numbers.fmt_percent(share, decimals, _plain(), signed=signed)


def _plain() -> str:
    return numbers.PLAIN_SV if _language["lang"] == "sv" else numbers.PLAIN


def print_table(headers: Sequence[str], rows: Iterable[Sequence], *, align: str | None = None, file=None) -> None:
    """Print rows as an aligned text table; `align` is one char per column ('l' or 'r')."""
    out = file or sys.stdout
    rows = [[("" if c is None else str(c)) for c in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    align = align or "l" * len(headers)

    def line(cells):
        return "  ".join(c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(cells, widths, align)).rstrip()

    print(line(headers), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in rows:
        print(line(r), file=out)


def progress(message: str) -> None:
    """Print a progress line on stderr (stdout stays clean for --json and pipes)."""
    print(message, file=sys.stderr, flush=True)


# The CLI's language: `--lang sv|en` on the command line, else KLIMATSPEND_LANG, else LANG / LC_ALL / LC_MESSAGES
# (sv_SE.UTF-8 → sv; anything else → en). Set once by pipeline.cli.main; read through `texts()`.
_language = {"lang": "en"}


def language_from(argv: Sequence[str], environ=None) -> str:
    """Return the CLI language: the value of `--lang` in `argv`, else the environment's (sv or en; default en)."""
    environ = os.environ if environ is None else environ
    args = list(argv)
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args) and args[i + 1] in ("sv", "en"):
            return args[i + 1]
        if a.startswith("--lang=") and a.split("=", 1)[1] in ("sv", "en"):
            return a.split("=", 1)[1]
    explicit = environ.get("KLIMATSPEND_LANG")
    if explicit in ("sv", "en"):
        return explicit
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return "sv" if value.lower().startswith("sv") else "en"
    return "en"


def language() -> str:
    """Return the language the CLI prints in (sv or en)."""
    return _language["lang"]


def set_language(lang: str) -> None:
    """Set the language the CLI prints in (sv or en)."""
    _language["lang"] = lang if lang in ("sv", "en") else "en"


def texts() -> Labels:
    """Return the catalogue texts in the CLI's language (`texts().t("cli_emissions_heading", year=2025)`)."""
    return labels(_language["lang"])


def step(key: str, **values) -> None:
    """Print progress step `key` of the catalogue (cli_progress_*) on stderr, in the CLI's language."""
    progress(texts().t(key, **values))


def english_or(english: str, key: str, **values) -> str:
    """Return `english` (a sentence a lower layer wrote in English, with its detail) when the CLI speaks English,
    else catalogue text `key` filled with `values` (the same facts in the CLI's language)."""
    return english if _language["lang"] == "en" else texts().t(key, **values)


def tail_words(chosen: dict | None, organisation_names: dict[str, str]) -> str:
    """Return a run's tail-spend setting ({organisation_id: factor code}) in the CLI's language: 'off', or
    'on: Älvby kommun (factor 541990), ...' with organisations by name."""
    lab = texts()
    if not chosen:
        return lab["cli_off"]
    return lab.t("cli_tail_on", organisations=", ".join(
        lab.t("cli_tail_item", organisation=organisation_names.get(o) or o, code=c) for o, c in sorted(chosen.items())))
