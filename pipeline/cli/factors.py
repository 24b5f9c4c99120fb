"""`klimatspend factors`: list, show, validate, diff, load and import factor sets; manage organisation overrides."""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from ..config import resolve_db_path
from ..errors import UsageError
from . import add_db_option, print_json
from ._output import fmt_number, print_table


def _common(p: argparse.ArgumentParser, *, db: bool = True, json: bool = True) -> None:
    """Add --db/--json to an action parser; SUPPRESS keeps a value given before the action (`factors --db X list`)."""
    if db:
        p.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                       help="database file (default: $KLIMATSPEND_DB, else ./klimatspend.duckdb)")
    if json:
        p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print the result as JSON")


def register(sub) -> None:
    """Add the `factors` verb and its actions."""
    p = sub.add_parser("factors", help="emission factor sets, account maps, crosswalks and overrides",
                       description="Inspect, validate, compare and add emission factor sets; manage an "
                                   "organisation's overrides of the account map, suppliers and keywords.")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    s = p.add_subparsers(dest="action", metavar="ACTION")

    ls = s.add_parser("list", help="list factor sets, account maps and crosswalks in the database (default)",
                      description="List the factor sets (with version, base year, currency, licence), account maps "
                                  "and crosswalks loaded in the database.")
    _common(ls)

    sh = s.add_parser("show", help="show one factor set: metadata, factor summary, or factors matching a code/text",
                      description="Show a factor set's metadata and a summary of its factors; with --code or --search, "
                                  "the matching factors.")
    sh.add_argument("set", metavar="SET[@VERSION]", help="e.g. useeio or useeio@1.3.0 (default: newest version)")
    sh.add_argument("--code", help="show the factors (all gases) of this factor code, e.g. 111110")
    sh.add_argument("--search", help="show CO2e factors whose name contains this text")
    sh.add_argument("--limit", type=int, default=25, help="rows to print for --search (default 25)")
    sh.add_argument("--region", help="sets with regions (exiobase): only this region, e.g. SE (default: all)")
    _common(sh)

    va = s.add_parser("validate", help="check a factor-set folder, a data file or the whole shipped library",
                      description="Validate PATH against its declared schema and print every problem: a factor-set "
                                  "folder (<set>/<version>/ with factor_set.meta.json and factors.csv), a CSV "
                                  "declared in a *.meta.json next to it, or a folder tree. Exit 1 if any problem.")
    va.add_argument("path", metavar="PATH", nargs="?", help="file or folder (default: the shipped emission_factors/)")
    va.add_argument("--combustion-extract", metavar="CSV",
                    help="maintainers: also compare EXIOBASE products with this combustion-only extract (Region, "
                         "Sector, GWP100 per million EUR); every factor it flags must be decided in flagged_factors.csv")
    _common(va, db=False)

    di = s.add_parser("diff", help="compare two factor-set versions by category and code",
                      description="Compare factor set A with B: codes added/removed/changed and, per reporting "
                                  "category of the account map, the mean factor and its change in per cent.")
    di.add_argument("a", metavar="SET@V1")
    di.add_argument("b", metavar="SET@V2")
    di.add_argument("--mapping", default="kommunbas13@1.0.0", help="account map that defines categories (default kommunbas13@1.0.0)")
    di.add_argument("--gas", default="CO2e", help="gas to compare (default CO2e)")
    di.add_argument("--top", type=int, default=10, help="largest code changes to list (default 10)")
    _common(di)

    lo = s.add_parser("load", help="validate and load a custom factor set folder into the database",
                      description="Validate a custom factor set (same schema as the shipped sets) and load it as an "
                                  "immutable release. A changed set needs a new version folder.")
    lo.add_argument("path", metavar="PATH", help="factor-set folder <set>/<version>/")
    _common(lo)

    ex = s.add_parser("import-exiobase", help="compute product multipliers for a region from an EXIOBASE 3 file (pymrio)",
                      description="Compute kg CO2e per currency unit for every product of REGION from an official "
                                  "EXIOBASE 3 IOT file (e.g. IOT_2022_pxp.zip) or a pymrio-saved MRIO, write it as a "
                                  "factor set folder and load it. Needs pymrio.")
    ex.add_argument("path", metavar="PATH", help="EXIOBASE 3 zip/folder or pymrio-saved MRIO")
    ex.add_argument("--region", required=True, help="region code in the MRIO, e.g. SE")
    ex.add_argument("--year", type=int, help="price year of the MRIO (default: taken from its name)")
    ex.add_argument("--set-id", help="factor set id (default exiobase_<region>)")
    ex.add_argument("--version", default="1.0.0", help="version of the new set (default 1.0.0)")
    ex.add_argument("--out", default="factor_sets", help="folder to write the set into (default ./factor_sets)")
    ex.add_argument("--extension", help="MRIO extension (default: impacts)")
    ex.add_argument("--indicator", help="characterised row to use (default: the GHG GWP100 row)")
    ex.add_argument("--gwp", action="append", metavar="STRESSOR=GWP",
                    help="sum stressors with these GWP100 weights instead of an indicator (repeatable)")
    ex.add_argument("--currency", help="currency of the MRIO (default: from its unit, e.g. EUR)")
    ex.add_argument("--unit-scale", type=float, help="currency units per MRIO monetary unit (default: 1e6 for M.EUR)")
    ex.add_argument("--gwp-version", default="IPCC AR5, 100-year", help="GWP version to record (default AR5)")
    ex.add_argument("--partial", action="store_true", help="mark the set partial (it misses emission sources)")
    ex.add_argument("--no-load", action="store_true", help="only write the folder, do not load it")
    _common(ex)

    ov = s.add_parser("overrides", help="add, list, check or load organisation overrides (author and date on each)",
                      description="Organisation overrides of accounts, suppliers (by org number), keywords and "
                                  "counterparties, kept in an editable CSV file; every row has an author and a date.")
    os_ = ov.add_subparsers(dest="ov_action", metavar="OV_ACTION")
    add = os_.add_parser("add", help="append one override to the file",
                         description="Append one override (validated) to FILE; created if missing.")
    add.add_argument("--file", required=True, help="overrides CSV file")
    add.add_argument("--kind", required=True, choices=["account", "supplier", "keyword", "counterparty"])
    add.add_argument("--match", required=True, help="account prefix, org number, keyword or counterparty")
    add.add_argument("--author", required=True, help="who made the change")
    add.add_argument("--org", default="", help="organisation the override applies to (default: all)")
    add.add_argument("--category", help="reporting category id, e.g. food")
    add.add_argument("--factor", metavar="SET:CODE", help="factor family and code, e.g. useeio:311611")
    add.add_argument("--industry", metavar="NACE", help="industry whose product was bought (NACE Rev. 2 / SNI 2007 "
                                                        "digits, e.g. 1011); each factor set prices it via its crosswalk")
    add.add_argument("--factor-value", type=float, help="supplier-specific factor value (kg CO2e per currency unit)")
    add.add_argument("--factor-unit", help="unit of --factor-value, e.g. 'kg CO2e/SEK'")
    add.add_argument("--account-prefix", help="keyword overrides: only under this account prefix")
    add.add_argument("--exclude", metavar="REASON", help="exclude with this reason (e.g. internal)")
    add.add_argument("--note", default="", help="why")
    _common(add, db=False)
    lst = os_.add_parser("list", help="list the overrides in the file")
    lst.add_argument("--file", required=True)
    _common(lst, db=False)
    chk = os_.add_parser("check", help="validate the file and print every problem")
    chk.add_argument("--file", required=True)
    _common(chk, db=False)
    ld = os_.add_parser("load", help="load the overrides for one organisation into the database",
                        description="Load the file's overrides for ORG: supplier, keyword and counterparty rules, and "
                                    "a derived account map <org>_<base> to pass to `klimatspend run --mapping`.")
    ld.add_argument("--file", required=True)
    ld.add_argument("--org", required=True, help="organisation id")
    ld.add_argument("--base", default="kommunbas13@2.0.0", help="account map the overrides modify (default kommunbas13@2.0.0)")
    _common(ld)
    p.set_defaults(func=run)


def run(args) -> int:
    """Dispatch a `klimatspend factors` action; returns the exit code."""
    from .. import store

    action = getattr(args, "action", None) or "list"
    if action == "validate":
        return _validate(args)
    if action == "overrides":
        return _overrides(args)
    con = store.connect(resolve_db_path(args.db), create=False)
    try:
        if action == "list":
            return _list(con, args)
        if action == "show":
            return _show(con, args)
        if action == "diff":
            return _diff(con, args)
        if action == "load":
            return _load(con, args)
        if action == "import-exiobase":
            return _import_exiobase(con, args)
    finally:
        con.close()
    raise UsageError(f"unknown action {action!r}; see `klimatspend factors --help`")


def _list(con, args) -> int:
    sets = con.execute("""select s.factor_set_id, s.version, s.base_year, s.currency, s.price_basis, s.gwp, s.region,
                                 s.relative_uncertainty, s.is_partial, s.licence, coalesce(r.status, 'released'),
                                 (select count(distinct factor_code) from factor f
                                   where f.factor_set_id = s.factor_set_id and f.version = s.version) as codes,
                                 s.name,
                                 (select list(distinct f.region order by f.region) from factor f
                                   where f.factor_set_id = s.factor_set_id and f.version = s.version
                                     and f.region is not null) as regions,
                                 (select list(distinct f.factor_year order by f.factor_year) from factor f
                                   where f.factor_set_id = s.factor_set_id and f.version = s.version
                                     and f.factor_year is not null) as factor_years,
                                 (select count(*) from factor f where f.factor_set_id = s.factor_set_id
                                   and f.version = s.version and f.flag is not null) as flagged
                          from factor_set s left join reference_release r
                            on r.kind = 'factor_set' and r.release_id = s.factor_set_id and r.version = s.version
                          order by 1, 2""").fetchall()
    maps = con.execute("""select m.mapping_id, m.mapping_version, count(*), count(*) filter (where is_excluded),
                                 coalesce(max(r.status), 'released')
                          from account_map m left join reference_release r
                            on r.kind = 'account_map' and r.release_id = m.mapping_id and r.version = m.mapping_version
                          group by 1, 2 order by 1, 2""").fetchall()
    cross = con.execute("""select release_id, version, status from reference_release where kind = 'crosswalk' order by 1, 2""").fetchall()
    texts = con.execute("""select ruleset_id, version, count(*), count(*) filter (where is_excluded) from text_rule
                           group by 1, 2 order by 1, 2""").fetchall()
    result = {
        "factor_sets": [dict(zip(["factor_set_id", "version", "base_year", "currency", "price_basis", "gwp", "region",
                                  "relative_uncertainty", "is_partial", "licence", "status", "codes", "name", "regions",
                                  "factor_years", "flagged_factors"], r)) for r in sets],
        "account_maps": [dict(zip(["mapping_id", "version", "rows", "excluded_rows", "status"], r)) for r in maps],
        "crosswalks": [dict(zip(["crosswalk_id", "version", "status"], r)) for r in cross],
        "keyword_tables": [dict(zip(["ruleset_id", "version", "rules", "exclusion_rules"], r)) for r in texts],
    }
    if args.json:
        print_json(result)
        return 0
    if not sets:
        print("no factor sets in the database; run `klimatspend init` to load the shipped ones")
        return 0
    print_table(["set", "version", "base year", "currency", "price", "region", "codes", "±", "status", "licence"],
                [[r["factor_set_id"] + (" (partial)" if r["is_partial"] else ""), r["version"],
                  f"{r['factor_years'][0]}-{r['factor_years'][-1]}" if r["factor_years"] else r["base_year"],
                  r["currency"], r["price_basis"] or "",
                  f"{r['region'] or ''} ({len(r['regions'])} regions)" if r["regions"] else (r["region"] or ""),
                  r["codes"],
                  "" if r["relative_uncertainty"] is None else f"{r['relative_uncertainty']:.0%}", r["status"],
                  _short(r["licence"], 50)] for r in result["factor_sets"]], align="llrlllrrll")
    print()
    print_table(["account map", "version", "rows", "excluded", "status"],
                [[r["mapping_id"], r["version"], r["rows"], r["excluded_rows"], r["status"]] for r in result["account_maps"]],
                align="llrrl")
    if cross:
        print()
        print_table(["crosswalk", "version", "status"], [[r[0], r[1], r[2]] for r in cross])
    if texts:
        print()
        print_table(["keyword table (ledger texts)", "version", "rules", "exclusions"], [list(r) for r in texts],
                    align="llrr")
    return 0


def _short(text: str | None, width: int) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def _show(con, args) -> int:
    from ..factors.diff import resolve_set

    set_id, version = resolve_set(con, args.set)
    meta = con.execute("""select factor_set_id, version, name, publisher, url, licence, base_year, currency, price_basis,
                                 gases, gwp, region, relative_uncertainty, is_partial
                          from factor_set where factor_set_id = ? and version = ?""", [set_id, version]).fetchone()
    keys = ["factor_set_id", "version", "name", "publisher", "url", "licence", "base_year", "currency", "price_basis",
            "gases", "gwp", "region", "relative_uncertainty", "is_partial"]
    info = dict(zip(keys, meta))
    values = [r[0] for r in con.execute("select value from factor where factor_set_id = ? and version = ? and gas = 'CO2e'",
                                        [set_id, version]).fetchall()]
    gases = [r[0] for r in con.execute("select distinct gas from factor where factor_set_id = ? and version = ? order by 1",
                                       [set_id, version]).fetchall()]
    info["summary"] = {"codes": len(values), "gases": gases,
                       "min": min(values, default=None), "median": statistics.median(values) if values else None,
                       "max": max(values, default=None),
                       "unit": f"kg CO2e per {info['currency']} of {info['base_year']} ({info['price_basis']} price)"}
    rows = []
    if args.code:
        rows = con.execute("""select factor_code, factor_name, gas, value, value_without_margins, numerator_unit,
                                     denominator_unit, source_ref, region, factor_year, flag from factor
                              where factor_set_id = ? and version = ? and factor_code = ?
                                and (? is null or region = upper(?))
                              order by region nulls first, factor_year nulls first, gas <> 'CO2e', gas""",
                           [set_id, version, args.code, args.region, args.region]).fetchall()
        if not rows:
            raise UsageError(f"no factor code {args.code!r} in {set_id}@{version}; try --search TEXT")
    elif args.search:
        rows = con.execute("""select factor_code, factor_name, gas, value, value_without_margins, numerator_unit,
                                     denominator_unit, source_ref, region, factor_year, flag from factor
                              where factor_set_id = ? and version = ? and gas = 'CO2e' and factor_name ilike ?
                                and (? is null or region = upper(?))
                              order by factor_code, region nulls first, factor_year nulls first limit ?""",
                           [set_id, version, f"%{args.search}%", args.region, args.region, args.limit]).fetchall()
    cols = ["factor_code", "factor_name", "gas", "value", "value_without_margins", "numerator_unit", "denominator_unit",
            "source_ref", "region", "factor_year", "flag"]
    info["factors"] = [dict(zip(cols, r)) for r in rows]
    if args.json:
        print_json(info)
        return 0
    for key in keys:
        print(f"{key:22} {'' if info[key] is None else info[key]}")
    sm = info["summary"]
    print(f"{'factors':22} {sm['codes']} codes, gases {', '.join(sm['gases'])}")
    if values:
        print(f"{'CO2e min/median/max':22} {sm['min']:.4g} / {sm['median']:.4g} / {sm['max']:.4g} {sm['unit']}")
    if rows:
        print()
        print_table(["code", "name", "region/year", "gas", "value", "w/o margins", "unit", "flag"],
                    [[r[0], _short(r[1], 50), r[8] or (r[9] or ""), r[2], f"{r[3]:.4g}",
                      "" if r[4] is None else f"{r[4]:.4g}", f"{r[5]}/{r[6]}", r[10] or ""]
                     for r in rows], align="llllrrll")
    return 0


def _validate(args) -> int:
    from ..factors.custom import validate_set
    from ..factors.schema import declared_files, validate_csv, validate_tree
    from ..resources import factors_dir

    from ..factors.outliers import check_decisions

    path = Path(args.path) if args.path else factors_dir()
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    combustion = Path(args.combustion_extract) if args.combustion_extract else None
    if combustion is not None and not combustion.is_file():
        raise UsageError(f"--combustion-extract {combustion}: no such file")
    if path.is_dir() and (path / "factor_set.meta.json").is_file():
        problems = validate_set(path)
        problems += check_decisions(path, combustion)
    elif path.is_dir():
        problems = validate_tree(path)
        for meta in sorted(path.rglob("factor_set.meta.json")):
            problems += check_decisions(meta.parent, combustion)
    else:
        entry = declared_files(path.parent).get(path.resolve())
        if entry is None:
            raise UsageError(f"{path}: no *.meta.json next to it declares this file; add its schema under \"files\"")
        problems = validate_csv(path, entry[1], root=factors_dir(), label=path.name)
    if args.json:
        print_json({"path": str(path), "valid": not problems,
                    "problems": [{"file": p.file, "row": p.row, "column": p.column, "value": p.value, "code": p.code,
                                  "message": str(p)} for p in problems]})
    elif problems:
        for p in problems:
            print(p)
        print(f"{len(problems)} problem(s) in {path}")
    else:
        print(f"{path}: valid")
    return 1 if problems else 0


def _diff(con, args) -> int:
    from ..factors.diff import diff_sets, parse_ref, resolve_set

    a, b = resolve_set(con, args.a), resolve_set(con, args.b)
    map_id, map_version = parse_ref(args.mapping, "account map")
    if map_version is None:
        raise UsageError("--mapping needs ID@VERSION, e.g. kommunbas13@2.0.0")
    result = diff_sets(con, a, b, mapping=(map_id, map_version), gas=args.gas, top=args.top)
    if args.json:
        print_json(result)
        return 0
    sa, sb = result["sets"]["a"], result["sets"]["b"]
    print(f"{sa['set']} ({sa['currency']} {sa['base_year']})  ->  {sb['set']} ({sb['currency']} {sb['base_year']}), gas {result['gas']}")
    if not result["comparable"]:
        print("note: different currency or base year; factors are compared as published, not converted")
    c = result["codes"]
    print(f"codes: {c['changed']} changed, {c['unchanged']} unchanged, {c['added']} added, {c['removed']} removed")
    print()
    print_table(["category", "map rows", "mean A", "mean B", "change"],
                [[r["category_id"], r["map_rows"], _g(r["mean_a"]), _g(r["mean_b"]),
                  "-" if r["change_pct"] is None else f"{r['change_pct']:+.1f} %"] for r in result["categories"]],
                align="lrrrr")
    if result["top_changes"]:
        print()
        print_table(["code", "name", "A", "B", "change"],
                    [[r["factor_code"], _short(r["factor_name"], 50), _g(r["value_a"]), _g(r["value_b"]),
                      f"{r['change_pct']:+.1f} %"] for r in result["top_changes"]], align="llrrr")
    return 0


def _g(value) -> str:
    return "-" if value is None else f"{value:.4g}"


def _load(con, args) -> int:
    from ..factors.custom import load_custom_set

    label, inserted = load_custom_set(con, Path(args.path))
    if args.json:
        print_json({"factor_set": label, "loaded": inserted})
    else:
        print(f"{label}: {'loaded' if inserted else 'already loaded, unchanged'}")
    return 0


def _import_exiobase(con, args) -> int:
    from ..factors.custom import load_custom_set
    from ..factors.exiobase import open_mrio, region_multipliers, write_factor_set
    from ._output import progress

    gwp = None
    if args.gwp:
        gwp = {}
        for item in args.gwp:
            name, _, weight = item.rpartition("=")
            try:
                gwp[name] = float(weight)
            except ValueError:
                raise UsageError(f"--gwp {item!r}: write STRESSOR=NUMBER, e.g. --gwp 'CO2 - combustion - air=1'") from None
    progress(f"reading {args.path} (an EXIOBASE 3 file takes minutes and several GB of memory)")
    io = open_mrio(Path(args.path))
    progress("computing multipliers M = S L")
    result = region_multipliers(io, args.region, extension=args.extension, indicator=args.indicator, gwp=gwp,
                                currency=args.currency, unit_scale=args.unit_scale)
    year = args.year or result.year
    if year is None:
        raise UsageError("the MRIO's year cannot be read from its name; pass --year")
    set_id = args.set_id or f"exiobase_{args.region.lower()}"
    target = write_factor_set(result, Path(args.out), set_id=set_id, version=args.version, base_year=year,
                              source=f"{Path(args.path).name} (pymrio {result.mrio_name})",
                              licence="EXIOBASE 3: CC BY-SA 4.0 (per the EXIOBASE Zenodo records); attribute the EXIOBASE consortium",
                              gwp_version=args.gwp_version, is_partial=args.partial)
    loaded = False
    if not args.no_load:
        _, loaded = load_custom_set(con, target)
    values = sorted(result.factors.values())
    summary = {"factor_set": f"{set_id}@{args.version}", "folder": str(target), "region": result.region,
               "products": len(values), "currency": result.currency, "base_year": year, "indicator": result.indicator,
               "median_kg_co2e_per_unit": statistics.median(values) if values else None, "loaded": loaded}
    if args.json:
        print_json(summary)
    else:
        print(f"{summary['factor_set']}: {len(values)} products of {result.region}, kg CO2e per {result.currency} {year} "
              f"(median {fmt_number(summary['median_kg_co2e_per_unit'], 4)}); written to {target}"
              + ("; loaded" if loaded else ""))
    return 0


def _overrides(args) -> int:
    from .. import store

    from ..factors import overrides as ov

    action = getattr(args, "ov_action", None)
    if action is None:
        raise UsageError("klimatspend factors overrides: choose add, list, check or load (see --help)")
    path = Path(args.file)
    if action == "add":
        set_id, _, code = (args.factor or "").partition(":")
        if args.factor and not code:
            raise UsageError("--factor needs SET:CODE, e.g. useeio:311611")
        row = ov.append_override(path, {
            "organisation_id": args.org, "kind": args.kind, "match_value": args.match,
            "account_prefix": args.account_prefix or "", "category_id": args.category or "", "factor_set_id": set_id,
            "factor_code": code, "industry_code": "".join(ch for ch in (args.industry or "") if ch.isdigit()),
            "factor_value": "" if args.factor_value is None else repr(args.factor_value),
            "factor_unit": args.factor_unit or "", "is_excluded": "true" if args.exclude else "false",
            "exclusion_reason": args.exclude or "", "author": args.author, "notes": args.note})
        if args.json:
            print_json(row)
        else:
            print(f"{path}: override {row['override_id']} added ({row['kind']} {row['match_value']}, "
                  f"{row['author']}, {row['created_at']})")
        return 0
    if action == "list":
        rows = ov.read_overrides(path)
        if args.json:
            print_json(rows)
        else:
            print_table(["id", "org", "kind", "match", "category", "factor", "excluded", "author", "date", "notes"],
                        [[r["override_id"], r["organisation_id"], r["kind"], r["match_value"], r["category_id"],
                          f"{r['factor_set_id']}:{r['factor_code']}" if r["factor_code"] else r["factor_value"],
                          r["exclusion_reason"], r["author"], r["created_at"], _short(r["notes"], 40)] for r in rows])
        return 0
    if action == "check":
        problems = ov.check_overrides(path)
        if args.json:
            print_json({"file": str(path), "valid": not problems, "problems": [str(p) for p in problems]})
        else:
            for p in problems:
                print(p)
            print(f"{path}: valid" if not problems else f"{len(problems)} problem(s) in {path}")
        return 1 if problems else 0
    if action == "load":
        from ..factors.diff import parse_ref

        base_id, base_version = parse_ref(args.base, "account map")
        if base_version is None:
            raise UsageError("--base needs ID@VERSION, e.g. kommunbas13@2.0.0")
        con = store.connect(resolve_db_path(args.db), create=False)
        try:
            result = ov.load_overrides(con, path, args.org, (base_id, base_version))
        finally:
            con.close()
        data = result.__dict__
        if args.json:
            print_json(data)
        else:
            print(f"{path}: loaded for {result.organisation_id}: {result.accounts} account, {result.suppliers} supplier, "
                  f"{result.keywords} keyword, {result.counterparties} counterparty override(s)")
            if result.mapping:
                print(f"account map with overrides: {result.mapping} (use `klimatspend run --mapping {result.mapping}`)")
        return 0
    raise UsageError(f"unknown overrides action {action!r}")
