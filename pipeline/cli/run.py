"""`klimatspend run`: compute a year's emissions as a recorded run; publish (freeze) it."""

from __future__ import annotations

import json

from ..config import resolve_db_path
from ..errors import UsageError
from ..organisations import department_label, department_names, organisation_names
from . import add_db_option, print_json
from ._output import fmt_number, fmt_percent, print_table, progress, step, tail_words, texts


def register(sub) -> None:
    """Add the `run` verb."""
    p = sub.add_parser("run", help="compute a year's emissions as a recorded run",
                       description="Classify every loaded line of the year, apply factors with currency and "
                                   "inflation adjustments, build the marts and record the run with the versions used.")
    p.add_argument("--year", type=int, metavar="YYYY", help="fiscal year to compute")
    p.add_argument("--factors", metavar="SET[@VERSION]",
                   help="factor set (default: the organisations' own setting, else the set that fits their country: "
                        "exiobase for Sweden, defra_sic for the UK, useeio otherwise)")
    p.add_argument("--region", metavar="CODE",
                   help="region of a set with regions, e.g. SE for exiobase (default: the organisations' country, "
                        "else the set's default region)")
    p.add_argument("--mapping", metavar="MAP[@VERSION]",
                   help="account map for organisations without their own (default: newest kommunbas13; "
                        "set an organisation's own map with `klimatspend org set ID --mapping MAP`)")
    p.add_argument("--org", metavar="ID", help="only this organisation (default: all in the database)")
    p.add_argument("--without-margins", action="store_true",
                   help="use factors without margins (basic prices) instead of purchaser prices")
    p.add_argument("--inflation", choices=["ledger_currency_first", "factor_currency"], default="ledger_currency_first",
                   help="deflate in the ledger currency with its country's CPI, then convert at the factor's price "
                        "year's rate (default: no exchange-rate noise in year-over-year follow-up), or convert at "
                        "the spend year's rate and deflate in the factor's currency")
    p.add_argument("--vat-rate", type=float, default=0.25, metavar="RATE",
                   help="VAT removed from ledgers that include it when a line has no VAT amount (default 0.25)")
    p.add_argument("--crosswalk", metavar="ID[@VERSION]",
                   help="industry crosswalk for the supplier-industry level (default: newest for the factor set)")
    p.add_argument("--activity-factors", metavar="VERSION", help="activity-factor release (default: newest shipped)")
    p.add_argument("--publish", action="store_true", help="freeze the run: its results never change afterwards")
    p.add_argument("--publish-run", type=int, metavar="RUN_ID", help="freeze an existing run")
    p.add_argument("--list", action="store_true", help="list recorded runs")
    p.add_argument("--verify", action="store_true",
                   help="check that every published run's results are unchanged since publication (exit 1 if not)")
    p.add_argument("--note", help="a note stored with the run")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def run_summary(con, run_id: int) -> dict:
    """Return the headline figures of a run and its table per department (for --json and the demo)."""
    from ..engine import marts, runs

    totals = marts.read(con, "run_totals", run_id, exact=True)[0]
    departments = marts.read(con, "emissions_by_department", run_id, order_by="emissions_kg_co2e desc", exact=True)
    organisations = marts.read(con, "emissions_by_organisation", run_id, order_by="is_group, organisation_id", exact=True)
    coverage = marts.read(con, "spend_coverage", run_id, order_by="spend_sek desc", exact=True)
    # figures a person reads are in the ledger's currency (GBP for a UK council); the *_sek keys stay for programs
    money = marts.spend_in_currency(con, run_id)
    cur = money["currency"]
    # what the marts hold only in SEK (estimates, organisations, coverage) converts back at the run year's rate
    per_sek = marts.reporting_money(con, run_id)[1] if cur != "SEK" else 1.0

    def in_cur(value_sek):
        return None if value_sek is None else round(float(value_sek) * per_sek, 2)

    def dept_money(d: dict) -> dict:
        own = money["by_department"].get((d["organisation_id"], d["department"]), {})
        return {"spend": own.get("total"), "mapped_spend": own.get("mapped"),
                "intensity_kg_co2e_per_thousand": (float(d["emissions_kg_co2e"]) / float(own["mapped"]) * 1000
                                                   if own.get("mapped") else None)}

    org_names, dept_names = organisation_names(con), department_names(con)
    return {
        "run_id": run_id, "year": totals["year"], "currency": cur,
        "loaded_spend": money["loaded"], "total_spend": money["total"], "mapped_spend": money["mapped"],
        "excluded_spend": money["excluded"], "unmapped_spend": money["unmapped"],
        "factor_set": f"{totals['factor_set_id']}@{totals['factor_set_version']}",
        "factor_region": _settings(totals).get("factor_region"),
        "inflation_convention": _settings(totals).get("inflation_convention"),
        "mapping": f"{totals['mapping_id']}@{totals['mapping_version']}",
        # the map each organisation used (its own, e.g. a UK council's expense types, else the run's)
        "mappings": {org: f"{m}@{v}" for org, m, v in con.execute(
            "select organisation_id, mapping_id, mapping_version from run_organisation where run_id = ? "
            "order by organisation_id", [run_id]).fetchall() if m},
        "is_published": totals["is_published"],
        "tail_spend": runs.tail_spend_text(json.loads(totals["settings"]) if isinstance(totals["settings"], str)
                                           else totals["settings"]),
        "loaded_spend_sek": totals["loaded_spend_sek"],
        "total_spend_sek": totals["total_spend_sek"], "mapped_spend_sek": totals["mapped_spend_sek"],
        "excluded_spend_sek": totals["excluded_spend_sek"], "unmapped_spend_sek": totals["unmapped_spend_sek"],
        "total_emissions_kg_co2e": totals["total_emissions_kg_co2e"],
        "total_emissions_kg_co2": totals["total_emissions_kg_co2"],
        "emissions_lower_kg_co2e": totals["emissions_lower_kg_co2e"],
        "emissions_upper_kg_co2e": totals["emissions_upper_kg_co2e"],
        "emissions_scope1_kg_co2e": totals["emissions_scope1_kg_co2e"],
        "emissions_scope2_kg_co2e": totals["emissions_scope2_kg_co2e"],
        "emissions_scope3_kg_co2e": totals["emissions_scope3_kg_co2e"],
        "activity_emissions_kg_co2e": totals["activity_emissions_kg_co2e"],
        "group_emissions_kg_co2e": totals["group_emissions_kg_co2e"],
        "intra_group_spend_sek": totals["intra_group_spend_sek"],
        "dq_score_weighted": totals["dq_score_weighted"],
        "n_lines": totals["n_lines"],
        "coverage": [{"rule_level": c["rule_level"], "spend": in_cur(c["spend_sek"]), "spend_sek": c["spend_sek"],
                      "share_of_spend": c["share_of_spend"], "n_lines": c["n_lines"]} for c in coverage],
        "by_organisation": [
            {"organisation_id": o["organisation_id"], "name": o["organisation_name"], "is_group": o["is_group"],
             "spend": in_cur(o["spend_sek"]), "spend_sek": o["spend_sek"], "emissions_kg_co2e": o["emissions_kg_co2e"],
             "intra_group_spend": in_cur(o["intra_group_spend_sek"]),
             "intra_group_spend_sek": o["intra_group_spend_sek"]} for o in organisations],
        "sensitivity": sensitivity_summary(con, run_id),
        "energy_estimates": [{**e, "estimated_spend": in_cur(e["estimated_spend_sek"]),
                              "organisation_name": org_names.get(e["organisation_id"], e["organisation_id"])}
                             for e in marts.read(con, "energy_estimates", run_id,
                                                 order_by="organisation_id, energy_kind", exact=True)],
        "by_department": [
            {"organisation_id": d["organisation_id"], "name": d["department"], **dept_money(d),
             "label": department_label(dept_names, d["organisation_id"], d["department"]),
             "organisation_name": org_names.get(d["organisation_id"], d["organisation_id"]),
             "spend_sek": d["spend_sek"],
             "mapped_spend_sek": d["mapped_spend_sek"], "emissions_kg_co2e": d["emissions_kg_co2e"],
             "emissions_t_co2e": d["emissions_t_co2e"],
             "intensity_kg_co2e_per_ksek": d["intensity_kg_co2e_per_ksek"], "share_of_total": d["share_of_total"]}
            for d in departments],
    }


def _settings(totals: dict) -> dict:
    """Return a run's settings (stored as JSON) as a dict."""
    value = totals.get("settings")
    return json.loads(value) if isinstance(value, str) else (value or {})


def sensitivity_summary(con, run_id: int) -> list[dict]:
    """Return the run's total under each alternative factor set (the sensitivity), one dict per set."""
    from ..engine import marts

    out: dict[tuple, dict] = {}
    for r in marts.read(con, "sensitivity_by_category", run_id, order_by="factor_set_id, sort_order", exact=True):
        key = (r["factor_set_id"], r["factor_set_version"], r["region"])
        item = out.setdefault(key, {"factor_set": f"{r['factor_set_id']}@{r['factor_set_version']}",
                                    "region": r["region"], "name": r["factor_set_name"],
                                    "run_emissions_kg_co2e": 0.0, "emissions_kg_co2e": 0.0,
                                    "repriced_spend_sek": 0.0, "kept_spend_sek": 0.0})
        for k in ("run_emissions_kg_co2e", "emissions_kg_co2e", "repriced_spend_sek", "kept_spend_sek"):
            item[k] += float(r[k] or 0)
    return list(out.values())


def _maps_text(summary: dict) -> str:
    """Return the account map(s) a run's organisations used: the run's one map, or each organisation's own."""
    used = sorted(set((summary.get("mappings") or {}).values()))
    return summary["mapping"] if not used or used == [summary["mapping"]] else ", ".join(used)


def print_department_table(summary: dict) -> None:
    """Print the per-department table of a run summary, in the CLI's language (--lang, LANG)."""
    lab = texts()
    region = f" ({summary['factor_region']})" if summary.get("factor_region") else ""
    print(lab.t("cli_emissions_heading", year=summary["year"], run_id=summary["run_id"],
                factor_set=summary["factor_set"], region=region, mapping=_maps_text(summary),
                convention=lab.text(f"convention_short_{summary.get('inflation_convention')}")
                if summary.get("inflation_convention") else "-"))
    # figures in the ledger's currency (GBP for a UK council): "kr"/"tkr" in Swedish for SEK, else the code
    cur = summary.get("currency", "SEK")
    unit = lab["cli_unit"] if cur == "SEK" else cur
    kunit = lab["cli_unit_thousand"] if cur == "SEK" else lab.t("cli_unit_thousand_of", currency=cur)
    rows = [[d["label"] or lab["unknown_department"], d.get("organisation_name") or d["organisation_id"],
             fmt_number(d["spend"]), fmt_number(d["emissions_t_co2e"], 1),
             fmt_number(d["intensity_kg_co2e_per_thousand"], 1), fmt_percent(d["share_of_total"])]
            for d in summary["by_department"]]
    rows.append([lab["cli_total"], "", fmt_number(summary["total_spend"]),
                 fmt_number(summary["total_emissions_kg_co2e"] / 1000, 1),
                 fmt_number(summary["total_emissions_kg_co2e"] / float(summary["mapped_spend"]) * 1000
                            if summary["mapped_spend"] else None, 1), fmt_percent(1.0)])
    print_table([lab["cli_col_department"], lab["cli_col_org"], lab.t("cli_col_spend", unit=unit), lab["cli_col_t"],
                 lab.t("cli_col_intensity", kunit=kunit), lab["cli_col_share"]], rows, align="llrrrr")
    print(lab.t("cli_range_line", lower=fmt_number(summary["emissions_lower_kg_co2e"] / 1000, 0),
                upper=fmt_number(summary["emissions_upper_kg_co2e"] / 1000, 0), unit=unit,
                excluded=fmt_number(summary["excluded_spend"]), unmapped=fmt_number(summary["unmapped_spend"])))
    groups = [o for o in summary.get("by_organisation", []) if o["is_group"] and o["intra_group_spend_sek"]]
    for g in groups:
        print(lab.t("cli_group_line", name=g["name"], t=fmt_number(g["emissions_kg_co2e"] / 1000, 1), unit=unit,
                    spend=fmt_number(g.get("intra_group_spend", g["intra_group_spend_sek"]))))
    print(lab["cli_coverage"] + ": " + ", ".join(f"{lab.rule_level(c['rule_level'])} {fmt_percent(c['share_of_spend'])}"
                                                for c in summary.get("coverage", [])))
    for alt in summary.get("sensitivity", []):
        where = f" ({alt['region']})" if alt.get("region") else ""
        print(lab.t("cli_sensitivity_line", factor_set=alt["factor_set"], region=where,
                    t=fmt_number(alt["emissions_kg_co2e"] / 1000, 1),
                    run_t=fmt_number(alt["run_emissions_kg_co2e"] / 1000, 1)))
    estimates = [e for e in summary.get("energy_estimates", []) if e["estimated_spend_sek"]
                 and e["energy_kind"] != "other"]
    for e in estimates:
        print(lab.t("cli_estimate_line", organisation=e.get("organisation_name") or e["organisation_id"],
                    kind=lab[f"energy_kind_word_{e['energy_kind']}"], unit=unit,
                    t=fmt_number(e["estimated_emissions_kg_co2e"] / 1000, 1),
                    spend=fmt_number(e.get("estimated_spend", e["estimated_spend_sek"])),
                    gap=lab["cli_estimate_gap"] if e["is_combustion_missing"] else "",
                    what=lab["cli_litres"] if e["energy_kind"] == "fuel" else "kWh"))
    settings = summary.get("settings")
    if isinstance(settings, dict):
        orgs = {o["organisation_id"]: o["name"] for o in summary.get("by_organisation", [])
                if o.get("name") and not o.get("is_group")}
        state = tail_words(settings.get("tail_spend"), orgs)
    else:       # a summary without the run's settings (the demo's): its text
        tail = summary.get("tail_spend", "off")
        state = lab["cli_off"] if tail == "off" else tail
    print(lab.t("cli_tail_line", state=state))


def _run_progress():
    """Return a progress callback for compute_run that prints each step with the seconds since the start."""
    import time

    t0 = time.perf_counter()
    words = {"pricing": "cli_step_pricing", "lines": "cli_step_lines", "checks": "cli_step_checks"}

    def tell(name: str) -> None:
        step("cli_progress_run_step", step=texts()[words.get(name, "cli_step_lines")],
             seconds=fmt_number(time.perf_counter() - t0, 1))
    return tell


def _verify(results: list[dict], *, as_json: bool) -> int:
    """Print each published run and whether its results are unchanged; 0 when all are, else 1."""
    if as_json:
        print_json(results)
    else:
        tx = texts()
        if not results:
            print(tx.t("cli_run_verify_none"))
        for r in results:
            key = "cli_run_verify_unchanged" if r["unchanged"] else "cli_run_verify_changed"
            print(tx.t(key, run_id=r["run_id"], year=r["year"],
                       organisation=r["organisation_id"] or tx.t("cli_run_verify_all_organisations")))
    return 0 if all(r["unchanged"] for r in results) else 1


def run(args) -> int:
    """Compute, publish, verify or list runs."""
    from .. import store
    from ..engine import runs

    con = store.connect(resolve_db_path(args.db))
    try:
        if args.list:
            cur = con.execute("""select run_id, year, organisation_id, factor_set_id || '@' || factor_set_version,
                                        mapping_id || '@' || mapping_version, is_published, created_at, status
                                 from run order by run_id""")
            rows = cur.fetchall()
            if args.json:
                print_json([dict(zip(["run_id", "year", "organisation_id", "factor_set", "mapping", "is_published",
                                      "created_at", "status"], r)) for r in rows])
            else:
                print_table(["run", "year", "org", "factors", "mapping", "published", "created", "status"],
                            [[*r[:5], "yes" if r[5] else "no", f"{r[6]:%Y-%m-%d %H:%M}", r[7]] for r in rows])
            return 0
        if args.verify:
            return _verify(runs.verify_published_runs(con), as_json=args.json)
        if args.publish_run is not None:
            runs.publish_run(con, args.publish_run)
            print(texts().t("cli_run_published", run_id=args.publish_run))
            return 0
        if args.year is None:
            raise UsageError("klimatspend run: give --year YYYY (or --list, --verify, --publish-run RUN_ID)")
        if not args.json:
            step("cli_progress_run", year=args.year)
        if not 0 <= args.vat_rate < 1:
            raise UsageError(f"--vat-rate {args.vat_rate}: give the rate as a fraction, e.g. 0.25")
        settings = runs.RunSettings(use_margins=not args.without_margins, inflation_convention=args.inflation,
                                    vat_rate=args.vat_rate)
        result = runs.compute_run(con, args.year, factors=args.factors, mapping=args.mapping,
                                  settings=settings, organisation_id=args.org, note=args.note,
                                  crosswalk=args.crosswalk, activity_factors=args.activity_factors,
                                  region=args.region, progress=None if args.json else _run_progress())
        if args.publish:
            runs.publish_run(con, result.run_id)
        summary = run_summary(con, result.run_id)
        summary["timings_s"] = {k: round(v, 3) for k, v in result.timings.items()}
        summary["settings"] = result.settings
        if args.json:
            print_json(summary)
        else:
            print_department_table(summary)
            if args.publish:
                print(texts().t("cli_run_published", run_id=result.run_id))
        return 0
    finally:
        con.close()
