"""`klimatspend report`: write a year's Excel workbook and/or HTML climate report into a folder."""

from __future__ import annotations

from ..config import resolve_db_path
from ..errors import UsageError
from ..i18n import LANGUAGES
from . import add_db_option, print_json
from ._output import progress

FORMAT_CHOICES = {"xlsx": ("xlsx",), "html": ("html",), "all": ("xlsx", "html")}


def register(sub) -> None:
    """Add the `report` verb."""
    p = sub.add_parser(
        "report", help="write the Excel workbook and/or the HTML climate report of a year",
        description="Write the reports of a year's run (the published one if any, else the newest): an Excel "
                    "workbook for finance and a self-contained HTML climate report (print it to PDF from the "
                    "browser). Files are named klimatrapport_YYYY_LANG.xlsx/.html.")
    p.add_argument("--year", type=int, metavar="YYYY", help="fiscal year to report (or give --run)")
    p.add_argument("--run", type=int, metavar="RUN_ID", help="a specific run instead of the year's current one")
    p.add_argument("--org", metavar="ID", help="the run of this organisation (default: a run over all "
                                            "organisations, else the top-level organisation's)")
    p.add_argument("--format", choices=sorted(FORMAT_CHOICES), default="all",
                   help="xlsx, html or all (default: all)")
    p.add_argument("--out", metavar="DIR", default=".", help="folder to write into (created if missing; default: .)")
    p.add_argument("--lang", choices=LANGUAGES, default="sv", help="language of the reports (default: sv)")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print the files written as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    """Write the requested reports and list them."""
    from .. import store
    from ..report.data import resolve_run
    from ..report.html import write_reports

    if args.year is None and args.run is None:
        raise UsageError("report: give --year YYYY (or --run RUN_ID) (see `klimatspend report --help`)")
    con = store.open_for_reading(resolve_db_path(args.db))      # while the web server runs: its read-only copy
    try:
        chosen = resolve_run(con, args.year, args.run, args.org)
        paths = write_reports(con, chosen["year"], args.out, args.lang, formats=FORMAT_CHOICES[args.format],
                              run_id=chosen["run_id"], progress=progress)
    finally:
        con.close()
    if args.json:
        print_json({"year": chosen["year"], "run_id": chosen["run_id"], "lang": args.lang,
                    "files": [{"format": p.suffix.lstrip("."), "path": str(p), "bytes": p.stat().st_size}
                              for p in paths]})
    else:
        for p in paths:
            print(p)
    return 0
