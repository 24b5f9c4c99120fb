"""Tests for the budget follow-up on a small computed store: definitions, import, show, group, perspectives, CLI."""

from __future__ import annotations

import json
import math
import shutil

import pytest

from pipeline import store
from pipeline.budget import definitions, overview
from pipeline.budget import store as budget_store
from pipeline.tables import InputValidationError
from pipeline.cli import main
from tests.helpers.paths import FIXTURES

FIX = FIXTURES / "budget"


@pytest.fixture
def db(tmp_path, seeded_db_file):
    path = tmp_path / "k.duckdb"
    shutil.copy(seeded_db_file, path)
    con = store.connect(path)
    defn = definitions.load_definition(FIX / "budget.toml")
    budget_store.save_definition(con, defn, source_file="budget.toml")
    yield con, path
    con.close()


def test_overview_worked_example(db):
    """Kommun: −16 % from the 2023 actual 500 t: Σ b = 3,125 t; b(2025) = 352.8 t; actual 400 t.

    Cumulative 1,350 t, remaining 1,775 t, needed 400 / 2,175 = 18.39 % > 16 %: behind.
    Grandfathering on 2023: A 300/500 = 0.6, B 0.3, C 0.1.
    A: budget 2025 = 0.6 × 352.8 = 211.68, actual 260; remaining 0.6 × 3,125 − 840 = 1,035;
       needed 260 / 1,295 = 20.08 % > 16 %: behind.
    B: budget 105.84, actual 100; remaining 937.5 − 390 = 547.5; needed 100 / 647.5 = 15.44 % ≤ 16 %: on track
       (although 390 t used is above its 381.84 t to date, a constant −15.4 % keeps it within its total).
    C: budget 35.28, actual 40; remaining 312.5 − 120 = 192.5; needed 40 / 232.5 = 17.20 %: behind.
    """
    con, _ = db
    ov = overview.budget_overview(con, 2025)
    kommun = next(b for b in ov["budgets"] if b["budget_id"] == "kommun")
    fu = kommun["follow_up"]
    assert fu["budget_t"] == pytest.approx(352.8)
    assert fu["actual_t"] == pytest.approx(400)
    assert fu["total_budget_t"] == pytest.approx(3125)
    assert fu["remaining_t"] == pytest.approx(1775)
    assert fu["needed_rate"] == pytest.approx(400 / 2175)
    assert fu["plan_rate"] == pytest.approx(0.16)
    assert fu["verdict_en"] == "Behind the budget – needs −18 % a year from 2026"
    deps = {d["department"]: d for d in kommun["departments"]}
    assert sum(d["share"] for d in deps.values()) == pytest.approx(1.0)
    assert {k: d["share"] for k, d in deps.items()} == pytest.approx({"A": 0.6, "B": 0.3, "C": 0.1})
    assert deps["A"]["budget_t"] == pytest.approx(211.68)
    assert deps["A"]["remaining_t"] == pytest.approx(1035)
    assert deps["A"]["needed_rate"] == pytest.approx(260 / 1295)
    assert deps["A"]["status"] == "behind"
    assert deps["B"]["remaining_t"] == pytest.approx(547.5)
    assert deps["B"]["needed_rate"] == pytest.approx(100 / 647.5)
    assert deps["B"]["status"] == "on_track"
    assert deps["C"]["needed_rate"] == pytest.approx(40 / 232.5)
    assert deps["C"]["verdict_sv"] == "Ligger efter budgeten – kräver −17 %/år från 2026"
    # departments add up to the organisation in every year
    assert sum(d["budget_t"] for d in deps.values()) == pytest.approx(fu["budget_t"])
    assert sum(d["remaining_t"] for d in deps.values()) == pytest.approx(fu["remaining_t"])


def test_company_paris_budget_and_group(db):
    """Bostad: B = 400 t from 2023, E0 = actual 2023 = 100 t/yr: k = 0.25, r = 1 − e^(−0.25) = 22.12 %.

    Σ b to 2025 = 400 (1 − e^(−0.75)) = 211.05 t; actuals 100 + 90 + 95 = 285 t; remaining 115 t.
    Needed 95 / 210 = 45.24 %: behind. Trend 2023–2025: slope −2.5 t/yr, â(2025) = 92.5,
    f(2026) = 92.5 − 1.25 = 91.25: −1.25 τ² + 91.25 τ = 115 -> τ = (73 − √4961) / 2 = 1.28279,
    runs out 2027.28279 = 14 April 2027.
    Group: Σ b = 3,125 + 400 = 3,525 t; b(2025) = 352.8 + 400 × 0.221199 × e^(−0.5) = 352.8 + 53.667;
    actual 495 t; remaining 3,525 − 1,635 = 1,890 t.
    """
    con, _ = db
    ov = overview.budget_overview(con, 2025)
    bostad = next(b for b in ov["budgets"] if b["budget_id"] == "bostad")
    fu = bostad["follow_up"]
    assert bostad["path"]["k_per_year"] == pytest.approx(0.25)
    assert fu["cumulative_budget_t"] == pytest.approx(400 * (1 - math.exp(-0.75)))
    assert fu["remaining_t"] == pytest.approx(115)
    assert fu["needed_rate"] == pytest.approx(95 / 210)
    assert fu["runs_out_date"] == "2027-04-14"
    g = ov["group"]["follow_up"]
    assert g["total_budget_t"] == pytest.approx(3525)
    assert g["budget_t"] == pytest.approx(352.8 + 400 * (1 - math.exp(-0.25)) * math.exp(-0.5))
    assert g["actual_t"] == pytest.approx(495)
    assert g["remaining_t"] == pytest.approx(1890)


def test_perspectives_side_by_side(db):
    """Residents: −16 % from 300,000 t in 2020: Σ b = 1,875,000; cumulative 870,000; remaining 1,005,000;
    needed 280,000 / 1,285,000 = 21.79 %: behind. Territorial (Borås, from 2024): SMHI ends in 2022, not started."""
    con, _ = db
    ov = overview.budget_overview(con, 2025)
    rows = {p["perspective"]: p for p in ov["perspectives"]}
    assert set(rows) == {"organisation", "territorial", "residents"}
    assert rows["organisation"]["actual_t"] == pytest.approx(495)
    assert rows["residents"]["year"] == 2022
    assert rows["residents"]["remaining_t"] == pytest.approx(1_005_000)
    assert rows["residents"]["needed_rate"] == pytest.approx(280_000 / 1_285_000)
    assert rows["territorial"]["status"] == "not_started"
    assert rows["territorial"]["unit"] == "t CO2"
    assert rows["territorial"]["remaining_t"] == pytest.approx(379277.181)


def test_measures_scenario(db):
    """M1: 40 t a year from 2026 in A, 2,000,000 SEK + 50,000 a year over 10 years: 2,500,000 / 400 = 6,250 SEK/t.
    M2: 10 t a year from 2027 in C, 1,500,000 SEK over 15 years: 1,500,000 / 150 = 10,000 SEK/t.
    Reductions to 2030: 40 × 5 + 10 × 4 = 240 t."""
    con, _ = db
    ov = overview.budget_overview(con, 2025)
    m = next(b for b in ov["budgets"] if b["budget_id"] == "kommun")["measures"]
    costs = {i["measure_id"]: i["cost_per_t_sek"] for i in m["items"]}
    assert costs == pytest.approx({"M1": 6250, "M2": 10000})
    assert m["reduction_t_to_horizon"] == pytest.approx(240)
    assert m["reduction_t_by_year"][2026] == 40 and m["reduction_t_by_year"][2027] == 50
    deps = {d["department"]: d for d in next(b for b in ov["budgets"] if b["budget_id"] == "kommun")["departments"]}
    assert deps["A"]["measures_reduction_t_next_year"] == 40
    assert deps["B"]["measures_reduction_t_next_year"] == 0


def test_co2_scope_and_employee_allocation(db, tmp_path):
    """CO2 only (F1 0.04 kg/SEK): kommun 2023 = 400 t; per employee A 50, B 30, C 20 -> 0.5, 0.3, 0.2."""
    con, _ = db
    text = (FIX / "budget.toml").read_text(encoding="utf-8").replace(
        'scope = "co2e"', 'scope = "co2"').replace('allocation = "grandfathering"', 'allocation = "employees"')
    for name in ("employees.csv", "measures.csv", "residents.csv"):
        shutil.copy(FIX / name, tmp_path / name)
    (tmp_path / "budget.toml").write_text(text, encoding="utf-8")
    budget_store.save_definition(con, definitions.load_definition(tmp_path / "budget.toml"))
    kommun = overview.budget_overview(con, 2025, budget_id="kommun")["budgets"][0]
    assert kommun["unit"] == "t CO2"
    assert kommun["follow_up"]["rows"][0]["actual_t"] == pytest.approx(400)
    assert {d["department"]: d["share"] for d in kommun["departments"]} == pytest.approx({"A": 0.5, "B": 0.3, "C": 0.2})


def test_own_direct_emissions_are_added(db, tmp_path):
    """Own vehicles: 20 t CO2e a year in A. The 2023 base becomes 520 t and A's 2025 actual 280 t."""
    con, _ = db
    (tmp_path / "own.csv").write_text("year,department,emissions_t_co2e\n2023,A,20\n2024,A,20\n2025,A,20\n",
                                      encoding="utf-8")
    (tmp_path / "budget.toml").write_text(
        '[files]\nown_emissions = "own.csv"\n[[budget]]\nid = "kommun"\nmethod = "rate"\nrate = 0.16\n'
        'base_year = 2023\nbase_emissions_t = "actual"\ninclude_own_emissions = true\nallocation = "equal"\n',
        encoding="utf-8")
    budget_store.save_definition(con, definitions.load_definition(tmp_path / "budget.toml"))
    b = overview.budget_overview(con, 2025)["budgets"][0]
    assert b["path"]["base_emissions_t"] == pytest.approx(520)
    assert {d["department"]: d["actual_t"] for d in b["departments"]}["A"] == pytest.approx(280)
    assert {d["department"]: d["share"] for d in b["departments"]} == pytest.approx({"A": 1 / 3, "B": 1 / 3, "C": 1 / 3})


def test_definition_errors_name_file_line_key_and_value(tmp_path):
    (tmp_path / "bad.toml").write_text(
        '[[budget]]\nid = "kommun"\nmethod = "rate"\nrate = 16\nbase_year = 2023\nbase_emisions_t = 500\n'
        'allocation = "polluter"\n\n[[budget]]\nid = "kommun"\nmethod = "paris"\n', encoding="utf-8")
    with pytest.raises(InputValidationError) as exc:
        definitions.load_definition(tmp_path / "bad.toml")
    messages = [str(p) for p in exc.value.problems]
    assert 'bad.toml: line 4, [[budget]] "kommun", key "rate": value 16 is not a share between 0 and 1; write 0.16 ' \
           'for 16 % (constraint-error)' in messages
    assert 'bad.toml: line 6, [[budget]] "kommun", key "base_emisions_t": is not a known key; did you mean ' \
           '"base_emissions_t"? (unknown-key)' in messages
    assert any('key "base_emissions_t": is required for method "rate"' in m for m in messages)
    assert any('line 7, [[budget]] "kommun", key "allocation": value "polluter" is not one of: grandfathering'
               in m for m in messages)
    assert 'bad.toml: line 10, [[budget]] 2, key "id": value "kommun" repeats the id of [[budget]] 1 (unique-error)' \
        in messages
    assert any('key "total_t": is required for method "paris"' in m for m in messages)


def test_input_table_errors_like_a_ledger(tmp_path):
    (tmp_path / "m.csv").write_text("measure_id;name;start_year;reduction_t_per_year;cost_sek\n"
                                    "M1;Bussar;20x5;12,5;1 000 000\nM1;Cyklar;2026;-3;\n", encoding="utf-8")
    (tmp_path / "b.toml").write_text('[files]\nmeasures = "m.csv"\n[[budget]]\nid = "k"\nmethod = "custom"\n'
                                     '[budget.values]\n2025 = 100\n2026 = 90\n', encoding="utf-8")
    with pytest.raises(InputValidationError) as exc:
        definitions.load_definition(tmp_path / "b.toml")
    messages = [str(p) for p in exc.value.problems]
    assert 'm.csv: row 2, column "start_year": value "20x5" is not a year (type-error)' in messages
    assert 'm.csv: row 3, column "reduction_t_per_year": value "-3" is below the minimum 0 (constraint-error)' \
        in messages


def test_decimal_comma_and_swedish_headers(tmp_path):
    rows, problems = definitions.read_input_table("allocation_basis", FIX / "employees.csv")
    assert problems == []
    assert [(r["department"], r["employees"], r["budget_sek"]) for r in rows] == [
        ("A", 50, 120_000_000), ("B", 30, 60_000_000), ("C", 20, 20_000_000)]


def test_export_round_trip(db, tmp_path):
    con, path = db
    con.close()
    out = tmp_path / "exported"
    assert main(["budget", "export", "--db", str(path), "--out", str(out)]) == 0
    again = definitions.load_definition(out / "budget.toml")
    original = definitions.load_definition(FIX / "budget.toml")
    assert [b.as_toml_table() for b in again.budgets] == [b.as_toml_table() for b in original.budgets]
    assert [(m["measure_id"], m["reduction_t_per_year"]) for m in again.measures] == \
        [(m["measure_id"], m["reduction_t_per_year"]) for m in original.measures]
    assert len(again.allocation_basis) == 3 and len(again.residents) == 3
    assert again.carbon_fee.price_sek_per_kg_co2e == 1.5


def test_cli_show_text_and_json(db, capsys):
    con, path = db
    con.close()
    assert main(["budget", "show", "--year", "2025", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Behind the budget – needs −18 % a year from 2026" in out
    assert "2 of 3 behind or over budget" in out
    assert "three perspectives side by side" in out
    # in Swedish (--lang sv) the same follow-up in Swedish words only
    assert main(["budget", "show", "--year", "2025", "--db", str(path), "--lang", "sv"]) == 0
    out = capsys.readouterr().out
    assert "Ligger efter budgeten – kräver −18 %/år från 2026" in out
    assert "2 av 3 efter eller över budget" in out and "tre perspektiv sida vid sida" in out
    assert "Behind the budget" not in out and "verdict" not in out
    assert main(["budget", "show", "--year", "2025", "--db", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["budgets"][0]["follow_up"]["remaining_t"] == pytest.approx(1775)
    assert "_path" not in data["budgets"][0]


def test_cli_import_check_and_errors(tmp_path, capsys):
    path = tmp_path / "k.duckdb"
    assert main(["budget", "check", str(FIX / "budget.toml")]) == 0
    assert "4 budget(s) (kommun, bostad, territorial, residents), 2 measure(s)" in capsys.readouterr().out
    assert main(["budget", "import", str(FIX / "budget.toml"), "--db", str(path)]) == 0
    capsys.readouterr()
    # the organisation budgets cannot be followed up without runs; the other perspectives still show
    assert main(["budget", "show", "--year", "2025", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert ('budget "kommun": no computed runs for organisation(s) kommun; compute a year with '
            '`klimatspend run --year YYYY`') in out
    assert "Invånarnas konsumtion [residents]" in out
    (tmp_path / "only.toml").write_text('[[budget]]\nid = "kommun"\nmethod = "rate"\nrate = 0.16\nbase_year = 2023\n'
                                        'base_emissions_t = "actual"\n', encoding="utf-8")
    assert main(["budget", "import", str(tmp_path / "only.toml"), "--db", str(path)]) == 0
    capsys.readouterr()
    assert main(["budget", "show", "--year", "2025", "--db", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == ('klimatspend: budget "kommun": no computed runs for organisation(s) kommun; compute a year with '
                   '`klimatspend run --year YYYY`')
    (tmp_path / "bad.toml").write_text('[[budget]]\nid = "x"\nmethod = "rate"\nrate = 1.6\n', encoding="utf-8")
    assert main(["budget", "check", str(tmp_path / "bad.toml")]) == 1
    err = capsys.readouterr().err
    assert 'bad.toml: line 4, [[budget]] "x", key "rate": value 1.6 is not a share' in err
    assert main(["budget", "import", str(tmp_path / "bad.toml"), "--db", str(path)]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_cli_path_json(capsys):
    """−16 % from 1,000 t in 2020: 2022 budget 705.6 t, cumulative 2,545.6 t, remaining 3,704.4 t."""
    assert main(["budget", "path", "--rate", "0.16", "--base-year", "2020", "--base-emissions", "1000",
                 "--to-year", "2022", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rows"][-1] == pytest.approx({"year": 2022, "budget_t": 705.6, "cumulative_t": 2545.6,
                                              "remaining_t": 3704.4})
    assert main(["budget", "path", "--total", "1000", "--start-year", "2024"]) == 2
    assert "a Paris path also needs --start-emissions" in capsys.readouterr().err


def test_cli_territorial_json(capsys):
    assert main(["budget", "territorial", "Boras", "--json", "--to-year", "2026"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kommun"] == "Borås"
    assert [r["year"] for r in data["path"]] == [2024, 2025, 2026]
    assert main(["budget", "territorial", "Atlantis"]) == 2
