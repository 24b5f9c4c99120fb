"""Tests for pipeline.engine.pricing and the pricing models: factor set by country, worked examples of the Swedish
EXIOBASE and the UK Defra sets with the shipped rates and price indices, the rule -> factor precedence, the
sensitivity per category, ranges widened by the spread between sets, energy estimates, and the exchange-rate noise
the default convention removes."""

from __future__ import annotations

import math

import pytest

from pipeline.engine import marts, runs
from pipeline.errors import UsageError
from pipeline.factors import load_reference_data
from pipeline.organisations import set_organisation
from tests.helpers.engine_seed import add_batch, add_lines

# CPI (2022 = 100) and ECB annual means from emission_factors/ (World Bank, ECB), as the worked examples use them.
CPI_SWE = {2011: 83.7374, 2021: 92.2771, 2022: 100.0, 2024: 111.6269}
CPI_GBR = {2023: 106.7940, 2025: 112.4936}
SEK_PER_EUR = {2011: 9.029845, 2021: 10.146463, 2022: 10.629575}
USD_PER_EUR = {2021: 1.182740, 2022: 1.053049}
CPI_USA = {2021: 92.5902, 2022: 100.0}
SE_HEALTH = 0.0565973          # EXIOBASE 3.4, SE, p85 Health and social work services, kg CO2e per EUR of 2011
USEEIO_PHYSICIANS = 0.083      # USEEIO 621111, kg CO2e per USD of 2022 (purchaser price)
SE_HYDRO = 0.159373            # EXIOBASE 3.4, SE, p40.11.d Electricity by hydro
SE_DIESEL = 1.25433            # EXIOBASE 3.4, SE, p23.20.f Gas/Diesel Oil
UK_COMPUTER_2023 = 0.0999177   # Defra/Leeds SIC 62, 2023, kg CO2e per GBP of 2023


def shipped_with_map(con) -> None:
    """Shipped reference data plus a tiny account map 'tmap' that names industries, not factor codes."""
    load_reference_data(con)
    con.execute("""insert into account_map (mapping_id, mapping_version, account_prefix, account_name, category_id,
                       factor_set_id, factor_code, industry_code, scope3_category, is_excluded, exclusion_reason) values
                   ('tmap', '1.0', '4610', 'Köpt vård', 'care_education', null, null, '86', 1, false, null),
                   ('tmap', '1.0', '6540', 'IT-tjänster', 'it_telecom', null, null, '62', 1, false, null),
                   ('tmap', '1.0', '6210', 'El', 'energy', null, null, '3511', 1, false, null),
                   ('tmap', '1.0', '6910', 'Drivmedel', 'transport', null, null, '1920', 1, false, null),
                   ('tmap', '1.0', '6460', 'Livsmedel', 'food', 'useeio', '311999', null, 1, false, null),
                   ('tmap', '1.0', '6470', 'Arbetskläder', 'goods', 'useeio', '999999', '14', 1, false, null),
                   ('tmap', '1.0', '6480', 'Okänd kod', 'goods', 'useeio', '999999', null, 1, false, null),
                   ('tmap', '1.0', '5', 'Personal', null, null, null, null, null, true, 'personnel')""")


def org(con, organisation_id: str, country: str | None, **kw) -> None:
    """An organisation with its country and the test map."""
    set_organisation(con, organisation_id, name=organisation_id.title(), country=country or "", mapping="tmap@1.0",
                     **kw)


def line(con, organisation_id: str, account: str, amount: float, *, year: int = 2024, currency: str = "SEK",
         batch: int = 1, row: int = 2) -> None:
    add_batch(con, batch, organisation_id, currency=currency)
    add_lines(con, batch, [dict(source_row=row, account=account, amount=amount, department="A", year=year,
                                period=f"{year}-03")], organisation_id, currency=currency)


def emissions(con, run_id: int, source_row: int = 2) -> dict:
    cur = con.execute("select * from line_emission where run_id = ? and source_row = ?", [run_id, source_row])
    return dict(zip([d[0] for d in cur.description], cur.fetchone()))


def test_swedish_organisation_uses_exiobase_sweden_worked_example(con):
    """A Swedish municipality buys care for 100,000.00 SEK in 2024 (account 4610 -> industry 86, health).

    Default set for country SE: EXIOBASE 3.4, region SE, p85 Health and social work = 0.0565973 kg CO2e per EUR
    of 2011 (basic prices). Default convention: deflate in SEK with Swedish CPI, then convert at 2011's rate:
        price_adjustment = CPI_SWE(2011) / CPI_SWE(2024) = 83.7374 / 111.6269 = 0.7501543
        fx_rate          = EUR per SEK in 2011 = 1 / 9.029845 = 0.1107439
        real amount      = 100,000 x 0.7501543 x 0.1107439 = 8,307.499 EUR of 2011
        emissions        = 8,307.499 x 0.0565973 = 470.182 kg CO2e
    """
    shipped_with_map(con)
    org(con, "kommun", "SE")
    line(con, "kommun", "4610", 100000.00)
    result = runs.compute_run(con, 2024)
    assert (result.factor_set_id, result.factor_set_version) == ("exiobase", "3.4.0")
    assert result.settings["factor_region"] == "SE" and result.settings["price_year"] == 2011
    assert result.settings["inflation_convention"] == "ledger_currency_first"
    e = emissions(con, result.run_id)
    assert e["factor_code"] == "p85" and e["factor_value"] == pytest.approx(SE_HEALTH)
    assert e["price_adjustment"] == pytest.approx(CPI_SWE[2011] / CPI_SWE[2024])
    assert e["fx_rate"] == pytest.approx(1 / SEK_PER_EUR[2011])
    assert e["real_amount"] == pytest.approx(8307.499, abs=1e-3)
    assert e["emissions_kg_co2e"] == pytest.approx(470.182, abs=1e-3)
    assert e["industry_code"] == "86" and e["rule_level"] == "account"


def test_uk_organisation_uses_defra_nearest_year_worked_example(con):
    """A UK council pays 10,000.00 GBP for IT consultancy in 2025 (account 6540 -> industry 62).

    Default set for country GB: Defra/Leeds, factor per year 2015-2023; 2025 has none, so the nearest year's
    (2023) is used and the run says so. SIC 62 in 2023 = 0.0999177 kg CO2e per GBP of 2023:
        price_adjustment = CPI_GBR(2023) / CPI_GBR(2025) = 106.7940 / 112.4936 = 0.9493340
        fx_rate          = GBP per GBP = 1
        emissions        = 10,000 x 0.9493340 x 0.0999177 = 948.553 kg CO2e
    """
    shipped_with_map(con)
    org(con, "council", "GB")
    line(con, "council", "6540", 10000.00, year=2025, currency="GBP")
    result = runs.compute_run(con, 2025)
    assert result.factor_set_id == "defra_sic" and result.settings["factor_year"] == 2023
    assert result.settings["factor_notes"] == ["factors of 2023 for spend of 2025 (nearest year with factors)"]
    e = emissions(con, result.run_id)
    assert (e["factor_code"], e["fx_rate"]) == ("62", pytest.approx(1.0))
    assert e["factor_value"] == pytest.approx(UK_COMPUTER_2023)
    assert e["price_adjustment"] == pytest.approx(CPI_GBR[2023] / CPI_GBR[2025])
    assert e["emissions_kg_co2e"] == pytest.approx(948.553, abs=1e-3)


def test_defra_uses_the_spend_years_factor_where_it_exists(con):
    shipped_with_map(con)
    org(con, "council", "GB")
    line(con, "council", "6540", 1000.00, year=2022, currency="GBP")
    result = runs.compute_run(con, 2022)
    assert result.settings["factor_year"] == 2022 and result.settings["factor_notes"] == []
    e = emissions(con, result.run_id)
    assert e["price_adjustment"] == pytest.approx(1.0) and e["factor_value"] == pytest.approx(0.110929)


def test_country_chooses_the_set_and_settings_or_options_override_it(con):
    shipped_with_map(con)
    org(con, "kommun", "SE")
    org(con, "nowhere", None)
    line(con, "kommun", "4610", 1000.00, batch=1)
    line(con, "nowhere", "4610", 1000.00, batch=2)
    assert runs.compute_run(con, 2024, organisation_id="nowhere").factor_set_id == "useeio"
    with pytest.raises(UsageError, match=r"different factor sets \(kommun: exiobase, nowhere: useeio\); compute each "
                                         r"with --org ID, or give one set with --factors SET"):
        runs.compute_run(con, 2024)
    assert runs.compute_run(con, 2024, factors="useeio").factor_set_id == "useeio"
    set_organisation(con, "kommun", factor_set="useeio")
    assert runs.compute_run(con, 2024, organisation_id="kommun").factor_set_id == "useeio"
    set_organisation(con, "kommun", factor_set="", factor_region="DK")
    result = runs.compute_run(con, 2024, organisation_id="kommun")
    assert (result.factor_set_id, result.settings["factor_region"]) == ("exiobase", "DK")
    with pytest.raises(UsageError, match="--region XX: exiobase@3.4.0 has no such region"):
        runs.compute_run(con, 2024, organisation_id="kommun", region="XX")


def test_rule_precedence_own_code_industry_bridge(con):
    """Which factor a rule gets in the run's set (docs/method.md):
    6460 names useeio 311999 and no industry: under USEEIO its own code; under EXIOBASE its code is bridged
         (NAICS 31 -> NACE 10) to the crosswalk's p15.i Food products nec; both record industry 10 (the bridged
         industry prices the line in the other set of the sensitivity);
    6470 names useeio 999999 (not in the set) and industry 14: under USEEIO the missing own code gives way to the
         industry (14 -> 315990), under EXIOBASE the industry gives p18 Wearing apparel;
    6480 names useeio 999999 and no industry: under USEEIO a code of the run's own set that it lacks is not
         bridged, so the line is unmapped ('factor-missing' reported); under EXIOBASE the bridge finds no NAICS
         999 sector either: unmapped.
    """
    shipped_with_map(con)
    org(con, "kommun", "SE")
    add_batch(con, 1, "kommun")
    add_lines(con, 1, [dict(source_row=2, account="6460", amount=100), dict(source_row=3, account="6470", amount=100),
                       dict(source_row=4, account="6480", amount=100)], "kommun")
    exio = runs.compute_run(con, 2024)
    useeio = runs.compute_run(con, 2024, factors="useeio")
    got = {(r[0], r[1]): r[2:] for r in con.execute(
        "select run_id, source_row, factor_code, rule_level, industry_code from line_emission order by 1, 2").fetchall()}
    assert got[(useeio.run_id, 2)] == ("311999", "account", "10")
    assert got[(exio.run_id, 2)] == ("p15.i", "account", "10")
    assert got[(useeio.run_id, 3)] == ("315990", "account", "14")
    assert got[(exio.run_id, 3)] == ("p18", "account", "14")
    assert got[(useeio.run_id, 4)][:2] == (None, "unmapped")
    assert got[(exio.run_id, 4)][:2] == (None, "unmapped")


def test_sensitivity_and_range_worked_example(con):
    """The Swedish line of the first worked example (470.182 kg with EXIOBASE), priced again with US EPA:
    industry 86 -> USEEIO 621111 Offices of physicians 0.083 kg CO2e per USD of 2022; default convention:
        CPI_SWE(2022) / CPI_SWE(2024) = 100 / 111.6269 = 0.8958406; 2022 rate USD per SEK = 1.053049 / 10.629575
        = 0.0990678; 100,000 x 0.8958406 x 0.0990678 x 0.083 = 736.617 kg -> "with US EPA factors the same
        purchases give 0.74 t". The ratio r = 736.617 / 470.182 = 1.566664.
    Range (docs/method.md section 6): EXIOBASE +-40 %, account row of 4 digits = data quality 3 (+-20 %):
        s^2 = ln(1.4)^2 + ln(1.2)^2 = 0.1132138 + 0.0332412 = 0.1464550
        upper = 470.182 x exp(sqrt(0.1464550 + ln(1.566664)^2)) = 470.182 x exp(sqrt(0.1464550 + 0.2015548))
              = 470.182 x 1.803850 = 848.138 kg (above US EPA's 736.617: the range includes the other set)
        lower = 470.182 x exp(-sqrt(0.1464550)) = 470.182 x 0.682022 = 320.674 kg
    The sensitivity is stored per organisation, category and set (one row here), never per line.
    """
    shipped_with_map(con)
    org(con, "kommun", "SE")
    line(con, "kommun", "4610", 100000.00)
    result = runs.compute_run(con, 2024)
    assert [s["factor_set"] for s in result.settings["sensitivity"]] == ["useeio@1.3.0"]
    rows = marts.read(con, "sensitivity_by_category", result.run_id)
    assert len(rows) == 1 and rows[0]["category_id"] == "care_education"
    alt = 100000 * (CPI_SWE[2022] / CPI_SWE[2024]) * (USD_PER_EUR[2022] / SEK_PER_EUR[2022]) * USEEIO_PHYSICIANS
    assert alt == pytest.approx(736.617, abs=1e-3)
    assert rows[0]["emissions_kg_co2e"] == pytest.approx(alt)
    assert rows[0]["run_emissions_kg_co2e"] == pytest.approx(470.182, abs=1e-3)
    assert rows[0]["repriced_spend_sek"] == pytest.approx(100000.0) and rows[0]["kept_spend_sek"] == 0
    e = emissions(con, result.run_id)
    s2 = math.log(1.4) ** 2 + math.log(1.2) ** 2
    r = alt / e["emissions_kg_co2e"]
    assert r == pytest.approx(1.566664, abs=1e-6)
    assert e["emissions_upper_kg_co2e"] == pytest.approx(e["emissions_kg_co2e"] * math.exp(math.sqrt(s2 + math.log(r) ** 2)))
    assert e["emissions_upper_kg_co2e"] == pytest.approx(848.138, abs=1e-3)
    assert e["emissions_lower_kg_co2e"] == pytest.approx(320.674, abs=1e-3)
    assert con.execute("select count(*) from run_sensitivity where run_id = ?", [result.run_id]).fetchone()[0] == 1


def test_energy_is_estimated_flagged_and_replaced_by_activity_data(con, tmp_path):
    """Electricity (6210 -> industry 3511) and vehicle fuel (6910 -> 1920) without kWh or litres:
    electricity 10,000 SEK x 0.7501543 x 0.1107439 x 0.159373 (SE Electricity by hydro) = 132.40 kg, an estimate
    (method spend_fallback, data quality 5) in the headline; fuel 10,000 SEK x ... x 1.25433 (SE Gas/Diesel Oil)
    = 1,042.03 kg for the supply chain, with burning it (scope 1) missing. Loading 20 MWh of electricity for
    account 621 replaces the estimate exactly: 20,000 kWh x 0.023 kg/kWh (Sweden 2024) = 460 kg, not added."""
    shipped_with_map(con)
    org(con, "kommun", "SE")
    add_batch(con, 1, "kommun")
    add_lines(con, 1, [dict(source_row=2, account="6210", amount=10000), dict(source_row=3, account="6910",
                                                                               amount=10000)], "kommun")
    first = runs.compute_run(con, 2024)
    el, fuel = emissions(con, first.run_id, 2), emissions(con, first.run_id, 3)
    base = 10000 * (CPI_SWE[2011] / CPI_SWE[2024]) / SEK_PER_EUR[2011]
    assert (el["method"], el["dq_score"], el["factor_code"]) == ("spend_fallback", 5, "p40.11.d")
    assert el["emissions_kg_co2e"] == pytest.approx(base * SE_HYDRO) == pytest.approx(132.40, abs=0.01)
    assert (fuel["method"], fuel["factor_code"]) == ("spend_fallback", "p23.20.f")
    assert fuel["emissions_kg_co2e"] == pytest.approx(base * SE_DIESEL) == pytest.approx(1042.03, abs=0.01)
    estimates = {e["energy_kind"]: e for e in marts.read(con, "energy_estimates", first.run_id)}
    assert estimates["electricity"]["estimated_emissions_kg_co2e"] == pytest.approx(base * SE_HYDRO)
    assert not estimates["electricity"]["is_combustion_missing"] and estimates["fuel"]["is_combustion_missing"]
    path = tmp_path / "el.csv"
    path.write_text("år;konto;aktivitet;mängd;enhet\n2024;621;electricity_se;20;MWh\n", encoding="utf-8")
    from pipeline.ingest import activity

    activity.load_activity_file(con, path, organisation_id="kommun")
    second = runs.compute_run(con, 2024)
    el2 = emissions(con, second.run_id, 2)
    assert (el2["method"], el2["emissions_kg_co2e"]) == ("activity", pytest.approx(460.0))
    total = con.execute("select sum(emissions_kg_co2e) from line_emission where run_id = ?",
                        [second.run_id]).fetchone()[0]
    assert total == pytest.approx(460.0 + base * SE_DIESEL)
    estimates = {e["energy_kind"]: e for e in marts.read(con, "energy_estimates", second.run_id)}
    assert estimates["electricity"]["estimated_spend_sek"] == 0
    assert estimates["electricity"]["activity_spend_sek"] == pytest.approx(10000.0)


def test_the_default_convention_removes_the_dollars_swing(con):
    """The same 1,000,000 SEK bought from a US EPA priced industry in 2021 and in 2022 (shipped rates and CPI).

    factor_currency: SEK -> USD at the spend year's rate, deflated with US CPI:
        2021: 1.182740 / 10.146463 x 100 / 92.5902 = 0.1258947 USD of 2022 per SEK
        2022: 1.053049 / 10.629575 x 100 / 100     = 0.0990678
        change 0.0990678 / 0.1258947 - 1 = -21.3 %, although nothing was bought differently.
    ledger_currency_first (default): deflated with Swedish CPI to 2022, converted at 2022's rate:
        2021: 100 / 92.2771 x 0.0990678 = 0.1073589;  2022: 0.0990678
        change = 92.2771 / 100 - 1 = -7.7 %: Swedish inflation only (the same kronor buy less in 2022).
    """
    shipped_with_map(con)
    org(con, "kommun", None)
    line(con, "kommun", "6540", 1000000.00, year=2021, batch=1)
    line(con, "kommun", "6540", 1000000.00, year=2022, batch=2)

    def total(year: int, convention: str) -> float:
        r = runs.compute_run(con, year, factors="useeio",
                             settings=runs.RunSettings(inflation_convention=convention))
        return emissions(con, r.run_id)["emissions_kg_co2e"]

    dollar = total(2022, "factor_currency") / total(2021, "factor_currency") - 1
    krona = total(2022, "ledger_currency_first") / total(2021, "ledger_currency_first") - 1
    assert dollar == pytest.approx(0.0990678 / 0.1258947 - 1, abs=1e-5) == pytest.approx(-0.213, abs=1e-3)
    assert krona == pytest.approx(CPI_SWE[2021] / CPI_SWE[2022] - 1) == pytest.approx(-0.0772, abs=1e-4)
