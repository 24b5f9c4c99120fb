"""Tests for pipeline.factors.chart and the shipped BAS 2025 chart: normalised rows, markings, duplicates, errors."""

from __future__ import annotations

import csv

import pytest

from pipeline.errors import DataError
from pipeline.factors.build.__main__ import main as build_main
from pipeline.factors.build.chart import convert_bas_chart
from pipeline.resources import factors_dir

BAS_CHART = factors_dir() / "chart_of_accounts" / "bas_2025.csv"


def test_small_bas_file_is_normalised(fixtures):
    rows = convert_bas_chart(fixtures / "factors" / "bas_small.csv")
    by_account = {r["account"]: r for r in rows}
    assert [r["account"] for r in rows] == sorted(by_account)
    assert by_account["1"] == {"account": "1", "name_sv": "Tillgångar", "level": "class", "notes": "src=BAS2025"}
    assert by_account["10"]["level"] == "group"
    assert by_account["101"] == {"account": "101", "name_sv": "Utvecklingsutgifter", "level": "account",
                                 "notes": "src=BAS2025"}
    assert by_account["1012"]["notes"] == "src=BAS2025; [Ej K2]"
    # the 3-digit group 513 is only named on its first row; 5131 and 5132 inherit it
    assert by_account["513"]["name_sv"] == "Värme"
    assert by_account["5130"]["notes"] == "src=BAS2025; ■ basic account"
    assert (by_account["5132"]["name_sv"], by_account["5132"]["level"]) == ("Sotning", "subaccount")
    # a row with an empty main_account_description keeps its own name
    assert by_account["4212"]["name_sv"] == "Sålda varor negativ VMB 25 %"
    # numbers listed twice keep the first name and record the other
    assert by_account["2019"]["name_sv"] == "Årets resultat"
    assert "BAS also lists 2019 as 'Årets resultat, delägare 1'" in by_account["2019"]["notes"]
    assert by_account["201"]["name_sv"] == "Eget kapital (enskild firma)"
    assert by_account["2010"]["notes"] == "src=BAS2025; ■ basic account"       # same name twice: no note
    assert len(rows) == 26      # 4 classes, 5 groups, 5 three-digit groups, 12 accounts


def test_missing_parent_is_refused(fixtures, tmp_path):
    text = (fixtures / "factors" / "bas_small.csv").read_text(encoding="utf-8-sig")
    bad = tmp_path / "bas.csv"
    bad.write_text("".join(line for line in text.splitlines(keepends=True) if not line.startswith("740;")),
                   encoding="utf-8-sig")
    with pytest.raises(DataError, match=r"bas.csv: account\(s\) 513 have no parent row in the file"):
        convert_bas_chart(bad)


def test_wrong_columns_are_named(tmp_path):
    bad = tmp_path / "bas.csv"
    bad.write_text("konto;namn\n1;Tillgångar\n", encoding="utf-8")
    with pytest.raises(DataError, match="bas.csv: missing column\\(s\\) id, main_account"):
        convert_bas_chart(bad)


def test_build_command_writes_the_chart(fixtures, tmp_path, capsys):
    out = tmp_path / "bas.csv"
    assert build_main(["bas", str(fixtures / "factors" / "bas_small.csv"), str(out)]) == 0
    assert "26 chart-of-accounts rows" in capsys.readouterr().out
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "account,name_sv,level,notes"
    assert lines[1] == "1,Tillgångar,class,src=BAS2025"


def test_shipped_bas_chart_is_complete():
    with BAS_CHART.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_account = {r["account"]: r for r in rows}
    levels = {1: "class", 2: "group", 3: "account", 4: "subaccount"}
    assert all(r["level"] == levels[len(r["account"])] for r in rows)
    assert all(str(k) in by_account for k in range(1, 9))
    assert all(r["account"][:-1] in by_account for r in rows if len(r["account"]) > 1)
    assert sum(r["level"] == "subaccount" for r in rows) == 1223
    # personnel costs are class 7 in BAS (class 5 in Kommun-Bas); class 5 is other external costs
    assert by_account["7"]["name_sv"] == "Utgifter/kostnader för personal, avskrivningar m.m."
    assert by_account["51"]["name_sv"] == "Fastighetskostnader"
