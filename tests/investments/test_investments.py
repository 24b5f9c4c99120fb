"""Tests for pipeline.investments: register, green share, capital goods, abatement vs gap, green loans, carbon fee."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from pipeline import store
from pipeline.budget import definitions
from pipeline.budget import store as budget_store
from pipeline.tables import InputValidationError
from pipeline.cli import main
from pipeline.investments import ensure_taxonomy
from pipeline.investments import outputs, plan
from tests.helpers.paths import FIXTURES

FIX = FIXTURES / "budget"


@pytest.fixture
def db(tmp_path, seeded_db_file):
    path = tmp_path / "k.duckdb"
    shutil.copy(seeded_db_file, path)
    con = store.connect(path)
    budget_store.save_definition(con, definitions.load_definition(FIX / "budget.toml"), source_file="budget.toml")
    ensure_taxonomy(con)
    ids = {c["category_id"] for c in plan.taxonomy(con)}
    plan.save_plan(con, plan.read_plan(FIX / "investment_plan.csv", ids))
    yield con, path
    con.close()


def test_taxonomy_has_the_framework_categories():
    cats = {c["category_id"]: c for c in plan.taxonomy()}
    assert set(cats) == {"renewable_energy", "energy_efficiency", "green_buildings", "clean_transport",
                         "water_wastewater", "waste_circularity", "climate_adaptation", "biodiversity"}
    assert all(c["eligibility_sv"] and c["eligibility_en"] for c in cats.values())


def test_register_joins_plan_bookings_and_classification(db):
    """P1 booked 500,000 SEK in 2024 (15 t capital goods) and 1,000,000 SEK in 2025 (30 t); P2 5,000,000 SEK in 2025
    (150 t); P5 has no classification (a decision is still needed)."""
    con, _ = db
    reg = {(r["project_id"], r["year"]): r for r in outputs.register(con)}
    assert reg[("P1", 2024)]["booked_sek"] == pytest.approx(500_000)
    assert reg[("P1", 2024)]["capital_goods_t_co2e"] == pytest.approx(15)
    assert reg[("P1", 2025)]["capital_goods_t_co2e"] == pytest.approx(30)
    assert reg[("P2", 2025)]["capital_goods_t_co2e"] == pytest.approx(150)
    assert reg[("P2", 2025)]["green_category"] == "green_buildings"
    assert reg[("P2", 2025)]["decided_by"] == "Ekonomichef Per" and reg[("P2", 2025)]["decided_at"] == "2024-03-15"
    assert reg[("P3", 2026)]["green_category"] == "not_green" and reg[("P3", 2026)]["is_green"] is False
    assert reg[("P5", 2026)]["green_category"] is None and reg[("P5", 2026)]["is_green"] is None
    assert reg[("P2", 2026)]["booked_sek"] is None


def test_green_share_worked_example(db):
    """Planned: 2024 0.5/0.5 = 100 %; 2025 (1.0 + 5.0) / 6.0 = 100 %; 2026 (P2 4.0 + P4 1.0) / 8.5 = 58.82 %,
    unclassified P5 0.5 / 8.5 = 5.88 %. Per department 2026: A (4.0 green, 0.5 unclassified) 4.0 / 4.5 = 88.9 %,
    B (3.0 not green, 1.0 green) 1.0 / 4.0 = 25 %."""
    con, _ = db
    gs = outputs.green_share(outputs.register(con))
    years = {r["year"]: r for r in gs["by_year"]}
    assert years[2024]["planned_green_share"] == pytest.approx(1.0)
    assert years[2025]["booked_green_share"] == pytest.approx(1.0)
    assert years[2026]["planned_green_share"] == pytest.approx(5.0 / 8.5)
    assert years[2026]["planned_unclassified_share"] == pytest.approx(0.5 / 8.5)
    depts = {(r["year"], r["department"]): r for r in gs["by_department"]}
    assert depts[(2026, "A")]["planned_green_share"] == pytest.approx(4.0 / 4.5)
    assert depts[(2026, "B")]["planned_green_share"] == pytest.approx(0.25)
    assert gs["unclassified_projects"] == ["P5"]


def test_capital_goods_booked_and_estimated(db):
    """Booked 2024: 15 t; 2025: 30 + 150 = 180 t on 6,000,000 SEK -> 0.03 kg/SEK; 2026 (no bookings) estimated
    8,500,000 × 0.03 / 1,000 = 255 t (P4 transport and P5 goods have no capital-goods data of their own: all-category
    intensity)."""
    con, _ = db
    cg = outputs.capital_goods(con, outputs.register(con))
    years = {r["year"]: r for r in cg["by_year"]}
    assert years[2024]["booked_t_co2e"] == pytest.approx(15)
    assert years[2025]["booked_t_co2e"] == pytest.approx(180)
    assert years[2026]["estimated_t_co2e"] == pytest.approx(255)
    assert cg["intensity_kg_co2e_per_sek"]["all"] == pytest.approx(0.03)
    assert cg["intensity_year"] == 2025


def test_abatement_against_gap_worked_example(db):
    """Kommun trend â(y) = 400 − 50 (y − 2025); budget b(y) = 500 × 0.84^(y − 2023).
    2026: gap 350 − 296.352 = 53.648; P1 avoids 20 -> 33.648 left.
    2027: gap 300 − 248.93568 = 51.06432; P1 20 + P2 30 + P4 15 = 65 -> −13.94: closed, and stays closed
    (2030: 150 − 147.545 = 2.455 against 65). With measures (M1 40 from 2026, M2 10 from 2027): 2026 −6.35: closed
    from 2026."""
    con, _ = db
    g = outputs.abatement_gap(con, 2025, outputs.register(con))
    rows = {r["year"]: r for r in g["rows"]}
    assert rows[2026]["gap_t"] == pytest.approx(53.648)
    assert rows[2026]["abatement_t"] == pytest.approx(20)
    assert rows[2026]["remaining_gap_t"] == pytest.approx(33.648)
    assert rows[2027]["abatement_t"] == pytest.approx(65)
    assert rows[2027]["remaining_gap_t"] == pytest.approx(51.06432 - 65)
    assert rows[2030]["gap_t"] == pytest.approx(150 - 500 * 0.84 ** 7)
    assert g["closes_from"] == 2027
    assert rows[2026]["measures_t"] == 40
    assert g["closes_from_with_measures"] == 2026


def test_green_loans_impact(db):
    """P1: 1.5 MSEK all green loan, 20 t/yr -> 20 t/yr attributed, 13.33 t per MSEK.
    P2: 9.0 MSEK, green loan 4.0 (0.4444): 30 × 0.4444 = 13.33 t/yr, 3.33 t per MSEK.
    Total 5.5 MSEK, 33.33 t/yr, 6.06 t per MSEK."""
    con, _ = db
    gl = outputs.green_loans(outputs.register(con), con)
    p = {x["project_id"]: x for x in gl["projects"]}
    assert set(p) == {"P1", "P2"}
    assert p["P1"]["t_co2e_per_msek_financed"] == pytest.approx(20 / 1.5)
    assert p["P2"]["financed_share"] == pytest.approx(4 / 9)
    assert p["P2"]["attributed_reduction_t_per_year"] == pytest.approx(30 * 4 / 9)
    assert gl["total_green_loan_sek"] == pytest.approx(5_500_000)
    assert gl["total_attributed_reduction_t_per_year"] == pytest.approx(20 + 30 * 4 / 9)
    assert gl["t_co2e_per_msek_financed"] == pytest.approx((20 + 30 * 4 / 9) / 5.5)
    assert p["P2"]["green_category_en"] == "Green buildings"


def test_carbon_fee_worked_example(db):
    """1.5 SEK/kg (from the definition) in 2025: A 260,000 kg -> 390,000 SEK; B 150,000; C 60,000; X (bostad) 95,000 kg
    -> 142,500. Total 742,500 SEK. Only construction_property at 1 SEK/kg: A 150,000, C 30,000 SEK.
    Green investments planned for 2026: P2 4.0 + P4 1.0 = 5.0 MSEK; the 2025 fee pays 742,500 / 5,000,000 = 14.85 %."""
    con, _ = db
    f = outputs.carbon_fee(con, 2025)
    fees = {(r["organisation_id"], r["department"]): r["fee_sek"] for r in f["departments"]}
    assert fees == pytest.approx({("kommun", "A"): 390_000, ("kommun", "B"): 150_000, ("kommun", "C"): 60_000,
                                  ("bostad", "X"): 142_500})
    assert f["total_fee_sek"] == pytest.approx(742_500)
    assert f["fund"] == "Klimatfonden: gröna investeringar"
    assert f["share_of_next_year_green_investments"] == pytest.approx(742_500 / 5_000_000)
    only = outputs.carbon_fee(con, 2025, price=1.0, categories=["construction_property"])
    fees = {(r["organisation_id"], r["department"]): r["fee_sek"] for r in only["departments"]}
    assert fees[("kommun", "A")] == pytest.approx(150_000) and fees[("kommun", "C")] == pytest.approx(30_000)
    assert fees[("kommun", "B")] == 0


def test_classify_records_who_and_when(db):
    con, _ = db
    plan.classify(con, "P5", "renewable_energy", "Kommunstyrelsen", rationale="Solcellsreserv")
    reg = {(r["project_id"], r["year"]): r for r in outputs.register(con)}
    assert reg[("P5", 2026)]["green_category"] == "renewable_energy"
    assert reg[("P5", 2026)]["decided_by"] == "Kommunstyrelsen"
    history = con.execute("select count(*) from green_classification where project_id = 'P5'").fetchone()[0]
    assert history == 1
    plan.classify(con, "P5", "not_green", "Kommunstyrelsen")
    assert con.execute("select count(*) from green_classification where project_id = 'P5' and is_current").fetchone()[0] == 1
    with pytest.raises(Exception, match="not a green category"):
        plan.classify(con, "P5", "solar", "X")
    with pytest.raises(Exception, match="project 'P9': not in the investment plan"):
        plan.classify(con, "P9", "not_green", "X")


def test_plan_errors_like_a_ledger(tmp_path):
    (tmp_path / "plan.csv").write_text(
        "Projekt;Projektnamn;År;Belopp;Grön kategori;Beslutad av;Beslutsdatum;Finansiering;Grönt lån SEK\n"
        "X1;Sol;2026;1 000 000;solar;Eva;2025-01-01;own;\n"
        "X2;Bro;2026;2 000 000;not_green;Per;2025-01-01;green_loan;\n"
        "X3;Hus;2026;tre miljoner;green_buildings;;;own;\n"
        "X4;Väg;2026;100;;;;loan;500\n"
        "X5;Skola;2026;100;green_buildings;Eva;2025-01-01;own;\n"
        "X5;Skola nu;2027;100;green_buildings;Eva;2025-01-01;own;\n", encoding="utf-8")
    with pytest.raises(InputValidationError) as exc:
        plan.read_plan(tmp_path / "plan.csv", {c["category_id"] for c in plan.taxonomy()})
    messages = [str(p) for p in exc.value.problems]
    assert any(m.startswith('plan.csv: row 2, column "Grön kategori": value "solar" is not a green category') for m in messages)
    assert 'plan.csv: row 3, column "Finansiering": value "green_loan" is green_loan but the project is not ' \
           'classified green (constraint-error)' in messages
    assert 'plan.csv: row 4, column "Belopp": value "tre miljoner" is not a number (type-error)' in messages
    assert 'plan.csv: row 5, column "Grönt lån SEK": value "500" is more than the amount 100 (constraint-error)' \
        in messages
    assert 'plan.csv: row 7, column "Projektnamn": value "Skola nu" differs from row 6 of project X5 (Skola); a ' \
           "project's name is the same on every row (constraint-error)" in messages


def test_plan_missing_who_decided(tmp_path):
    (tmp_path / "p.csv").write_text("project_id,name,year,amount_sek,green_category\nA,Sol,2026,10,renewable_energy\n",
                                    encoding="utf-8")
    with pytest.raises(InputValidationError, match='row 2, column "classified_by": value "" is empty; a classification '
                                                   'needs who decided'):
        plan.read_plan(tmp_path / "p.csv", {"renewable_energy"})


def test_cli_show_fee_and_register(db, capsys):
    con, path = db
    con.close()
    assert main(["investments", "show", "--year", "2025", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "58.8 %" in out
    assert "the investment plan closes the gap from 2027" in out
    assert "to classify: P5" in out
    assert main(["investments", "fee", "--year", "2025", "--db", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_fee_sek"] == pytest.approx(742_500)
    assert main(["investments", "fee", "--year", "2025", "--db", str(path)]) == 0
    assert "the fund goes to: Klimatfonden" in capsys.readouterr().out
    assert main(["investments", "register", "--year", "2026", "--db", str(path), "--json"]) == 0
    assert {r["project_id"] for r in json.loads(capsys.readouterr().out)} == {"P2", "P3", "P4", "P5"}
    assert main(["investments", "classify", "P5", "--category", "not_green", "--by", "KS", "--date", "2026-02-01",
                 "--db", str(path)]) == 0
    assert "project P5: not_green (decided by KS on 2026-02-01)" in capsys.readouterr().out
    assert main(["investments", "taxonomy", "--db", str(path)]) == 0
    assert "green_buildings: Green buildings" in capsys.readouterr().out


def test_cli_check_and_import(tmp_path, capsys):
    path = tmp_path / "k.duckdb"
    assert main(["investments", "check", str(FIX / "investment_plan.csv")]) == 0
    assert "5 project(s), 7 row(s); valid; 1 not yet classified (P5)" in capsys.readouterr().out
    assert main(["investments", "import", str(FIX / "investment_plan.csv"), "--db", str(path)]) == 0
    assert "5 project(s), 7 row(s) imported; 4 classified, 1 to classify" in capsys.readouterr().out
    (tmp_path / "bad.csv").write_text("project_id,name,year,amount_sek\nA,x,20x6,1\n", encoding="utf-8")
    assert main(["investments", "check", str(tmp_path / "bad.csv")]) == 1
    assert 'bad.csv: row 2, column "year": value "20x6" is not a year (type-error)' in capsys.readouterr().err


def test_reimport_keeps_a_later_decision(db):
    """P3 was 'not green' in the plan (2024-03-15); a later decision (2026-01-20) survives re-importing the plan."""
    con, _ = db
    plan.classify(con, "P3", "climate_adaptation", "Kommunstyrelsen", date(2026, 1, 20), "Bron byggs som skyfallsled")
    ids = {c["category_id"] for c in plan.taxonomy(con)}
    plan.save_plan(con, plan.read_plan(FIX / "investment_plan.csv", ids))
    current = con.execute("select green_category_id, decided_by from green_classification "
                          "where project_id = 'P3' and is_current").fetchall()
    assert current == [("climate_adaptation", "Kommunstyrelsen")]


def test_template_has_every_plan_column(tmp_path, capsys):
    assert main(["investments", "template", str(tmp_path / "plan.csv")]) == 0
    header = (tmp_path / "plan.csv").read_text(encoding="utf-8").strip().split(",")
    assert header == [c.name for c in plan.PLAN_COLUMNS]
    assert main(["investments", "template", str(tmp_path / "plan.csv")]) == 2
