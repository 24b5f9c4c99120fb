"""Tests for pipeline.transform: the worked example, run bookkeeping and the SQL checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline.engine import runs, marts
from pipeline.store import models as store_models
from pipeline.errors import DataError, KlimatspendError, UsageError


def seed_reference(con) -> None:
    """A tiny hand-made factor set 'test@1.0' (USD, base year 2022), rates, CPI and account map."""
    con.execute("""insert into factor_set (factor_set_id, version, name, base_year, currency, relative_uncertainty)
                   values ('test', '1.0', 'Test factors', 2022, 'USD', 0.3)""")
    con.execute("""insert into factor (factor_set_id, version, factor_code, factor_name, gas, value,
                                       value_without_margins, numerator_unit, denominator_unit) values
                   ('test', '1.0', 'F1', 'care', 'CO2e', 0.5, 0.4, 'kg CO2e', 'USD'),
                   ('test', '1.0', 'F1', 'care', 'CO2', 0.4, 0.3, 'kg', 'USD'),
                   ('test', '1.0', 'F2', 'food', 'CO2e', 0.2, 0.1, 'kg CO2e', 'USD')""")
    con.execute("""insert into exchange_rate (year, currency, units_per_eur) values
                   (2024, 'SEK', 10.0), (2024, 'USD', 1.25), (2022, 'SEK', 10.5), (2022, 'USD', 1.05)""")
    con.execute("""insert into price_index (country_code, year, index_value, base_year) values
                   ('USA', 2022, 100.0, 2022), ('USA', 2024, 125.0, 2022),
                   ('SWE', 2022, 100.0, 2022), ('SWE', 2024, 110.0, 2022)""")
    con.execute("""insert into category (category_id, name_sv, name_en, sort_order) values
                   ('care_education', 'Köpt vård', 'Purchased care', 1), ('food', 'Livsmedel', 'Food', 2)""")
    con.execute("""insert into account_map (mapping_id, mapping_version, account_prefix, category_id, factor_set_id,
                                            factor_code, scope3_category, is_excluded, exclusion_reason) values
                   ('map', '1.0', '46', 'care_education', 'test', 'F1', 1, false, null),
                   ('map', '1.0', '6461', 'food', 'test', 'F2', 1, false, null),
                   ('map', '1.0', '5', null, null, null, null, true, 'personnel')""")


def seed_ledger(con) -> None:
    """Two departments, six lines of fiscal year 2024 in one loaded SEK batch."""
    con.execute("""insert into ledger_batch (batch_id, organisation_id, source_file_name, sha256, file_format,
                       rows_read, rows_loaded, rows_rejected, status) values
                   (1, 'org', 'worked.csv', 'x', 'csv', 6, 6, 0, 'loaded')""")
    con.execute("""insert into ledger_line (batch_id, source_row, organisation_id, fiscal_year, period, account,
                                            department, amount, currency) values
                   (1, 2, 'org', 2024, '2024-03', '4610', 'A', 10000.00, 'SEK'),
                   (1, 3, 'org', 2024, '2024-03', '6461', 'A', 2500.00, 'SEK'),
                   (1, 4, 'org', 2024, '2024-03', '5011', 'A', 50000.00, 'SEK'),
                   (1, 5, 'org', 2024, '2024-04', '6461', 'B', -500.00, 'SEK'),
                   (1, 6, 'org', 2024, '2024-04', '4630', 'B', 1000.00, 'SEK'),
                   (1, 7, 'org', 2024, '2024-04', '9999', 'B', 300.00, 'SEK')""")


def test_worked_example(con):
    """Two departments, a handful of lines, two factors.

    Factor set test@1.0: kg CO2e per USD of 2022 (with margins): F1 = 0.5, F2 = 0.2.
    Computed with the 'factor_currency' convention (convert at the spend year's rate, then deflate in USD);
    the default convention is test_worked_example_default_convention.
    Spend year 2024: 10.00 SEK and 1.25 USD per EUR, so 1 SEK = 1.25 / 10.00 = 0.125 USD.
    US CPI 2022 = 100, 2024 = 125, so 1 USD of 2024 = 100 / 125 = 0.8 USD of 2022.
    Hence 1 SEK of 2024 = 0.125 x 0.8 = 0.1 USD of 2022.

    Department A: 4610 (46 -> F1) 10,000.00 SEK -> 1,000 USD2022 x 0.5 = 500.000 kg
                  6461 (-> F2)     2,500.00 SEK ->   250 USD2022 x 0.2 =  50.000 kg
                  5011 (class 5, personnel) 50,000.00 SEK excluded       =   0 kg
                  total 550.000 kg; in-scope spend 12,500.00 SEK; intensity 550 / 12,500 x 1,000 = 44 kg/kSEK
    Department B: 6461 credit note -500.00 SEK -> -50 USD2022 x 0.2     = -10.000 kg
                  4630 (46 -> F1)   1,000.00 SEK -> 100 USD2022 x 0.5   =  50.000 kg
                  9999 unmapped        300.00 SEK                       (no figure)
                  total 40.000 kg; mapped spend 500.00 SEK; intensity 40 / 500 x 1,000 = 80 kg/kSEK
    Organisation: 590.000 kg; shares A 550/590 = 0.9322, B 40/590 = 0.0678.
    Range (docs/method.md section 6; set +-30 %, no other set): a line of data quality q spans
    E x exp(-/+ sqrt(ln(1.3)^2 + ln(1 + u_q)^2)); 4610 (account group, q 4, u 0.35): 0.671246 .. 1.489767,
    6461 (account, q 3, u 0.2): 0.726517 .. 1.376431. A: 500 x 0.671246 + 50 x 0.726517 = 371.949 kg ..
    500 x 1.489767 + 50 x 1.376431 = 813.705 kg. CO2 only (F1 CO2 = 0.4): A 10,000 x 0.1 x 0.4 = 400.000 kg.
    """
    seed_reference(con)
    seed_ledger(con)
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0",
                              settings=runs.RunSettings(inflation_convention="factor_currency"))
    rows = {r["department"]: r for r in marts.read(con, "emissions_by_department", result.run_id)}

    a, b = rows["A"], rows["B"]
    assert a["emissions_kg_co2e"] == pytest.approx(550.000, abs=1e-6)
    assert a["spend_sek"] == Decimal("12500.00")
    assert a["excluded_spend_sek"] == Decimal("50000.00")
    assert a["intensity_kg_co2e_per_ksek"] == pytest.approx(44.0)
    assert a["emissions_lower_kg_co2e"] == pytest.approx(371.949, abs=1e-3)
    assert a["emissions_upper_kg_co2e"] == pytest.approx(813.705, abs=1e-3)
    assert a["emissions_kg_co2"] == pytest.approx(400.0)
    assert b["emissions_kg_co2e"] == pytest.approx(40.000, abs=1e-6)
    assert b["mapped_spend_sek"] == Decimal("500.00")
    assert b["unmapped_spend_sek"] == Decimal("300.00")
    assert b["intensity_kg_co2e_per_ksek"] == pytest.approx(80.0)
    assert a["share_of_total"] == pytest.approx(550 / 590)

    lines = {r[0]: r[1:] for r in con.execute(
        """select source_row, rule_level, rule_id, factor_code, fx_rate, price_adjustment, real_amount, dq_score
           from line_emission where run_id = ?""", [result.run_id]).fetchall()}
    assert lines[2] == ("account_group", "46", "F1", pytest.approx(0.125), pytest.approx(0.8), pytest.approx(1000.0), 4)
    assert lines[3][:3] == ("account", "6461", "F2") and lines[3][-1] == 3
    assert lines[4][:2] == ("excluded", "5")
    assert lines[7][0] == "unmapped"

    totals = marts.read(con, "run_totals", result.run_id)[0]
    assert totals["total_emissions_kg_co2e"] == pytest.approx(590.0)
    assert totals["mapped_spend_sek"] + totals["excluded_spend_sek"] + totals["unmapped_spend_sek"] \
        == totals["loaded_spend_sek"] == Decimal("63300.00")


def test_worked_example_default_convention(con):
    """The default convention deflates in the ledger currency, then converts at the price year's rate.

    4610 (F1 0.5), 10,000.00 SEK spent in 2024: Swedish CPI 2022 = 100, 2024 = 110, so
    10,000 x 100 / 110 = 9,090.909 SEK of 2022; at 2022's rates 1.05 USD / 10.5 SEK per EUR = 0.1 USD per SEK:
    909.0909 USD of 2022 x 0.5 = 454.545 kg. fx_rate 0.1, price_adjustment 0.909091.
    The dollar's swings do not enter: the same SEK spent in another year changes only by Swedish inflation.
    """
    seed_reference(con)
    seed_ledger(con)
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    assert result.settings["inflation_convention"] == "ledger_currency_first"
    row = con.execute("select fx_rate, price_adjustment, real_amount, emissions_kg_co2e from line_emission "
                      "where run_id = ? and source_row = 2", [result.run_id]).fetchone()
    assert row[0] == pytest.approx(0.1)
    assert row[1] == pytest.approx(100 / 110)
    assert row[2] == pytest.approx(909.0909, abs=1e-4)
    assert row[3] == pytest.approx(454.545, abs=1e-3)


def test_without_margins_and_sek_first_convention(con):
    """Without margins F1 = 0.4; deflating in SEK first: 10,000 SEK x 100/110 (SE CPI) = 9,090.91 SEK of 2022,
    converted at 2022's 1.05 / 10.5 = 0.1 USD per SEK -> 909.0909 USD x 0.4 = 363.636 kg."""
    seed_reference(con)
    seed_ledger(con)
    settings = runs.RunSettings(use_margins=False, inflation_convention="ledger_currency_first")
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0", settings=settings)
    value = con.execute("select emissions_kg_co2e from line_emission where run_id = ? and source_row = 2",
                        [result.run_id]).fetchone()[0]
    assert value == pytest.approx(10000 * 100 / 110 * 0.1 * 0.4)


def test_rerun_replaces_unpublished_but_never_published(con):
    seed_reference(con)
    seed_ledger(con)
    conv = runs.RunSettings(inflation_convention="factor_currency")
    first = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0", settings=conv)
    second = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0", settings=conv)
    assert con.execute("select count(*) from run").fetchone()[0] == 1
    assert con.execute("select count(*) from line_emission where run_id = ?", [first.run_id]).fetchone()[0] == 0
    runs.publish_run(con, second.run_id)
    con.execute("update factor set value = 1.0 where factor_code = 'F1' and gas = 'CO2e'")
    third = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0", settings=conv)
    frozen = con.execute("select sum(emissions_kg_co2e) from line_emission where run_id = ?",
                         [second.run_id]).fetchone()[0]
    assert frozen == pytest.approx(590.0)
    assert runs.shown_run_id(con, 2024) == second.run_id  # the published run is the one shown
    assert third.run_id != second.run_id


def test_run_without_lines_says_what_to_do(con):
    seed_reference(con)
    with pytest.raises(UsageError, match="no loaded ledger lines .* `klimatspend ingest FILE`"):
        runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")


def test_checks_pass_after_a_run(con):
    seed_reference(con)
    seed_ledger(con)
    runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    assert all(not rows for rows in store_models.run_checks(con).values())


def test_check_catches_a_duplicated_line(con):
    seed_reference(con)
    seed_ledger(con)
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    con.execute("insert into run_line select * from run_line where run_id = ? and source_row = 2",
                [result.run_id])
    failures = {k: v for k, v in store_models.run_checks(con).items() if v}
    assert failures["assert_run_covers_loaded_lines"] == [("duplicate", 1, 2, None, None)]


def test_check_catches_changes_that_keep_the_line_count(con):
    """The check compares fingerprints first (line count and a hash sum of the line keys) and names the lines only
    when they differ: a line swapped for an unknown one (same count), a doubled line with a lost one (same count)
    and an unknown rule level (same lines) are each still named."""
    seed_reference(con)
    seed_ledger(con)
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    con.execute("update run_line set source_row = 99 where run_id = ? and source_row = 3", [result.run_id])
    rows = {k: v for k, v in store_models.run_checks(con).items() if v}["assert_run_covers_loaded_lines"]
    assert sorted(r[:3] for r in rows if r[0] != "spend-mismatch") == [("missing", 1, 3), ("unexpected", 1, 99)]

    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    con.execute("update run_line set source_row = 2 where run_id = ? and source_row = 3", [result.run_id])
    rows = {k: v for k, v in store_models.run_checks(con).items() if v}["assert_run_covers_loaded_lines"]
    assert sorted(r[:3] for r in rows if r[0] != "spend-mismatch") == [("duplicate", 1, 2), ("missing", 1, 3)]

    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    con.execute("update run_decision set rule_level = 'guess' where run_id = ? and decision_id = (select decision_id "
                "from run_line where run_id = ? and source_row = 2)", [result.run_id, result.run_id])
    rows = {k: v for k, v in store_models.run_checks(con).items() if v}["assert_run_covers_loaded_lines"]
    assert ("unknown-rule-level", 1, 2) in [r[:3] for r in rows]


def test_checks_catch_a_lost_line_and_a_lost_decision(con):
    """Nothing lost: a line missing from run_line is named missing; a decision missing from run_decision loses its
    lines from the narrow views (missing), and the department mart (lines summed per decision) no longer equals
    the stored lines."""
    seed_reference(con)
    seed_ledger(con)
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    con.execute("delete from run_line where run_id = ? and source_row = 3", [result.run_id])
    failures = {k: v for k, v in store_models.run_checks(con).items() if v}
    # the missing line, and the SEK spend it leaves unreconciled (row 3: 2,500.00 SEK)
    assert sorted(failures["assert_run_covers_loaded_lines"], key=str) == \
        [("missing", 1, 3, None, None), ("spend-mismatch", None, None, "SEK", Decimal("2500.00"))]
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    con.execute("delete from run_decision where run_id = ? and decision_id = (select decision_id from run_line "
                "where run_id = ? and source_row = 2)", [result.run_id, result.run_id])
    failures = {k: v for k, v in store_models.run_checks(con).items() if v}
    assert [r[:3] for r in failures["assert_run_covers_loaded_lines"] if r[0] != "spend-mismatch"] == \
        [("missing", 1, 2)]
    assert "assert_department_totals_equal_lines" in failures


def test_models_are_ordered_by_dependency():
    models = store_models.load_models()
    order = [m.name for m in store_models.build_order(models)]
    assert order.index("stg_ledger_lines") < order.index("int_accounts__mapped") < order.index("int_line__emissions")
    for name, model in models.items():
        if model.layer in store_models.LAYERS:
            assert model.sql.lower().count("select * from final") == 1 or model.layer == "staging", name


# --- currency, VAT, credit notes, capital goods, groups, freezing -------------------------------------------

from tests.helpers.engine_seed import add_batch, add_lines, add_org  # noqa: E402
from tests.helpers.engine_seed import seed_reference as seed_engine_reference  # noqa: E402


def test_gbp_ledger_both_inflation_conventions(con):
    """A UK ledger in GBP (0.80 GBP, 10.00 SEK, 1.25 USD per EUR in 2024), 1,000.00 GBP on 4610 (F1 0.5).

    Reported spend: 1,000 x 10.00 / 0.80 = 12,500.00 SEK.
    factor_currency: 1,000 GBP x 1.25 / 0.80 = 1,562.5 USD of 2024; x US CPI 100/125 = 1,250 USD of
        2022; x 0.5 = 625.000 kg.
    ledger_currency_first (default): 1,000 GBP x UK CPI 100/112 = 892.857 GBP of 2022; x 2022 rate 1.05 / 0.84
        = 1.25 -> 1,116.07 USD of 2022; x 0.5 = 558.036 kg.
    """
    seed_engine_reference(con)
    add_org(con, "calderdale", kind="other")
    add_batch(con, 1, "calderdale", currency="GBP")
    add_lines(con, 1, [dict(source_row=2, account="4610", amount=1000, department="Adult Services")],
              "calderdale", currency="GBP")
    first = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0",
                             settings=runs.RunSettings(inflation_convention="factor_currency"))
    store_models.build_views(con)
    row = con.execute("""select amount_sek, amount_ledger_currency, currency, fx_rate, price_adjustment,
                                emissions_kg_co2e, adjustments from line_results where run_id = ?""",
                      [first.run_id]).fetchone()
    assert row[:3] == (Decimal("12500.00"), Decimal("1000.00"), "GBP")
    assert row[3] == pytest.approx(1.5625) and row[4] == pytest.approx(0.8)
    assert row[5] == pytest.approx(625.0)
    assert row[6] == "ledger_GBP_to_SEK@2024;fx_GBP_to_USD@2024;cpi_USD_2024_to_2022;with_margins"
    second = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    value = con.execute("select emissions_kg_co2e from line_emission where run_id = ?", [second.run_id]).fetchone()[0]
    assert value == pytest.approx(1000 * 100 / 112 * 1.05 / 0.84 * 0.5)
    assert value == pytest.approx(558.036, abs=1e-3)


def test_vat_is_removed_when_the_ledger_includes_it(con):
    """Batch with amounts including VAT, 4610 (F1 0.5, 1 SEK = 0.1 USD of 2022):

    row 2: 12,500.00 incl. a booked VAT amount of 2,500.00 -> net 10,000 -> 10,000 x 0.1 x 0.5 = 500 kg
    row 3: 12,500.00 without a VAT amount -> standard rate 25 %: 12,500 / 1.25 = 10,000 -> 500 kg
    Spend is reported as booked (12,500.00) and net (10,000.00).
    """
    seed_engine_reference(con)
    add_org(con, "org")
    add_batch(con, 1, includes_vat=True)
    add_lines(con, 1, [dict(source_row=2, account="4610", amount=12500, vat_amount=2500),
                       dict(source_row=3, account="4610", amount=12500)])
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    rows = con.execute("""select amount_sek, amount_net_sek, emissions_kg_co2e, adjustments from line_results
                          where run_id = ? order by source_row""", [result.run_id]).fetchall()
    for amount, net, kg, adjustments in rows:
        assert (amount, net) == (Decimal("12500.00"), Decimal("10000.00"))
        assert kg == pytest.approx(500.0)
        assert adjustments.startswith("vat_removed;")


def test_credit_notes_net_within_category_and_negative_net_is_flagged(con):
    """Food (6461, F2 0.2): invoice 2,500 -> 50 kg; credit note -3,000 -> -60 kg; net -500 SEK, -10 kg: flagged.
    Care (4610, F1 0.5): 1,000 -> 50 kg, positive net."""
    seed_engine_reference(con)
    add_org(con, "org")
    add_batch(con, 1)
    add_lines(con, 1, [dict(source_row=2, account="6461", amount=2500), dict(source_row=3, account="6461", amount=-3000),
                       dict(source_row=4, account="4610", amount=1000)])
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    cats = {r["category_id"]: r for r in marts.read(con, "emissions_by_category", result.run_id)}
    assert cats["food"]["spend_sek"] == Decimal("-500.00")
    assert cats["food"]["emissions_kg_co2e"] == pytest.approx(-10.0)
    assert cats["food"]["credit_notes_sek"] == Decimal("-3000.00")
    assert cats["food"]["has_negative_net"] is True
    assert cats["care_education"]["has_negative_net"] is False
    org_cats = {(r["category_id"], r["is_group"]): r["has_negative_net"]
                for r in marts.read(con, "emissions_by_organisation_category", result.run_id)}
    assert org_cats[("food", False)] is True


def test_capital_goods_are_scope_3_category_2_in_the_year_of_acquisition(con):
    """Machinery bought on 4021 (map 402: scope 3 category 2) and repairs on 6610 booked on investment project
    91101 count in full in 2024 as capital goods; the same repair account without the project stays category 1.
    Each line 10,000 SEK x 0.1 x F1 0.5 = 500 kg."""
    seed_engine_reference(con)
    add_org(con, "org")
    from pipeline import organisations
    organisations.add_capital_project(con, "org", "911", "Nybyggnad Älvängsskolan")
    add_batch(con, 1)
    add_lines(con, 1, [dict(source_row=2, account="4021", amount=10000),
                       dict(source_row=3, account="6610", amount=10000, project="91101"),
                       dict(source_row=4, account="6610", amount=10000)])
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    cats = dict(con.execute("select source_row, scope3_category from line_emission where run_id = ?",
                            [result.run_id]).fetchall())
    assert cats == {2: 2, 3: 2, 4: 1}
    scopes = {r["scope3_category"]: r["emissions_kg_co2e"] for r in marts.read(con, "emissions_by_scope",
                                                                                   result.run_id)}
    assert scopes == {2: pytest.approx(1000.0), 1: pytest.approx(500.0)}


def test_group_figures_leave_out_intra_group_purchases(con):
    """The municipality rents premises from its housing company (4610 100,000 SEK -> 5,000 kg); the company's
    own purchases (10,000 SEK -> 500 kg) carry the emissions. Per organisation both count; the group
    (kommun + bolag) leaves the rent out: 5,000 + 500 - 5,000 = 500 kg."""
    seed_engine_reference(con)
    add_org(con, "kommun", org_number="212000-0001")
    add_org(con, "bolag", org_number="556000-9999", kind="company", parent="kommun")
    add_batch(con, 1, "kommun")
    add_batch(con, 2, "bolag")
    add_lines(con, 1, [dict(source_row=2, account="4610", amount=100000, supplier_org_number="556000-9999")], "kommun")
    add_lines(con, 2, [dict(source_row=2, account="4610", amount=10000)], "bolag")
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    orgs = {(r["organisation_id"], r["is_group"]): r for r in marts.read(con, "emissions_by_organisation",
                                                                             result.run_id)}
    assert orgs[("kommun", False)]["emissions_kg_co2e"] == pytest.approx(5000.0)
    assert orgs[("bolag", False)]["emissions_kg_co2e"] == pytest.approx(500.0)
    group = orgs[("kommun", True)]
    assert group["emissions_kg_co2e"] == pytest.approx(500.0)
    assert group["intra_group_spend_sek"] == Decimal("100000.00") and group["n_organisations"] == 2
    assert group["organisation_name"] == "Kommun (koncern)"
    totals = marts.read(con, "run_totals", result.run_id)[0]
    assert totals["total_emissions_kg_co2e"] == pytest.approx(5500.0)
    assert totals["group_emissions_kg_co2e"] == pytest.approx(500.0)


def test_unit_levels_committee_department_cost_centre(con):
    """emissions_by_unit sums the same lines at three levels."""
    seed_engine_reference(con)
    add_org(con, "org")
    add_batch(con, 1)
    add_lines(con, 1, [
        dict(source_row=2, account="4610", amount=1000, committee="SN", department="SOF", cost_centre="31010"),
        dict(source_row=3, account="4610", amount=2000, committee="SN", department="SOF", cost_centre="31020"),
        dict(source_row=4, account="4610", amount=4000, committee="SN", department="VOF", cost_centre="41010")])
    result = marts.read(con, "emissions_by_unit", runs.compute_run(
        con, 2024, factors="test@1.0", mapping="map@1.0").run_id)
    by = {(r["unit_level"], r["committee"], r["department"], r["cost_centre"]): r["emissions_kg_co2e"] for r in result}
    assert by[("committee", "SN", None, None)] == pytest.approx(350.0)
    assert by[("department", "SN", "SOF", None)] == pytest.approx(150.0)
    assert by[("cost_centre", "SN", "SOF", "31020")] == pytest.approx(100.0)
    assert len(by) == 1 + 2 + 3


def test_published_run_is_frozen_and_a_change_is_detected(con):
    seed_reference(con)
    seed_ledger(con)
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    runs.publish_run(con, result.run_id)
    stored = con.execute("select results_checksum from run where run_id = ?", [result.run_id]).fetchone()[0]
    # 590 kg of the worked example deflated in SEK (default convention): 590 x 100 / 110 = 536.364 kg
    assert stored.startswith("6:63300.00:536.364:")
    assert not store_models.run_checks(con)["assert_published_runs_unchanged"]
    con.execute("update run_line set emissions_kg_co2e = emissions_kg_co2e + 1 where run_id = ? "
                "and source_row = 2", [result.run_id])
    failures = store_models.run_checks(con)["assert_published_runs_unchanged"]
    assert failures and failures[0][0] == result.run_id
    with pytest.raises(KlimatspendError, match="assert_published_runs_unchanged"):
        runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0",
                              settings=runs.RunSettings(use_margins=False))


def test_a_run_checks_the_published_runs_of_its_year_and_verify_checks_them_all(con):
    """A run checks only the published runs of its own year, the ones it could touch (so its cost does not grow
    with every year published before it); verify_published_runs (`klimatspend run --verify`) checks them all."""
    seed_reference(con)
    seed_ledger(con)
    con.execute("insert into ledger_line (batch_id, source_row, organisation_id, fiscal_year, period, account, "
                "department, amount, currency) values (1, 8, 'org', 2022, '2022-03', '4610', 'A', 100.00, 'SEK')")
    first = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    runs.publish_run(con, first.run_id)
    assert [(r["run_id"], r["year"], r["unchanged"]) for r in runs.verify_published_runs(con)] == \
        [(first.run_id, 2024, True)]
    con.execute("update run_line set emissions_kg_co2e = emissions_kg_co2e + 1 where run_id = ? "
                "and source_row = 2", [first.run_id])
    other = runs.compute_run(con, 2022, factors="test@1.0", mapping="map@1.0")   # another year: it does not fail
    runs.publish_run(con, other.run_id)
    assert [(r["run_id"], r["unchanged"]) for r in runs.verify_published_runs(con)] == \
        [(first.run_id, False), (other.run_id, True)]
    with pytest.raises(KlimatspendError, match="assert_published_runs_unchanged"):
        runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0",
                         settings=runs.RunSettings(use_margins=False))


def test_each_decision_is_stored_once_and_every_line_reads_as_computed(con):
    """Seven lines, six decisions: a line of account 4610 in department A is added to the six, and it shares
    rule, factor and adjustments with row 2; the two food lines (6461, A and B) differ by department, so they
    do not. The view line_emission gives every column of every line exactly as the line model computed it."""
    seed_reference(con)
    seed_ledger(con)
    con.execute("insert into ledger_line (batch_id, source_row, organisation_id, fiscal_year, period, account, "
                "department, amount, currency) values (1, 8, 'org', 2024, '2024-05', '4610', 'A', 40.00, 'SEK')")
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    n_lines, n_decisions = con.execute(
        "select (select count(*) from run_line where run_id = $r), (select count(*) from run_decision "
        "where run_id = $r)", {"r": result.run_id}).fetchone()
    assert (n_lines, n_decisions) == (7, 6)        # rows 2 and 8: account 4610, department A, one decision
    cols = ", ".join(c for c, *_ in con.execute("describe line_emission").fetchall() if c != "run_id")
    stored = con.execute(f"select {cols} from line_emission where run_id = ? order by source_row",
                         [result.run_id]).fetchall()
    computed = con.execute(f"select {cols} from int_line__emissions order by source_row").fetchall()
    assert stored == computed and len(stored) == 7


def test_runs_stored_wide_before_0050_stay_readable_and_verifiable(con):
    """A run published before migration 0050 kept its lines in the wide table: the view reads them the same,
    and its stored checksum still verifies."""
    seed_reference(con)
    seed_ledger(con)
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    runs.publish_run(con, result.run_id)
    before = con.execute("select * from line_emission order by source_row").fetchall()
    departments = marts.read(con, "emissions_by_department", result.run_id, order_by="department")
    con.execute("insert into line_emission_wide select * from line_emission where run_id = ?", [result.run_id])
    con.execute("delete from run_line")
    con.execute("delete from run_line_sum")      # a wide run has no narrow lines, so no stored sums (0085)
    con.execute("delete from run_decision")
    assert con.execute("select * from line_emission order by source_row").fetchall() == before
    assert not store_models.run_checks(con)["assert_published_runs_unchanged"]
    # the marts that read the lines summed per decision (run_line_total) sum the wide rows the same way
    assert marts.read(con, "emissions_by_department", result.run_id, order_by="department") == departments


def test_measures_over_decision_sums_equal_the_measures_over_lines(con):
    """total_measures over run_line_total (the lines summed per organisation and decision) gives what line_measures
    gives over the lines, per department: spend to the öre, line counts, the weighted data quality, emissions.
    A credit note (row 9, -500 SEK on account 4610 in department A) shares row 2's decision: the sums net it, and
    the absolute spend weighs that decision's data quality (4, an account group) with 10,000 + 500 SEK, as line by
    line: department A = (4 x 10,500 + 3 x 2,500 for food) / 13,000 = 3.8077."""
    seed_reference(con)
    seed_ledger(con)
    con.execute("insert into ledger_line (batch_id, source_row, organisation_id, fiscal_year, period, account, "
                "department, amount, currency) values (1, 9, 'org', 2024, '2024-06', '4610', 'A', -500.00, 'SEK')")
    run_id = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0").run_id
    by_lines = con.execute("""select organisation_id, department, line_measures(l, true) as m from line_emission as l
                              where run_id = ? group by all order by all""", [run_id]).fetchall()
    by_sums = con.execute("""select organisation_id, department, total_measures(t, true) as m from run_line_total as t
                             where run_id = ? group by all order by all""", [run_id]).fetchall()
    assert len(by_lines) == len(by_sums) == 2
    assert by_sums[0][2]["dq_score_weighted"] == pytest.approx(49500 / 13000)
    assert by_sums[0][2]["spend_sek"] == Decimal("12000.00") and by_sums[0][2]["n_lines"] == 4
    for (org, dep, m), (org2, dep2, m2) in zip(by_lines, by_sums):
        assert (org, dep) == (org2, dep2)
        assert m.keys() == m2.keys()
        for key in m:
            assert m2[key] == pytest.approx(m[key]), key
            assert type(m2[key]) is type(m[key]), key


def test_runs_stored_before_0075_get_their_organisation_and_stay_verifiable(tmp_path):
    """A run stored between migrations 0050 and 0075 has no organisation on its lines: 0075 fills it in from the
    ledger line, the narrow view run_line_emission reads every line as line_emission does, and the published
    run's checksum (read through the narrow view since 0075) still verifies."""
    from pipeline import store
    path = tmp_path / "before_0075.duckdb"
    con = store.connect(path)
    seed_reference(con)
    seed_ledger(con)
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    runs.publish_run(con, result.run_id)
    departments = marts.read(con, "emissions_by_department", result.run_id, order_by="department")
    # the database as 0074 left it: run_line without the column, 0075 not applied
    con.execute("drop view run_line_emission")
    con.execute("drop view run_line_total")
    con.execute("alter table run_line drop column organisation_id")
    con.execute("delete from schema_migration where migration_id = 75")
    con.close()
    con = store.connect(path)
    assert con.execute("select count(*) from run_line where organisation_id = 'org'").fetchone()[0] == 6
    cols = ", ".join(c for c, *_ in con.execute("describe run_line_emission").fetchall())
    assert con.execute(f"select {cols} from run_line_emission order by source_row").fetchall() == \
        con.execute(f"select {cols} from line_emission order by source_row").fetchall()
    assert not store_models.run_checks(con)["assert_published_runs_unchanged"]
    assert marts.read(con, "emissions_by_department", result.run_id, order_by="department") == departments
    con.close()


def test_run_stores_its_sums_and_a_changed_sum_is_caught(con):
    """A run stores its lines summed per organisation and decision (run_line_sum, read by the marts through
    run_line_total): one row per decision of the worked example, equal to the lines. A stored sum that no longer
    matches its lines fails the run's check; for a published run, the verification says changed."""
    seed_reference(con)
    seed_ledger(con)
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    sums = con.execute("select count(*), sum(n_lines), sum(amount_sek) from run_line_sum where run_id = ?",
                       [result.run_id]).fetchone()
    decisions = con.execute("select count(distinct decision_id) from run_line where run_id = ?",
                            [result.run_id]).fetchone()[0]
    assert sums == (decisions, 6, Decimal("63300.00"))
    totals = marts.read(con, "run_totals", result.run_id)[0]
    line_total = con.execute("select sum(emissions_kg_co2e) from run_line where run_id = ?", [result.run_id]).fetchone()[0]
    assert totals["n_lines"] == 6 and totals["total_emissions_kg_co2e"] == pytest.approx(line_total)
    runs.publish_run(con, result.run_id)
    assert [r["unchanged"] for r in runs.verify_published_runs(con)] == [True]
    con.execute("update run_line_sum set emissions_kg_co2e = emissions_kg_co2e + 1 "
                "where run_id = ? and emissions_kg_co2e > 0", [result.run_id])
    failures = {k: v for k, v in store_models.run_checks(con).items() if v}
    assert "assert_line_sums_equal_lines" in failures and "assert_published_runs_unchanged" in failures
    assert [r["unchanged"] for r in runs.verify_published_runs(con)] == [False]


def test_runs_stored_before_0085_get_their_sums(tmp_path):
    """0085 stores the sums of every run stored before it, from its lines: the marts read from them are what they
    were, and a published run still verifies."""
    from pipeline import store
    path = tmp_path / "before_0085.duckdb"
    con = store.connect(path)
    seed_reference(con)
    seed_ledger(con)
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    runs.publish_run(con, result.run_id)
    read = {name: marts.read(con, name, result.run_id, order_by=order) for name, order in (
        ("run_totals", None), ("emissions_by_department", "department"), ("emissions_by_category", "category_id"),
        ("spend_coverage", "rule_level"), ("emissions_by_organisation", "organisation_id"))}
    # the database as 0084 left it: no stored sums, 0085 not applied
    con.execute("drop view run_line_total")
    con.execute("drop table run_line_sum")
    con.execute("delete from schema_migration where migration_id = 85")
    con.close()
    con = store.connect(path)
    assert con.execute("select sum(n_lines) from run_line_sum").fetchone()[0] == 6
    for (name, order), rows in zip((("run_totals", None), ("emissions_by_department", "department"),
                                    ("emissions_by_category", "category_id"), ("spend_coverage", "rule_level"),
                                    ("emissions_by_organisation", "organisation_id")), read.values()):
        assert marts.read(con, name, result.run_id, order_by=order) == rows, name
    assert [r["unchanged"] for r in runs.verify_published_runs(con)] == [True]
    con.close()


def test_runs_stored_before_0084_get_their_units_and_months(tmp_path):
    """Since 0084 the months and units of a run come from run_line (period, committee, cost centre copied from the
    ledger line at compute time), not from a join with every ledger line. A run stored before 0084 gets the three
    fields from its ledger lines: its unit and month marts are what they were, and the published run verifies."""
    from pipeline import store
    path = tmp_path / "before_0084.duckdb"
    con = store.connect(path)
    seed_reference(con)
    seed_ledger(con)
    con.execute("update ledger_line set committee = 'Nämnd ' || department, "
                "cost_centre = case when source_row % 2 = 0 then '100' end")
    result = runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
    runs.publish_run(con, result.run_id)
    order = "unit_level, committee, department, cost_centre"
    units = marts.read(con, "emissions_by_unit", result.run_id, order_by=order)
    months = marts.read(con, "emissions_by_month", result.run_id, order_by="period")
    assert [(u["unit_level"], u["committee"], u["cost_centre"]) for u in units if u["department"] == "A"] == [
        ("cost_centre", "Nämnd A", "(inget ansvar)"), ("cost_centre", "Nämnd A", "100"), ("department", "Nämnd A", None)]
    assert [m["period"] for m in months] == ["2024-03", "2024-04"]
    # the database as 0083 left it: run_line without the three columns, 0084 not applied
    con.execute("drop view run_line_emission")
    for column in ("period", "committee", "cost_centre"):
        con.execute(f"alter table run_line drop column {column}")
    con.execute("delete from schema_migration where migration_id = 84")
    con.close()
    con = store.connect(path)
    assert con.execute("select count(*) from run_line where period is not null and committee like 'Nämnd %'"
                       ).fetchone()[0] == 6
    assert marts.read(con, "emissions_by_unit", result.run_id, order_by=order) == units
    assert marts.read(con, "emissions_by_month", result.run_id, order_by="period") == months
    cols = ", ".join(c for c, *_ in con.execute("describe run_line_emission").fetchall())
    assert con.execute(f"select {cols} from run_line_emission order by source_row").fetchall() == \
        con.execute(f"select {cols} from line_emission order by source_row").fetchall()
    assert not store_models.run_checks(con)["assert_published_runs_unchanged"]
    con.close()


def test_missing_rates_are_named_before_computing(con):
    seed_reference(con)
    seed_ledger(con)
    con.execute("delete from price_index where country_code = 'USA' and year = 2024")
    with pytest.raises(DataError, match=r"missing consumer price index of USA for 2024"):
        runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0",
                         settings=runs.RunSettings(inflation_convention="factor_currency"))
    # the default convention deflates with the ledger country's index instead
    con.execute("delete from price_index where country_code = 'SWE' and year = 2024")
    with pytest.raises(DataError, match=r"missing consumer price index of SWE for 2024"):
        runs.compute_run(con, 2024, factors="test@1.0", mapping="map@1.0")
