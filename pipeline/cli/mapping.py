"""`klimatspend mapping`: the mapping review of a year (every account: ledger text, map row, classification, factor,
conflicts, suggestions) and a person's decisions on it, saved as audited organisation overrides."""

from __future__ import annotations

import getpass
from pathlib import Path

from ..config import resolve_db_path
from ..engine import review
from ..errors import UsageError
from ..factors import overrides as ov
from . import add_db_option, print_json
from ._output import fmt_number, print_table, texts


def _target(p) -> None:
    p.add_argument("--year", type=int, metavar="YYYY", help="the year's shown run (default: the newest year)")
    p.add_argument("--org", metavar="ID", help="organisation (its own run of the year, and its accounts)")
    p.add_argument("--run", type=int, metavar="RUN_ID", help="a particular run instead of the year's shown one")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print as JSON")


def _decision(p) -> None:
    p.add_argument("account", metavar="ACCOUNT", help="the ledger's account, e.g. 46200")
    p.add_argument("--author", help="who decides (default: the login name)")
    p.add_argument("--note", default="", help="why")
    p.add_argument("--overrides", metavar="FILE",
                   help="organisation overrides CSV (default: <database name>.overrides.csv next to the database)")
    _target(p)


def register(sub) -> None:
    """Add the `mapping` verb with review, accept, keep and override."""
    p = sub.add_parser("mapping", help="review the account mapping of a year; accept suggestions or override",
                       description="The mapping review lists every account of a year's run, largest spend first: the "
                                   "ledger's account text, the account map's row, the category, industry and factor "
                                   "the run used, the rule level, whether the text contradicts the map, and a "
                                   "suggestion for accounts the map does not know. Decisions are organisation "
                                   "overrides with author and date (audited); compute the year again to use them.")
    s = p.add_subparsers(dest="action", metavar="ACTION")
    rv = s.add_parser("review", help="list the accounts of a year's run (default)")
    rv.add_argument("--only", choices=review.REVIEW_FILTERS, default="all",
                    help="conflicts, accounts with unmapped spend, or accounts with a suggestion")
    rv.add_argument("--top", type=int, metavar="N", help="only the N largest accounts")
    _target(rv)
    acc = s.add_parser("accept", help="accept the review's suggestion for an account")
    _decision(acc)
    keep = s.add_parser("keep", help="keep the account map's row for an account whose text contradicts it")
    _decision(keep)
    o = s.add_parser("override", help="choose a category and factor (or industry), or exclude an account")
    o.add_argument("--category", help="reporting category id, e.g. food")
    o.add_argument("--factor", metavar="SET:CODE", help="factor, e.g. useeio:311999")
    o.add_argument("--industry", metavar="NACE", help="industry whose product was bought (NACE / SNI digits, e.g. 1011)")
    o.add_argument("--exclude", metavar="REASON", choices=ov.REASONS, help="exclude the account with this reason")
    _decision(o)
    _target(p)
    # `klimatspend mapping` alone is the review: its options' defaults
    p.set_defaults(func=run, only="all", top=None)


def _run(con, args) -> dict:
    from ..engine import runs

    if args.run is not None:
        return review.run_record(con, args.run)
    year = args.year or runs.newest_run_year(con, args.org)
    if year is None:
        raise UsageError("no computed year yet; compute one with `klimatspend run --year YYYY`")
    # an organisation's own run of the year, else the run over all organisations that covers it
    run_id = runs.shown_run_id(con, year, args.org) if args.org else None
    run_id = run_id or runs.shown_run_id(con, year)
    if run_id is None:
        raise UsageError(f"--year {year}: no computed run{' of ' + args.org if args.org else ''}; "
                         f"compute it with `klimatspend run --year {year}`")
    return review.run_record(con, run_id)


def run(args) -> int:
    """Print the review, or save a decision on one account."""
    from .. import store

    db_path = resolve_db_path(args.db)
    con = store.connect(db_path)
    try:
        target = _run(con, args)
        action = args.action or "review"
        if action == "review":
            return _review(con, target, args)
        org = args.org or target["organisation_id"] or _only_organisation(con, target)
        path = Path(args.overrides) if args.overrides else review.default_overrides_path(db_path)
        who = dict(overrides_path=path, organisation_id=org, account=args.account.strip(),
                   author=args.author or getpass.getuser(), author_role="cli", note=args.note)
        if action == "accept":
            result = review.accept_suggestion(con, run=target, **who)
        elif action == "keep":
            result = review.keep_map_row(con, run=target, **who)
        else:
            if not args.exclude and not args.category:
                raise UsageError("give --category with --factor SET:CODE and/or --industry NACE, or --exclude REASON")
            set_id, _, code = (args.factor or "").partition(":")
            if args.factor and not code:
                raise UsageError("--factor needs SET:CODE, e.g. useeio:311999")
            result = review.save_account_override(con, path, target, category_id=args.category,
                                                  factor_set_id=set_id or None, factor_code=code or None,
                                                  industry_code=args.industry, exclusion_reason=args.exclude,
                                                  ip=None, **{k: v for k, v in who.items() if k != "overrides_path"})
        names = _names_of(con)
    finally:
        con.close()
    if args.json:
        print_json(result)
    else:
        _print_decision(names, path=path, result=result, target=target)
    return 0


def _names_of(con) -> dict:
    """Return the names a reader sees: {"org": {id: name}, "category": {id: {sv, en}}}."""
    from ..organisations import organisation_names

    return {"org": organisation_names(con), "category": {c: {"sv": sv, "en": en} for c, sv, en in con.execute(
        "select category_id, name_sv, name_en from category").fetchall()}}


def _print_decision(names: dict, path: Path, result: dict, target: dict) -> None:
    """Print a saved decision and what to do next, in the CLI's language."""
    lab = texts()
    o = result["override"]
    # English keeps the category id the person typed (--category; scripts read this line); Swedish names it
    category = o["category_id"] if lab.lang == "en" else (names["category"].get(o["category_id"]) or {}).get(
        lab.lang) or o["category_id"]
    what = (lab.t("cli_mapping_excluded_as", reason=lab.reason(o["exclusion_reason"])) if o["exclusion_reason"]
            else f"{category}"
            + (lab.t("cli_mapping_industry", code=o["industry_code"]) if o["industry_code"] else "")
            + (lab.t("cli_mapping_factor", factor=f"{o['factor_set_id']}:{o['factor_code']}") if o["factor_code"]
               else ""))
    organisation = o["organisation_id"] if lab.lang == "en" else names["org"].get(o["organisation_id"]) \
        or o["organisation_id"]
    print(lab.t("cli_mapping_saved", path=path, override_id=o["override_id"], account=o["match_value"],
                organisation=organisation, what=what, author=o["author"], created_at=o["created_at"],
                mapping=result["mapping"]))
    print(lab.t("cli_mapping_next", year=target["year"])
          + (f" --org {target['organisation_id']}" if target["organisation_id"] else ""))


def _only_organisation(con, target: dict) -> str:
    orgs = review.run_organisations(con, target)
    if len(orgs) != 1:
        raise UsageError(f"run {target['run_id']} covers several organisations ({', '.join(orgs)}); give --org ID")
    return orgs[0]


def _map_row(r: dict) -> str:
    """The account map's row as read: its prefix and label, or the label once where a text map's key is its label."""
    if r["map_prefix"] and r["map_label"] and r["map_prefix"].strip().lower() == r["map_label"].strip().lower():
        return _cut(r["map_label"], 40)
    return f"{r['map_prefix'] or '-'} {_cut(r['map_label'], 22)}".strip()


def _review(con, target: dict, args) -> int:
    from ..engine import marts

    rows = review.review_rows(con, target["run_id"], organisation_id=args.org, only=args.only, limit=args.top)
    totals = review.review_totals(review.review_rows(con, target["run_id"], organisation_id=args.org))
    currency, per_sek = marts.reporting_money(con, target["run_id"])
    if args.json:
        # amounts in the ledger's currency (`spend`) beside the SEK ones the marts hold (`spend_sek`)
        print_json({"run_id": target["run_id"], "year": target["year"], "organisation_id": target["organisation_id"],
                    "currency": currency, "totals": marts.with_reporting_amounts(totals, per_sek),
                    "accounts": marts.with_reporting_amounts(rows, per_sek)})
        return 0
    totals, rows = marts.to_currency(totals, per_sek), marts.to_currency(rows, per_sek)
    # the map the organisations used (a UK council's own expense types), else the run's default
    used = sorted({f"{m}@{v}" for m, v in con.execute(
        "select mapping_id, mapping_version from run_organisation where run_id = ? and mapping_id is not null "
        "and (? is null or organisation_id = ?)", [target["run_id"], args.org, args.org]).fetchall()})
    maps = ", ".join(used) or f"{target['mapping_id']}@{target['mapping_version']}"
    lab = texts()
    names = _names_of(con)
    unit = lab["cli_unit"] if currency == "SEK" else currency

    def category(code):
        return (names["category"].get(code) or {}).get(lab.lang) or code

    print(lab.t("cli_mapping_heading", year=target["year"], run_id=target["run_id"], maps=maps,
                accounts=fmt_number(totals["accounts"]), conflicts=fmt_number(totals["conflicts"]),
                unmapped=fmt_number(totals["unmapped_spend_sek"]), unit=unit,
                waiting=fmt_number(totals["needs_activity_data_sek"]), suggestions=fmt_number(totals["suggestions"])))
    table = []
    for r in rows:
        factor = (f"{r['factor_code']} {fmt_number(r['factor_value'], 3)}" if r["factor_code"] else
                  (lab["cli_mapping_needs_activity"] if r["needs_activity_data_sek"] else ""))
        suggestion = ""
        if r["suggested_rule_id"]:
            suggestion = (lab.t("cli_mapping_suggest_exclude", reason=lab.reason(r["suggested_exclusion_reason"]))
                          if r["suggested_exclusion_reason"] else
                          f"{category(r['suggested_category_id'])} {r['suggested_industry_code'] or ''}".strip())
        table.append([r["account"], _cut(r["account_name"], 34), fmt_number(r["spend_sek"]),
                      _map_row(r),
                      category(r["category_id"]) if r["category_id"] else
                      (lab.t("cli_mapping_excl", reason=lab.reason(r["exclusion_reason"])) if r["exclusion_reason"]
                       else ""), r["industry_code"] or "",
                      factor, lab.rule_level(r["rule_level"]), lab["cli_mapping_conflict"] if r["is_conflict"] else "",
                      suggestion, _cut(r["largest_suppliers"], 30)])
    print_table([lab["cli_h_account"], lab["cli_h_ledger_text"], lab.t("cli_h_spend", currency=unit),
                 lab["cli_h_map_row"], lab["cli_h_category"], lab["cli_h_nace"], lab["cli_h_factor"],
                 lab["cli_h_rule"], lab["cli_h_conflict"], lab["cli_h_suggestion"], lab["cli_h_largest_suppliers"]],
                table, align="llrllllllll")
    return 0


def _cut(text: str | None, width: int) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"
