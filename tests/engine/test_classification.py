"""Tests for the classification precedence and the exclusions (sql/intermediate, pipeline.classify)."""

from __future__ import annotations

import pytest
from tests.helpers.engine_seed import add_batch, add_lines, add_org, seed_reference

from pipeline import organisations
from pipeline.engine import runs, marts
from pipeline.errors import UsageError


def seed_rules(con) -> None:
    """Supplier rules, supplier register + crosswalk, keyword rules and explicit exclusions."""
    con.execute("""insert into supplier_rule (rule_id, organisation_id, match_kind, match_value, category_id,
                                              factor_set_id, factor_code, factor_value, factor_unit, is_excluded,
                                              exclusion_reason) values
        ('S-OWN', null, 'org_number', '5560000001', 'food', null, null, 0.05, 'kg CO2e/SEK', false, null),
        ('S-CODE', null, 'org_number', '556000-0002', 'food', 'test', 'F2', null, null, false, null),
        ('S-NAME', null, 'name', 'Taxi Älvby AB', 'transport', 'test', 'F1', null, null, false, null),
        ('S-PENSION', null, 'org_number', '556000-0005', null, null, null, null, null, true, 'pensions'),
        ('S-OTHER-ORG', 'other', 'org_number', '556000-0006', 'food', 'test', 'F4', null, null, false, null)""")
    con.execute("""insert into supplier_register (org_number, name, sni_code, sni_text) values
        ('556000-0003', 'Grossisten AB', '46390', 'Icke specialiserad partihandel med livsmedel'),
        ('556000-0006', 'Bageriet AB', '10710', 'Bagerier'),
        ('556000-0008', 'Elbolaget AB', '35110', 'Produktion av elektricitet')""")
    con.execute("""insert into industry_crosswalk (crosswalk_id, version, industry_code, industry_name, category_id,
                                                   factor_set_id, factor_code) values
        ('nace_test', '1.0', '46', 'Wholesale', 'goods', 'test', 'F1'),
        ('nace_test', '1.0', '4639', 'Non-specialised wholesale of food', 'food', 'test', 'F3'),
        ('nace_test', '1.0', '10', 'Food products', 'food', 'test', 'F2'),
        ('nace_test', '1.0', '35', 'Energy supply', 'energy', 'test', 'F5'),
        ('nace_test', '1.0', '351', 'Electricity', 'energy', null, null)""")
    con.execute("""insert into keyword_rule (rule_id, account_prefix, keyword, category_id, factor_set_id, factor_code)
                   values ('K-MEAT', '64', 'Kött', 'food', 'test', 'F4'),
                          ('K-ANY', null, 'kött', 'food', 'test', 'F1')""")
    con.execute("""insert into exclusion (exclusion_id, match_kind, match_value, reason) values
        ('X-INT', 'counterparty', 'INT*', 'internal'),
        ('X-GRANT', 'supplier_org_number', '802000-0007', 'grants_transfers'),
        ('X-KW', 'keyword', 'internfakt', 'internal'),
        ('X-ACC', 'account_prefix', '6469', 'financial')""")


LEDGER = [
    # source_row, account, amount, extra columns
    dict(source_row=2, account="6461", amount=10000, supplier_org_number="556000-0001", supplier_name="Leverantör 1"),
    dict(source_row=3, account="6461", amount=10000, supplier_org_number="556000-0002"),
    dict(source_row=4, account="6461", amount=10000, supplier_org_number="556000-0003"),
    dict(source_row=5, account="6440", amount=10000, description="Kött och chark v. 12"),
    dict(source_row=6, account="6461", amount=10000),
    dict(source_row=7, account="4630", amount=10000),
    dict(source_row=8, account="7777", amount=10000),
    dict(source_row=9, account="6461", amount=10000, supplier_name="  taxi älvby ab "),
    dict(source_row=10, account="5010", amount=10000, supplier_org_number="556000-0002"),
    dict(source_row=11, account="6461", amount=10000, counterparty="INT-SERVICE"),
    dict(source_row=12, account="6461", amount=10000, supplier_org_number="212000-0001"),
    dict(source_row=13, account="4630", amount=10000, description="Internfakturering lokalvård"),
    dict(source_row=14, account="6461", amount=10000, supplier_org_number="556000-0005"),
    dict(source_row=15, account="6461", amount=10000, supplier_org_number="802000-0007"),
    dict(source_row=16, account="6469", amount=10000),
    dict(source_row=17, account="6461", amount=10000, supplier_org_number="556000-0006"),
    dict(source_row=18, account="6440", amount=10000, supplier_org_number="556000-0002", description="kött"),
    dict(source_row=19, account="6461", amount=10000, supplier_org_number="556000-0008"),
]


@pytest.fixture
def classified(con):
    """A run over LEDGER for organisation 'org' (own org number 212000-0001, tail default F9)."""
    seed_reference(con)
    seed_rules(con)
    add_org(con, "org", org_number="212000-0001", default_factor="F9")
    add_batch(con, 1)
    add_lines(con, 1, LEDGER)
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    rows = con.execute("""select source_row, rule_level, rule_id, category_id, factor_code, method, dq_score,
                                 emissions_kg_co2e, exclusion_reason
                          from line_emission where run_id = ? order by source_row""", [result.run_id]).fetchall()
    return result, {r[0]: r[1:] for r in rows}


def test_every_rule_level_worked_example(classified):
    """One 10,000 SEK line per rule level; 1 SEK of 2024 = 0.1 USD of 2022 (see engine_seed).

    row 2  supplier, own factor 0.05 kg/SEK (spend-year SEK, no deflation): 10,000 x 0.05      = 500 kg, dq 1
    row 3  supplier, factor code F2 0.2:                10,000 x 0.1 x 0.2                        = 200 kg, dq 2
    row 4  supplier industry: SNI 46390 -> longest crosswalk prefix 4639 -> F3 0.3: 10,000 x 0.1 x 0.3 = 300 kg, dq 2
    row 5  account + keyword: 6440 'Kött ...' -> rule K-MEAT (prefix 64 beats the rule without prefix) F4 0.4
                                                                                              = 400 kg, dq 3
    row 6  account 6461 (4 digits) -> F2 0.2                                                  = 200 kg, dq 3
    row 7  account group 46 (shorter prefix) -> F1 0.5                                        = 500 kg, dq 4
    row 8  7777 matches nothing -> the organisation's tail default F9 0.9                     = 900 kg, dq 5
    row 9  supplier by name ('  taxi älvby ab ' = 'Taxi Älvby AB', case and spaces ignored) F1 = 500 kg, dq 2
    """
    _, lines = classified
    assert lines[2][:2] == ("supplier", "supplier_rule:S-OWN")
    assert lines[2][4:7] == ("supplier_specific", 1, pytest.approx(500.0))
    assert lines[3][:7] == ("supplier", "supplier_rule:S-CODE", "food", "F2", "spend", 2, pytest.approx(200.0))
    assert lines[4][:7] == ("supplier_industry", "crosswalk:4639 (SNI 46390)", "food", "F3", "spend", 2,
                            pytest.approx(300.0))
    assert lines[5][:7] == ("account_keyword", "keyword_rule:K-MEAT", "food", "F4", "spend", 3, pytest.approx(400.0))
    assert lines[6][:7] == ("account", "6461", "food", "F2", "spend", 3, pytest.approx(200.0))
    assert lines[7][:7] == ("account_group", "46", "care_education", "F1", "spend", 4, pytest.approx(500.0))
    assert lines[8][:7] == ("default", "default:org", "other", "F9", "spend", 5, pytest.approx(900.0))
    assert lines[9][:7] == ("supplier", "supplier_rule:S-NAME", "transport", "F1", "spend", 2, pytest.approx(500.0))


def test_exclusions_come_first_and_keep_their_reason(classified):
    """Excluded lines weigh 0 kg and say why, even when a supplier rule would have priced them."""
    _, lines = classified
    expected = {
        10: ("5", "personnel"),                         # account map exclusion beats supplier rule S-CODE
        11: ("exclusion:X-INT", "internal"),            # counterparty INT-SERVICE matches 'INT*'
        12: ("own_org_number:212000-0001", "internal"),  # the organisation invoicing itself
        13: ("exclusion:X-KW", "internal"),             # 'Internfakturering' holds the keyword 'internfakt'
        14: ("supplier_rule:S-PENSION", "pensions"),    # supplier rule that excludes
        15: ("exclusion:X-GRANT", "grants_transfers"),  # explicit exclusion by org number
        16: ("exclusion:X-ACC", "financial"),           # explicit exclusion by account prefix
    }
    for row, (rule_id, reason) in expected.items():
        level, got_rule, category, factor, method, dq, kg, got_reason = lines[row]
        assert (level, got_rule, got_reason, kg, category, dq) == ("excluded", rule_id, reason, 0.0, None, None), row


def test_precedence_conflicts(classified):
    """A supplier rule of another organisation does not apply; supplier beats keyword; industry prefix 10.

    row 17: S-OTHER-ORG belongs to organisation 'other', so org's line falls to the supplier register:
            SNI 10710 -> crosswalk 10 -> F2: 10,000 x 0.1 x 0.2 = 200 kg.
    row 18: supplier rule S-CODE (F2) wins over the keyword rule 'kött': 200 kg, not 400.
    row 19: SNI 35110 matches the crosswalk row 351 (electricity) that has no factor: the longest code decides,
            so there is no supplier-industry factor (the shorter 35 -> F5 is not used) and the account decides:
            6461 -> F2: 200 kg.
    """
    _, lines = classified
    assert lines[17][:2] == ("supplier_industry", "crosswalk:10 (SNI 10710)")
    assert lines[17][6] == pytest.approx(200.0)
    assert lines[18][:2] == ("supplier", "supplier_rule:S-CODE")
    assert lines[18][6] == pytest.approx(200.0)
    assert lines[19][:2] == ("account", "6461")
    assert lines[19][6] == pytest.approx(200.0)


def test_coverage_explains_all_spend(classified, con):
    """Mapped + excluded + unmapped = loaded spend (18 lines x 10,000 SEK), shares sum to 1."""
    result, _ = classified
    coverage = marts.read(con, "spend_coverage", result.run_id)
    assert sum(r["spend_sek"] for r in coverage) == 180000
    assert sum(r["share_of_spend"] for r in coverage) == pytest.approx(1.0)
    by_level = {r["rule_level"]: r["n_lines"] for r in coverage}
    assert by_level == {"supplier": 4, "supplier_industry": 2, "account_keyword": 1, "account": 2,
                        "account_group": 1, "default": 1, "excluded": 7}
    excluded = {r["exclusion_reason"]: r["spend_sek"] for r in marts.read(con, "excluded_spend", result.run_id)}
    assert excluded == {"personnel": 10000, "internal": 30000, "pensions": 10000, "grants_transfers": 10000,
                        "financial": 10000}


def test_without_default_unmatched_spend_is_unmapped(con):
    """Without a tail default, 7777 stays unmapped and is listed with its amount and reason."""
    seed_reference(con)
    add_org(con, "org")
    add_batch(con, 1)
    add_lines(con, 1, [dict(source_row=2, account="7777", amount=300), dict(source_row=3, account="7778", amount=900),
                       dict(source_row=4, account="6220", amount=50)])
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    rows = marts.read(con, "unmapped_accounts", result.run_id)
    assert [(r["account"], r["spend_sek"], r["reason"]) for r in rows] == [
        ("7778", 900, "no-account-match"), ("7777", 300, "no-account-match"),
        ("6220", 50, "needs-activity-data")]


def test_energy_without_factor_never_takes_the_default(con):
    """Electricity (622, category energy, no spend factor) waits for kWh instead of the tail default."""
    seed_reference(con)
    add_org(con, "org", default_factor="F9")
    add_batch(con, 1)
    add_lines(con, 1, [dict(source_row=2, account="6221", amount=1000)])
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    row = con.execute("select rule_level, rule_id, category_id, is_energy from line_emission where run_id = ?",
                      [result.run_id]).fetchone()
    assert row == ("unmapped", "needs-activity-data", "energy", True)


def test_each_organisation_uses_its_own_account_map(con):
    """Account 4610 is purchased care in the municipality's map but a wholesale cost in the company's.

    kommun (map): 4610 -> 46 -> F1 0.5: 1,000 x 0.1 x 0.5 = 50 kg
    bolag  (bas): 4610 -> 4  -> F2 0.2: 1,000 x 0.1 x 0.2 = 20 kg
    """
    seed_reference(con)
    con.execute("""insert into account_map (mapping_id, mapping_version, account_prefix, category_id, factor_set_id,
                                            factor_code, scope3_category, is_excluded) values
                   ('bas', '2.0', '4', 'goods', 'test', 'F2', 1, false)""")
    add_org(con, "kommun")
    add_org(con, "bolag", kind="company", parent="kommun", mapping="bas")
    add_batch(con, 1, "kommun")
    add_batch(con, 2, "bolag")
    add_lines(con, 1, [dict(source_row=2, account="4610", amount=1000, department="Socialförvaltningen")], "kommun")
    add_lines(con, 2, [dict(source_row=2, account="4610", amount=1000)], "bolag")
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    assert result.settings["mappings"] == {"bolag": "bas@2.0", "kommun": "map@1.0"}
    rows = {r[0]: r[1:] for r in con.execute(
        "select organisation_id, rule_id, emissions_kg_co2e, department from line_emission where run_id = ?",
        [result.run_id]).fetchall()}
    assert rows["kommun"] == ("46", pytest.approx(50.0), "Socialförvaltningen")
    assert rows["bolag"] == ("4", pytest.approx(20.0), "Bolag")  # a company without departments is one unit


def test_set_organisation_validates_and_updates(con):
    seed_reference(con)
    row = organisations.set_organisation(con, "kommun", name="Älvby kommun", org_number="2120003999", mapping="map")
    assert (row["org_number"], row["mapping_id"], row["mapping_version"]) == ("212000-3999", "map", None)
    row = organisations.set_organisation(con, "bolag", parent="kommun", kind="company", default_factor="F9")
    assert (row["parent_organisation_id"], row["kind"], row["default_factor_code"]) == ("kommun", "company", "F9")
    with pytest.raises(UsageError, match="no such account map"):
        organisations.set_organisation(con, "kommun", mapping="bas2025")
    with pytest.raises(UsageError, match="no such organisation; create it first"):
        organisations.set_organisation(con, "x", parent="nope")
    with pytest.raises(UsageError, match="--kind"):
        organisations.set_organisation(con, "x", kind="club")


def test_account_marts_show_one_classification_and_read_only_their_own_run(classified, con):
    """Both account marts show the classification (rule level, category, factor, exclusion reason) with the largest
    part of an account's spend, and the rule with the largest part of that; on a tie the first alphabetically.

    Account 6461 has 11 lines of 10,000 SEK: 4 excluded (internal twice, by two rules; pensions; grants), 2 by its
    account row (food, F2), 3 by supplier rules, 2 by their supplier's industry. The choices weigh: account row
    20,000 SEK, excluded as internal 20,000 (X-INT and the own org number), every other choice 10,000. The tie of
    20,000 goes to rule level 'account' before 'excluded'. Emissions 2 x 10,000 x 0.1 x 0.2 (account row) + 200 + 500
    + 500 (supplier rules F2, own factor, F1) + 300 + 200 (industries F3, F2) = 2,100 kg. Account 6440: the keyword
    rule (F4) and a supplier rule (F2) tie at 10,000 SEK; 'account_keyword' comes first. The three largest
    suppliers tie at 10,000 SEK and are listed in alphabetical order.

    After 90,000 SEK more on 6461 from a new supplier (by the account row: 110,000 SEK) a second run shows the
    account row and the new supplier first; the first run's rows stay as they were.
    """
    result, _ = classified

    def both(run_id):
        return ({r["account"]: r for r in marts.read(con, "emissions_by_account", run_id)},
                {r["account"]: r for r in marts.read(con, "mapping_review", run_id)})

    by_account, review = both(result.run_id)
    for account in by_account:          # one rule in both marts
        assert ([by_account[account][k] for k in ("rule_level", "category_id", "factor_code", "exclusion_reason")]
                == [review[account][k] for k in ("rule_level", "category_id", "factor_code", "exclusion_reason")])
    row = by_account["6461"]
    assert (row["rule_level"], row["rule_id"], row["category_id"], row["factor_code"], row["exclusion_reason"]) == (
        "account", "6461", "food", "F2", None)
    assert (row["n_lines"], row["spend_sek"], row["has_several_rule_levels"]) == (11, 110000.0, True)
    assert row["emissions_kg_co2e"] == pytest.approx(2100.0)
    assert (by_account["6440"]["rule_level"], by_account["6440"]["rule_id"]) == ("account_keyword",
                                                                                 "keyword_rule:K-MEAT")
    assert by_account["5010"]["exclusion_reason"] == "personnel"
    line = review["6461"]
    assert (line["rule_level"], line["excluded_spend_sek"]) == ("account", 40000.0)
    assert line["rule_levels"] == "account, excluded, supplier, supplier_industry"
    assert line["largest_suppliers"] == "  taxi älvby ab ; 212000-0001; 556000-0002"
    assert (line["n_lines"], line["spend_sek"], line["unmapped_spend_sek"]) == (11, 110000.0, 0.0)

    runs.publish_run(con, result.run_id)
    add_batch(con, 2)
    add_lines(con, 2, [dict(source_row=2, account="6461", amount=90000, supplier_name="Ny AB")])
    second = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    assert both(result.run_id) == (by_account, review)
    later_account, later_review = both(second.run_id)
    assert later_account["6461"]["n_lines"] == 12 and later_account["6461"]["spend_sek"] == 200000.0
    assert later_review["6461"]["largest_suppliers"] == "Ny AB;   taxi älvby ab ; 212000-0001"


def test_an_excluded_account_shows_its_largest_exclusion_reason(con):
    """Account 6461 with 30,000 SEK excluded as internal (two rules), 20,000 as grants and 10,000 by its account row:
    both account marts show 'internal' (30,000 SEK), by the rule with the larger part of it (X-INT, 20,000)."""
    seed_reference(con)
    seed_rules(con)
    add_org(con, "org", org_number="212000-0001")
    add_batch(con, 1)
    add_lines(con, 1, [
        dict(source_row=2, account="6461", amount=10000, counterparty="INT-A"),
        dict(source_row=3, account="6461", amount=10000, counterparty="INT-B"),
        dict(source_row=4, account="6461", amount=10000, supplier_org_number="212000-0001"),
        dict(source_row=5, account="6461", amount=-20000, supplier_org_number="802000-0007"),
        dict(source_row=6, account="6461", amount=10000)])
    run_id = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0").run_id
    row = marts.read(con, "emissions_by_account", run_id)[0]
    assert (row["rule_level"], row["rule_id"], row["exclusion_reason"]) == ("excluded", "exclusion:X-INT", "internal")
    assert (row["spend_sek"], row["emissions_kg_co2e"]) == (20000.0, pytest.approx(200.0))
    review = marts.read(con, "mapping_review", run_id)[0]
    assert (review["rule_level"], review["exclusion_reason"], review["excluded_spend_sek"]) == (
        "excluded", "internal", 10000.0)
