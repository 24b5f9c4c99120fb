"""The default Kommun-Bas 13 map 2.0.0: grounded in the observed three-digit groups, no catch-alls, an industry code
and a US EPA factor on every purchase row, a source and a note on every row, every exclusion group excluded."""

from __future__ import annotations

import csv

import pytest

from pipeline.factors import load_reference_data
from pipeline.factors.mapping import longest_prefix
from pipeline.resources import factors_dir

MAP_DIR = factors_dir() / "account_maps" / "kommunbas13" / "2.0.0"
OBSERVED = factors_dir() / "chart_of_accounts" / "kommunbas13_account_groups_observed.csv"
ENERGY = {"621", "623", "691"}          # purchase:needs-activity-data: category energy, no spend factor
REASON = {"transfer": "grants_transfers", "financial": "financial", "tax": "taxes_vat", "personnel": "personnel"}


def map_rows() -> dict[str, dict]:
    with (MAP_DIR / "account_map.csv").open(encoding="utf-8") as handle:
        return {r["account_prefix"]: r for r in csv.DictReader(handle)}


def resolve(account: str) -> dict | None:
    hit = longest_prefix(account, map_rows())
    return hit[1] if hit else None


def test_every_row_has_a_source_and_a_note():
    for prefix, row in map_rows().items():
        assert row["source"] and len(row["notes"]) >= 8, prefix


def test_purchase_rows_name_an_industry_and_keep_a_us_epa_factor(con):
    load_reference_data(con)
    factors = {r[0] for r in con.execute("select factor_code from factor where factor_set_id = 'useeio' "
                                         "and version = '1.3.0' and gas = 'CO2e'").fetchall()}
    for prefix, row in map_rows().items():
        if row["is_excluded"] == "true":
            assert row["exclusion_reason"] and not (row["category_id"] or row["industry_code"] or row["factor_code"])
            continue
        assert row["category_id"] and 2 <= len(row["industry_code"]) <= 4 and row["scope3_category"] in ("1", "2")
        if prefix in ENERGY:
            assert (row["category_id"], row["factor_code"]) == ("energy", ""), prefix
        else:
            assert row["factor_set_id"] == "useeio" and row["factor_code"] in factors, prefix


def test_there_are_no_catch_alls():
    """Class-level rows only exclude; an account of a group nobody books on is unmapped, not priced at an average."""
    rows = map_rows()
    assert all(rows[p]["is_excluded"] == "true" for p in rows if len(p) == 1)
    for account in ("42100", "44000", "46100", "47000", "60300", "62200", "67000", "74100", "77100", "91000"):
        assert resolve(account) is None, account


@pytest.mark.parametrize("account, prefix, category, industry, factor", [
    ("46310", "463", "care_education", "88", "624190"),      # purchased core services are 463
    ("64400", "644", "food", "10", "311999"),                # food is 644, bought food is food (10), not wholesale
    ("64610", "646", "goods", "2229", "326199"),             # 646 is consumables
    ("62100", "621", "energy", "3511", ""),                  # electricity 621: waits for kWh
    ("62300", "623", "energy", "3530", ""),                  # district heating 623
    ("69100", "691", "energy", "1920", ""),                  # fuels 691: waits for litres
    ("70510", "705", "transport", "5110", "481111"),         # travel 705
    ("73100", "731", "services", "6512", "524126"),          # insurance 731
    ("74300", "743", "it_telecom", "6202", "541512"),        # IT services, not accounting
    ("74500", "745", "services", "7022", "541611"),          # consultancy, not security
    ("61310", "613", "construction_property", "8121", "561720"),   # cleaning, not building construction
    ("61710", "617", "construction_property", "42", "237310"),
    ("40230", "402", "goods", "28", "333318"),
])
def test_the_real_chart_wins(account, prefix, category, industry, factor):
    row = resolve(account)
    assert (row["account_prefix"], row["category_id"], row["industry_code"], row["factor_code"]) == \
        (prefix, category, industry, factor)


def test_every_observed_group_has_its_treatment():
    with OBSERVED.open(encoding="utf-8") as handle:
        observed = list(csv.DictReader(handle))
    assert len(observed) == 60
    for g in observed:
        accounts = [g["group"][:2] + "500", g["group"][4:6] + "500"] if "x-" in g["group"] else [g["group"] + "10"]
        for account in accounts:
            row = resolve(account)
            assert row is not None, g["group"]
            kind, _, detail = g["treatment"].partition(":")
            if kind == "exclude":
                assert row["is_excluded"] == "true" and row["exclusion_reason"] in (REASON[detail], "pensions"), g
            else:
                assert row["is_excluded"] == "false", g
                assert (row["factor_code"] == "") == (detail == "needs-activity-data"), g


EXCLUDED = [(p, r["exclusion_reason"]) for p, r in map_rows().items() if r["is_excluded"] == "true"]


@pytest.mark.parametrize("prefix, reason", EXCLUDED, ids=[p for p, _ in EXCLUDED])
def test_every_exclusion_group_excludes_its_accounts_in_a_run(excluded_run, prefix, reason):
    """One line on an account under each excluded group (the prefix padded with nines to five digits, so no longer
    row matches): the run excludes it with the group's reason and its spend counts as excluded, never as emissions."""
    con, run_id = excluded_run
    account = (prefix + "99999")[:5]
    row = con.execute("""select is_excluded, exclusion_reason, rule_id, emissions_kg_co2e from line_emission
                         where run_id = ? and account = ?""", [run_id, account]).fetchone()
    assert row == (True, reason, prefix, 0.0)


@pytest.fixture(scope="module")
def excluded_run(tmp_path_factory):
    from pipeline import store
    from pipeline.engine import runs
    from tests.helpers.engine_seed import add_batch, add_lines, add_org

    con = store.connect(tmp_path_factory.mktemp("excl") / "k.duckdb")
    load_reference_data(con)
    add_org(con, "org")
    add_batch(con, 1)
    add_lines(con, 1, [dict(source_row=i + 2, account=(p + "99999")[:5], amount=1000, department="KLF")
                       for i, (p, _) in enumerate(EXCLUDED)])
    run_id = runs.compute_run(con, 2024).run_id
    yield con, run_id
    con.close()
