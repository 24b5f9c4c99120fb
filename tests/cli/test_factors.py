"""Tests for `klimatspend factors`: list, show, validate, diff, load, import-exiobase and overrides."""

from __future__ import annotations

import json
import shutil

import pytest

from pipeline.cli import main
from tests.helpers.paths import FIXTURES

CUSTOM = FIXTURES / "factors" / "custom_sets" / "kommun_epd" / "1.0.0"


@pytest.fixture
def db(tmp_path) -> str:
    path = str(tmp_path / "k.duckdb")
    assert main(["init", "--db", path]) == 0
    return path


def run_json(capsys, argv: list[str]) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(argv + ["--json"])
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip() else {})


def test_list_shows_version_base_year_currency_and_licence(db, capsys):
    code, data = run_json(capsys, ["factors", "list", "--db", db])
    assert code == 0
    useeio = next(s for s in data["factor_sets"] if s["factor_set_id"] == "useeio")
    assert (useeio["version"], useeio["base_year"], useeio["currency"], useeio["codes"]) == ("1.3.0", 2022, "USD", 1016)
    assert "public domain" in useeio["licence"]
    assert {m["mapping_id"] for m in data["account_maps"]} == {"kommunbas13", "bas2025", "uk_council_expense_types"}
    assert {c["crosswalk_id"] for c in data["crosswalks"]} == {"nace2_useeio", "uk_council_expense_types",
                                                               "nace2_exiobase", "nace2_defra", "useeio_nace2"}
    capsys.readouterr()
    assert main(["factors", "--db", db, "list"]) == 0          # --db before the action works too
    text = capsys.readouterr().out
    assert "useeio" in text and "2022" in text and "USD" in text


def test_list_shows_the_swedish_and_uk_sets_with_region_base_year_currency_price_basis_licence(db, capsys):
    """The EXIOBASE set (49 regions, Sweden by default, EUR of 2011, basic prices, CC BY-SA 4.0) and the Defra/Leeds
    set (GB, GBP, a factor per year 2015-2023, basic prices, Open Government Licence) are listed with their facts."""
    code, data = run_json(capsys, ["factors", "list", "--db", db])
    assert code == 0
    sets = {s["factor_set_id"]: s for s in data["factor_sets"]}
    exio, defra = sets["exiobase"], sets["defra_sic"]
    assert (exio["version"], exio["region"], exio["base_year"], exio["currency"], exio["price_basis"]) == \
        ("3.4.0", "SE", 2011, "EUR", "basic")
    assert len(exio["regions"]) == 49 and {"SE", "GB", "US"} <= set(exio["regions"]) and exio["codes"] == 200
    assert "CC BY-SA 4.0" in exio["licence"] and exio["flagged_factors"] > 0
    assert (defra["version"], defra["region"], defra["base_year"], defra["currency"], defra["price_basis"]) == \
        ("1.0.0", "GB", 2023, "GBP", "basic")
    assert defra["factor_years"] == list(range(2015, 2024)) and defra["codes"] == 112
    assert "Open Government Licence" in defra["licence"]


def test_show_a_code(db, capsys):
    code, data = run_json(capsys, ["factors", "show", "useeio", "--code", "111110", "--db", db])
    assert code == 0 and data["version"] == "1.3.0"
    co2e = [f for f in data["factors"] if f["gas"] == "CO2e"][0]
    assert (co2e["value"], co2e["value_without_margins"]) == (0.532, 0.488)
    assert data["summary"]["codes"] == 1016


def test_show_unknown_things_fail_in_one_line(db, capsys):
    assert main(["factors", "show", "useeio@9.9", "--db", db]) == 2
    assert capsys.readouterr().err.strip() == "klimatspend: factor set useeio has no version 9.9 (known: 1.3.0)"
    assert main(["factors", "show", "useeio", "--code", "000000", "--db", db]) == 2
    assert "no factor code '000000'" in capsys.readouterr().err


def test_validate_shipped_and_a_broken_set(tmp_path, capsys):
    assert main(["factors", "validate"]) == 0
    broken = tmp_path / "kommun_epd" / "1.0.0"
    shutil.copytree(CUSTOM, broken)
    text = (broken / "factors.csv").read_text(encoding="utf-8").replace("0.050,,kg CO2e,SEK", "0,05,,kg CO2e,SEK")
    (broken / "factors.csv").write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["factors", "validate", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "1.0.0/factors.csv: row 1: has 10 cells, the header has 9 (extra-cell)" in out


def test_validate_reports_currency_mismatch(tmp_path, capsys):
    target = tmp_path / "kommun_epd" / "1.0.0"
    shutil.copytree(CUSTOM, target)
    text = (target / "factors.csv").read_text(encoding="utf-8").replace("kg CO2e,SEK,hand-made test value,not", "kg CO2e,EUR,hand-made test value,not")
    (target / "factors.csv").write_text(text, encoding="utf-8")
    code, data = run_json(capsys, ["factors", "validate", str(target)])
    assert code == 1
    assert data["problems"][0]["message"] == \
        '1.0.0/factors.csv: row 1, column "denominator_unit": value "EUR" differs from the set\'s currency SEK (constraint-error)'


def test_load_custom_set_then_diff(db, tmp_path, capsys):
    code, data = run_json(capsys, ["factors", "load", str(CUSTOM), "--db", db])
    assert (code, data) == (0, {"factor_set": "kommun_epd@1.0.0", "loaded": True})
    code, data = run_json(capsys, ["factors", "load", str(CUSTOM), "--db", db])
    assert data["loaded"] is False                              # same files again: nothing changes
    changed = tmp_path / "kommun_epd" / "1.0.0"
    shutil.copytree(CUSTOM, changed)
    (changed / "factors.csv").write_text((changed / "factors.csv").read_text(encoding="utf-8").replace("0.050", "0.060"),
                                         encoding="utf-8")
    assert main(["factors", "load", str(changed), "--db", db]) == 1
    assert "kommun_epd@1.0.0 is released and immutable" in capsys.readouterr().err
    newer = tmp_path / "kommun_epd" / "1.1.0"
    shutil.copytree(changed, newer)
    meta = json.loads((newer / "factor_set.meta.json").read_text(encoding="utf-8"))
    meta["version"] = "1.1.0"
    (newer / "factor_set.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    assert main(["factors", "load", str(newer), "--db", db]) == 0
    code, data = run_json(capsys, ["factors", "diff", "kommun_epd@1.0.0", "kommun_epd@1.1.0", "--db", db])
    assert code == 0
    assert data["codes"] == {"added": 0, "removed": 0, "changed": 1, "unchanged": 1}
    assert data["top_changes"][0]["factor_code"] == "concrete_c30"
    assert data["top_changes"][0]["change_pct"] == pytest.approx(20.0)


def test_diff_by_category(db, capsys):
    code, data = run_json(capsys, ["factors", "diff", "useeio@1.3.0", "useeio", "--db", db])
    assert code == 0 and data["comparable"] is True
    food = next(c for c in data["categories"] if c["category_id"] == "food")
    assert food["change_pct"] == pytest.approx(0.0)


def test_import_exiobase_from_pymrio_test_mrio(db, tmp_path, capsys):
    """pymrio's test MRIO (6 regions x 8 sectors, monetary unit 'Mill USD').

    With emission_type1 counted at GWP 1, region reg2, food: M = 0.0435931 kg per Mill USD... per USD
    that is M / 1e6; the CLI must write exactly that value.
    """
    import pymrio  # in the test extra; the import is lazy in the product (an optional dependency)

    io = pymrio.load_test()
    saved = tmp_path / "testmrio"
    io.save_all(str(saved))
    io.calc_all()
    expected = io.emissions.M.loc[("emission_type1", "air"), ("reg2", "food")] / 1e6
    code, data = run_json(capsys, ["factors", "import-exiobase", str(saved), "--region", "reg2", "--extension", "emissions",
                                   "--gwp", "emission_type1=1", "--year", "2022", "--out", str(tmp_path / "sets"),
                                   "--db", db])
    assert code == 0, data
    assert (data["factor_set"], data["products"], data["currency"], data["loaded"]) == ("exiobase_reg2@1.0.0", 8, "USD", True)
    code, shown = run_json(capsys, ["factors", "show", "exiobase_reg2", "--code", "food", "--db", db])
    assert shown["factors"][0]["value"] == pytest.approx(expected, rel=1e-12)
    assert shown["base_year"] == 2022 and shown["price_basis"] == "basic"
    assert main(["factors", "validate", data["folder"]]) == 0


def test_import_exiobase_names_a_wrong_region(tmp_path, db, capsys):
    import pymrio  # in the test extra; the import is lazy in the product (an optional dependency)

    saved = tmp_path / "testmrio"
    pymrio.load_test().save_all(str(saved))
    assert main(["factors", "import-exiobase", str(saved), "--region", "SE", "--extension", "emissions",
                 "--gwp", "emission_type1=1", "--year", "2022", "--out", str(tmp_path / "sets"), "--db", db]) == 2
    assert "region 'SE' is not in the MRIO; choose one of reg1, reg2" in capsys.readouterr().err


def test_overrides_add_check_load(db, tmp_path, capsys):
    file = tmp_path / "overrides.csv"
    assert main(["factors", "overrides", "add", "--file", str(file), "--kind", "account", "--match", "6461",
                 "--category", "food", "--factor", "useeio:311611", "--author", "Anna Strateg",
                 "--note", "mostly meat in our kitchens"]) == 0
    assert main(["factors", "overrides", "add", "--file", str(file), "--kind", "supplier", "--match", "5560360793",
                 "--category", "energy", "--factor-value", "0.012", "--factor-unit", "kg CO2e/SEK",
                 "--author", "Anna Strateg", "--org", "kommun"]) == 0
    assert main(["factors", "overrides", "add", "--file", str(file), "--kind", "counterparty", "--match", "INTERN",
                 "--exclude", "internal", "--author", "Bo Ekonom"]) == 0
    assert main(["factors", "overrides", "add", "--file", str(file), "--kind", "keyword", "--match", "kött",
                 "--category", "food", "--author", "Bo"]) == 1          # no factor given
    assert "needs factor_set_id and factor_code, or an industry_code (missing-cell)" in capsys.readouterr().err
    assert main(["factors", "overrides", "check", "--file", str(file)]) == 0
    code, rows = run_json(capsys, ["factors", "overrides", "list", "--file", str(file)])
    assert [r["override_id"] for r in rows] == ["1", "2", "3"]
    assert rows[1]["match_value"] == "556036-0793" and all(r["author"] and r["created_at"] for r in rows)
    code, result = run_json(capsys, ["factors", "overrides", "load", "--file", str(file), "--org", "kommun", "--db", db])
    assert code == 0
    assert result["mapping"] == "kommun_kommunbas13@2.0.0.1"
    assert (result["accounts"], result["suppliers"], result["counterparties"]) == (1, 1, 1)
    code, again = run_json(capsys, ["factors", "overrides", "load", "--file", str(file), "--org", "kommun", "--db", db])
    assert again["mapping"] == "kommun_kommunbas13@2.0.0.1"      # same content -> same derived version
    import duckdb
    con = duckdb.connect(db)
    row = con.execute("""select category_id, factor_code, notes from account_map
                         where mapping_id = 'kommun_kommunbas13' and account_prefix = '6461'""").fetchone()
    assert row[:2] == ("food", "311611") and "by Anna Strateg" in row[2]
    # a row an organisation override wrote is a person's decision: the keyword table never overrides it
    assert con.execute("""select source from account_map where mapping_id = 'kommun_kommunbas13'
                          and account_prefix = '6461'""").fetchone() == ("override:kommun:1",)
    base_rows = con.execute("select count(*) from account_map where mapping_id = 'kommunbas13' "
                            "and mapping_version = '2.0.0'").fetchone()[0]
    derived_rows = con.execute("select count(*) from account_map where mapping_id = 'kommun_kommunbas13'").fetchone()[0]
    assert derived_rows == base_rows + 1
    assert con.execute("select factor_value, author from supplier_rule where rule_id = 'ovr:kommun:2'").fetchone() == (0.012, "Anna Strateg")
    assert con.execute("select reason from exclusion where exclusion_id = 'ovr:kommun:3'").fetchone() == ("internal",)
    con.close()


def test_overrides_file_errors_are_listed(tmp_path, capsys):
    file = tmp_path / "overrides.csv"
    file.write_text("override_id,organisation_id,kind,match_value,account_prefix,category_id,factor_set_id,factor_code,"
                    "factor_value,factor_unit,is_excluded,exclusion_reason,author,created_at,notes\n"
                    "1,,account,64x,,food,useeio,311611,,,false,,,2024-01-05,\n", encoding="utf-8")
    assert main(["factors", "overrides", "check", "--file", str(file)]) == 1
    out = capsys.readouterr().out
    assert 'overrides.csv: row 1, column "author": value "" is empty but required (missing-cell)' in out


def test_help_on_every_action(capsys):
    for argv in (["factors"], ["factors", "list"], ["factors", "show"], ["factors", "validate"], ["factors", "diff"],
                 ["factors", "load"], ["factors", "import-exiobase"], ["factors", "overrides"],
                 ["factors", "overrides", "add"], ["factors", "overrides", "load"]):
        with pytest.raises(SystemExit) as info:
            main(argv + ["--help"])
        assert info.value.code == 0
        assert "usage: klimatspend factors" in capsys.readouterr().out
