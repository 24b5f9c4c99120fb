"""Small helpers for printing aligned tables and numbers on the terminal."""

from __future__ import annotations

import sys
from functools import partial
from typing import Iterable, Sequence

from .. import numbers


# The CLI prints every number in the plain style of pipeline.numbers (English separators, ASCII only);
# binding the style here keeps the call sites short: fmt_number(value, decimals).
fmt_number = partial(numbers.fmt_number, lang=numbers.PLAIN)
fmt_percent = partial(numbers.fmt_percent, lang=numbers.PLAIN)


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
