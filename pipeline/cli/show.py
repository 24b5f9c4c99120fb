"""`klimatspend show`: print a year's results by department, category, supplier, account or month."""

from __future__ import annotations

import csv
import json
import sys

from ..config import resolve_db_path
from ..errors import UsageError
from . import add_db_option, print_json
from ..i18n import localised
from ..numbers import fmt_short
from ._output import fmt_number, fmt_percent, print_table, tail_words, texts

# view -> (mart, order, [(column, heading)]): headings are catalogue keys cli_h_<heading> in the CLI's language;
# {currency} and {kunit} in them name the run's currency
VIEWS = {
    "department": ("emissions_by_department", "emissions_kg_co2e desc",
                   [("department", "department"), ("organisation_id", "org"), ("spend_sek", "spend"),
                    ("emissions_t_co2e", "t"), ("intensity_kg_co2e_per_ksek", "intensity"),
                    ("share_of_total", "share"), ("dq_score_weighted", "dq")]),
    "unit": ("emissions_by_unit", "organisation_id, committee, department nulls first, cost_centre nulls first",
             [("unit_level", "level"), ("committee", "committee"), ("department", "department"),
              ("cost_centre", "cost_centre"), ("spend_sek", "spend"), ("emissions_t_co2e", "t"),
              ("intensity_kg_co2e_per_ksek", "intensity")]),
    "organisation": ("emissions_by_organisation", "is_group, organisation_id",
                     [("organisation_name", "organisation"), ("spend_sek", "spend"),
                      ("intra_group_spend_sek", "intra_group"), ("emissions_t_co2e", "t"),
                      ("intensity_kg_co2e_per_ksek", "intensity")]),
    "category": ("emissions_by_category", "emissions_kg_co2e desc",
                 [("category_name", "category"), ("spend_sek", "spend"), ("emissions_t_co2e", "t"),
                  ("intensity_kg_co2e_per_ksek", "intensity"), ("share_of_total", "share"),
                  ("has_negative_net", "negative_net")]),
    "scope": ("emissions_by_scope", "organisation_id, ghg_scope, scope3_category",
              [("organisation_id", "org"), ("label", "scope"), ("emissions_t_co2e", "t")]),
    "method": ("emissions_by_method", "organisation_id, category_id, method",
               [("organisation_id", "org"), ("category_id", "category"), ("method", "method"),
                ("spend_sek", "spend"), ("emissions_kg_co2e", "kg"), ("dq_score_weighted", "dq")]),
    "supplier": ("emissions_by_supplier", "emissions_kg_co2e desc",
                 [("supplier_name", "supplier"), ("supplier_org_number", "org_nr"), ("supplier_sni_code", "sni"),
                  ("rule_level", "rule"), ("spend_sek", "spend"), ("emissions_t_co2e", "t")]),
    "account": ("emissions_by_account", "spend_sek desc",
                [("organisation_id", "org"), ("account", "account"), ("rule_level", "rule"),
                 ("category_id", "category"), ("factor_name", "factor"), ("method", "method"),
                 ("exclusion_reason", "excluded_as"), ("spend_sek", "spend"), ("emissions_kg_co2e", "kg")]),
    "month": ("emissions_by_month", "period",
              [("period", "month"), ("spend_sek", "spend"), ("emissions_t_co2e", "t")]),
    "activity": ("activity_results", "organisation_id, activity_scope_id",
                 [("organisation_id", "org"), ("account_prefix", "account"), ("category_id", "category"),
                  ("department", "department"), ("quantity_summary", "quantity"), ("emissions_kg_co2e", "kg"),
                  ("covered_spend_sek", "covered"), ("n_lines", "lines")]),
    "coverage": ("spend_coverage", "spend_sek desc",
                 [("rule_level", "rule_level"), ("spend_sek", "spend"), ("share_of_spend", "share_of_spend"),
                  ("n_lines", "lines"), ("emissions_kg_co2e", "kg")]),
    "excluded": ("excluded_spend", "spend_sek desc",
                 [("exclusion_reason", "reason"), ("spend_sek", "spend"), ("n_lines", "lines")]),
    "unmapped": ("unmapped_accounts", "spend_sek desc",
                 [("organisation_id", "org"), ("account", "account"), ("account_name", "ledger_text"),
                  ("reason", "reason"), ("spend_sek", "spend"), ("n_lines", "lines"),
                  ("largest_suppliers", "largest_suppliers"), ("suggested_category_id", "suggested_category"),
                  ("suggested_industry_code", "suggested_nace")]),
}
# the labels emissions_by_unit gives a line without a committee or cost centre -> catalogue key
NONE_LABELS = {"(ingen nämnd)": "cli_no_committee", "(inget ansvar)": "cli_no_cost_centre"}
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
    from ..organisations import department_names, organisation_names

    con = store.open_for_reading(resolve_db_path(args.db))      # while the web server runs: its read-only copy
    try:
        run_id = args.run or runs.shown_run_id(con, args.year)
        if run_id is None:
            raise UsageError(f"no run for {args.year}; compute one with `klimatspend run --year {args.year}`")
        name, order, columns = VIEWS[args.by]
        rows = marts.read(con, name, run_id, order_by=order, exact=True)
        currency, per_sek = marts.reporting_money(con, run_id)
        settings = con.execute("select settings from run where run_id = ?", [run_id]).fetchone()
        settings = json.loads(settings[0]) if settings and settings[0] else {}
        tail = runs.tail_spend_text(settings)
        if args.org:
            if args.by not in ORG_FILTERED:
                raise UsageError(f"--org: the {args.by} view has no organisation column; use --by department, "
                                 "unit, scope, method, account, activity or unmapped")
            rows = [r for r in rows if r.get("organisation_id") == args.org]
        if not (args.json or args.csv):
            names = {"org": organisation_names(con), "dept": department_names(con), "category": {
                c: {"sv": sv, "en": en} for c, sv, en in con.execute(
                    "select category_id, name_sv, name_en from category").fetchall()}}
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
        _print_view(args, run_id, columns, marts.to_currency(rows, per_sek), currency, settings, names)
    return 0


def _print_view(args, run_id: int, columns, rows: list[dict], currency: str, settings: dict, names: dict) -> None:
    """Print a view as a table in the CLI's language: headings, levels, reasons, methods and yes/no as words;
    organisations, departments and categories by name; amounts in `currency`."""
    from ..organisations import department_label

    lab = texts()
    orgs, depts, cats = names["org"], names["dept"], names["category"]
    unit = lab["cli_unit"] if currency == "SEK" else currency
    kunit = lab["cli_unit_thousand"] if currency == "SEK" else lab.t("cli_unit_thousand_of", currency=currency)

    def category(code):
        return (cats.get(code) or {}).get(lab.lang) or code

    def cell(key, value, row):
        if key in ("category_name", "label"):      # carried in both languages: category_name_sv, label_en ...
            return localised(row, key, lab.lang) or ""
        if key == "factor_name":                    # what the account was priced as; the code if it has no name
            return fmt_short(value, 40) if value else row.get("factor_code") or ""
        if value is None:
            return ""
        if value in NONE_LABELS:                    # emissions_by_unit writes these in Swedish
            return lab[NONE_LABELS[value]]
        if key == "organisation_id":
            return orgs.get(value) or value
        if key == "department":
            return department_label(depts, row.get("organisation_id"), value) or lab["unknown_department"]
        if key in ("category_id", "suggested_category_id"):
            return category(value)
        if key == "rule_level":
            return lab.rule_level(value)
        if key == "exclusion_reason":
            return lab.reason(value)
        if key == "reason" and isinstance(value, str):
            return _unmapped_reason(lab, value)
        if key in ("method", "unit_level"):
            return lab.text(f"cli_{key}_{value}") if f"cli_{key}_{value}" in lab.keys() else value
        if isinstance(value, bool):
            return lab[f"yes_no_{str(value).lower()}"]
        if key.startswith("share"):
            return fmt_percent(value)
        if key.endswith("_t_co2e") or key.startswith("intensity") or key.startswith("dq_"):
            return fmt_number(value, 1)
        if isinstance(value, (int, float)) or hasattr(value, "as_tuple"):
            return fmt_number(value)
        return value
    tail = tail_words(settings.get("tail_spend"), orgs)
    print(lab.t("cli_show_heading", year=args.year, run_id=run_id, by=lab[f"cli_show_by_{args.by}"],
                currency=unit, tail=tail))
    print_table([lab.t(f"cli_h_{h}", currency=unit, kunit=kunit) for _, h in columns],
                [[cell(k, r.get(k), r) for k, _ in columns] for r in rows])


def _unmapped_reason(lab, value: str) -> str:
    """Return why an account is unmapped in words: its rule ids (no-account-match, needs-activity-data,
    no-factor:PREFIX, factor-missing:CODE; several joined by ', ') through cli_unmapped_<kind>."""
    words = []
    for rule in value.split(", "):
        kind, _, detail = rule.partition(":")
        key = f"cli_unmapped_{kind.replace('-', '_')}"
        words.append(lab.t(key, detail=detail) if key in lab.keys() else rule)
    return ", ".join(words)
