"""`klimatspend show`: print a year's results by department, category, supplier, account or month."""

from __future__ import annotations

import csv
import json
import sys

from ..config import resolve_db_path
from ..errors import UsageError
from . import add_db_option, print_json
from ._output import fmt_number, fmt_percent, print_table

VIEWS = {
    "department": ("emissions_by_department", "emissions_kg_co2e desc",
                   [("department", "department"), ("organisation_id", "org"), ("spend_sek", "spend SEK"),
                    ("emissions_t_co2e", "t CO2e"), ("intensity_kg_co2e_per_ksek", "kg/kSEK"),
                    ("share_of_total", "share"), ("dq_score_weighted", "dq")]),
    "unit": ("emissions_by_unit", "organisation_id, committee, department nulls first, cost_centre nulls first",
             [("unit_level", "level"), ("committee", "nämnd"), ("department", "förvaltning"),
              ("cost_centre", "ansvar"), ("spend_sek", "spend SEK"), ("emissions_t_co2e", "t CO2e"),
              ("intensity_kg_co2e_per_ksek", "kg/kSEK")]),
    "organisation": ("emissions_by_organisation", "is_group, organisation_id",
                     [("organisation_name", "organisation"), ("spend_sek", "spend SEK"),
                      ("intra_group_spend_sek", "intra-group SEK"), ("emissions_t_co2e", "t CO2e"),
                      ("intensity_kg_co2e_per_ksek", "kg/kSEK")]),
    "category": ("emissions_by_category", "emissions_kg_co2e desc",
                 [("category_name_en", "category"), ("spend_sek", "spend SEK"), ("emissions_t_co2e", "t CO2e"),
                  ("intensity_kg_co2e_per_ksek", "kg/kSEK"), ("share_of_total", "share"),
                  ("has_negative_net", "negative net")]),
    "scope": ("emissions_by_scope", "organisation_id, ghg_scope, scope3_category",
              [("organisation_id", "org"), ("label_en", "scope"), ("emissions_t_co2e", "t CO2e")]),
    "method": ("emissions_by_method", "organisation_id, category_id, method",
               [("organisation_id", "org"), ("category_id", "category"), ("method", "method"),
                ("spend_sek", "spend SEK"), ("emissions_kg_co2e", "kg CO2e"), ("dq_score_weighted", "dq")]),
    "supplier": ("emissions_by_supplier", "emissions_kg_co2e desc",
                 [("supplier_name", "supplier"), ("supplier_org_number", "org nr"), ("supplier_sni_code", "SNI"),
                  ("rule_level", "rule"), ("spend_sek", "spend SEK"), ("emissions_t_co2e", "t CO2e")]),
    "account": ("emissions_by_account", "spend_sek desc",
                [("organisation_id", "org"), ("account", "account"), ("rule_level", "rule"),
                 ("category_id", "category"), ("factor_code", "factor"), ("method", "method"),
                 ("exclusion_reason", "excluded as"), ("spend_sek", "spend SEK"), ("emissions_kg_co2e", "kg CO2e")]),
    "month": ("emissions_by_month", "period",
              [("period", "month"), ("spend_sek", "spend SEK"), ("emissions_t_co2e", "t CO2e")]),
    "activity": ("activity_results", "organisation_id, activity_scope_id",
                 [("organisation_id", "org"), ("account_prefix", "account"), ("category_id", "category"),
                  ("department", "department"), ("quantity_summary", "quantity"), ("emissions_kg_co2e", "kg CO2e"),
                  ("covered_spend_sek", "covered SEK"), ("n_lines", "lines")]),
    "coverage": ("spend_coverage", "spend_sek desc",
                 [("rule_level", "rule level"), ("spend_sek", "spend SEK"), ("share_of_spend", "share of spend"),
                  ("n_lines", "lines"), ("emissions_kg_co2e", "kg CO2e")]),
    "excluded": ("excluded_spend", "spend_sek desc",
                 [("exclusion_reason", "reason"), ("spend_sek", "spend SEK"), ("n_lines", "lines")]),
    "unmapped": ("unmapped_accounts", "spend_sek desc",
                 [("organisation_id", "org"), ("account", "account"), ("account_name", "ledger text"),
                  ("reason", "reason"), ("spend_sek", "spend SEK"), ("n_lines", "lines"),
                  ("largest_suppliers", "largest suppliers"), ("suggested_category_id", "suggested category"),
                  ("suggested_industry_code", "suggested NACE")]),
}
ORG_FILTERED = {"department", "unit", "scope", "method", "account", "activity", "unmapped"}


def register(sub) -> None:
    """Add the `show` verb."""
    p = sub.add_parser("show", help="print a year's results by department, category, supplier, account or month",
                       description="Print the results of the year's run (the published one if any, else the newest).")
    p.add_argument("--year", type=int, required=True, metavar="YYYY")
    p.add_argument("--by", choices=sorted(VIEWS), default="department", help="grouping (default: department)")
    p.add_argument("--run", type=int, metavar="RUN_ID", help="a specific run instead of the year's current one")
    p.add_argument("--org", metavar="ID", help="only this organisation's rows (where the view has organisations)")
    p.add_argument("--limit", type=int, default=0, help="only the first N rows")
    add_db_option(p)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print as JSON")
    fmt.add_argument("--csv", action="store_true", help="print as CSV")
    p.set_defaults(func=run)


def run(args) -> int:
    """Print the chosen mart for the year's run."""
    from .. import store
    from ..engine import marts, runs

    con = store.open_for_reading(resolve_db_path(args.db))      # while the web server runs: its read-only copy
    try:
        run_id = args.run or runs.shown_run_id(con, args.year)
        if run_id is None:
            raise UsageError(f"no run for {args.year}; compute one with `klimatspend run --year {args.year}`")
        name, order, columns = VIEWS[args.by]
        rows = marts.read(con, name, run_id, order_by=order, exact=True)
        currency, per_sek = marts.reporting_money(con, run_id)
        settings = con.execute("select settings from run where run_id = ?", [run_id]).fetchone()
        tail = runs.tail_spend_text(json.loads(settings[0]) if settings and settings[0] else {})
        if args.org:
            if args.by not in ORG_FILTERED:
                raise UsageError(f"--org: the {args.by} view has no organisation column; use --by department, "
                                 "unit, scope, method, account, activity or unmapped")
            rows = [r for r in rows if r.get("organisation_id") == args.org]
    finally:
        con.close()
    if args.limit:
        rows = rows[: args.limit]
    if args.json:
        # the *_sek keys stay (programs read them); `currency` says what a person reads in, and a ledger in another
        # currency gets each amount also without the suffix, in that currency
        shown = marts.to_currency(rows, per_sek)
        extra = [{k[:-4]: v for k, v in r.items() if k.endswith("_sek")} for r in shown] if currency != "SEK" \
            else [{} for _ in rows]
        print_json({"run_id": run_id, "year": args.year, "by": args.by, "tail_spend": tail, "currency": currency,
                    "rows": [{**r, **e} for r, e in zip(rows, extra)]})
    elif args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0].keys()) if rows else ["empty"])
        writer.writeheader()
        writer.writerows(rows)
    else:
        def cell(key, value):
            if key.startswith("share"):
                return fmt_percent(value)
            if key.endswith("_t_co2e") or key.startswith("intensity") or key.startswith("dq_"):
                return fmt_number(value, 1)
            if isinstance(value, (int, float)) and not isinstance(value, bool) or hasattr(value, "as_tuple"):
                return fmt_number(value)
            return value
        print(f"{args.year}, run {run_id}, by {args.by}, amounts in {currency} (tail spend priced at an average "
              f"factor: {tail})")
        print_table([h.replace("SEK", currency) for _, h in columns],
                    [[cell(k, r.get(k)) for k, _ in columns] for r in marts.to_currency(rows, per_sek)])
    return 0
