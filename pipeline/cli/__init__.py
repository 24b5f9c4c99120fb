"""Command-line interface: `klimatspend VERB ...`; each verb lives in its own module here."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from typing import Sequence

from .. import __version__
from ..errors import KlimatspendError, UsageError
from ._output import language_from, set_language

# Verb modules, in the order `--help` lists them. Each exposes `register(subparsers)`, which adds its
# parser(s) and sets `func` (called with the parsed args, returns an exit code). `ingest` also registers
# `validate`. A test checks that every module in pipeline/cli/ is listed here.
VERB_MODULES = [
    "init",
    "ingest",
    "batches",
    "factors",
    "org",
    "mapping",
    "suppliers",
    "activity",
    "run",
    "show",
    "compare",
    "report",
    "budget",
    "investments",
    "serve",
    "user",
    "demo",
]


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors become UsageError (exit code 2, one line, no traceback)."""

    def error(self, message: str):  # noqa: D401 - argparse API
        # main() prints "klimatspend: " before it: name the verb only ("klimatspend: show: argument --year ...")
        verb = self.prog.removeprefix("klimatspend").strip()
        raise UsageError(f"{verb + ': ' if verb else ''}{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every available verb registered."""
    parser = _Parser(
        prog="klimatspend",
        description="Consumption-based greenhouse-gas emissions from a procurement ledger, "
        "per department, followed against a carbon budget.",
    )
    parser.add_argument("--version", action="version", version=f"klimatspend {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    for name in VERB_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    _add_lang_option(parser)
    return parser


def _add_lang_option(parser: argparse.ArgumentParser) -> None:
    """Give every verb (and sub-verb) a --lang option unless it has its own (report: the reports' language)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                if "--lang" not in child._option_string_actions:
                    child.add_argument("--lang", choices=("sv", "en"), dest="cli_lang",
                                       help="language of the output (default: $KLIMATSPEND_LANG, else from $LANG)")
                _add_lang_option(child)


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """Add the common --db option (default: $KLIMATSPEND_DB or ./klimatspend.duckdb)."""
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="database file (default: $KLIMATSPEND_DB, else ./klimatspend.duckdb)",
    )


def print_json(data) -> None:
    """Print `data` as indented JSON on stdout (decimals and dates as strings/numbers)."""
    print(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default))


def _json_default(value):
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `klimatspend` console script; returns the process exit code."""
    parser = build_parser()
    set_language(language_from(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(args) or 0)
    except KlimatspendError as exc:
        print(f"klimatspend: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("klimatspend: interrupted; nothing partial was kept", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: one line, never a traceback; KLIMATSPEND_DEBUG=1 shows it for the report
        if os.environ.get("KLIMATSPEND_DEBUG"):
            raise
        print(f"klimatspend: internal error ({type(exc).__name__}: {exc}); nothing partial was kept. This is a bug: "
              "please report it with the command you ran (KLIMATSPEND_DEBUG=1 shows the details)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
