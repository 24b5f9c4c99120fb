"""Organisation overrides: the industry_code column (newer files) and files written before it existed."""

from __future__ import annotations

import csv

from pipeline.factors import overrides as ov

OLD_HEADER = ("override_id,organisation_id,kind,match_value,account_prefix,category_id,factor_set_id,factor_code,"
              "factor_value,factor_unit,is_excluded,exclusion_reason,author,created_at,notes\n")


def test_a_file_from_before_industry_codes_still_reads_and_checks(tmp_path):
    path = tmp_path / "overrides.csv"
    path.write_text(OLD_HEADER + "1,kommun,account,6461,,food,useeio,311611,,,false,,Anna,2024-01-05,kött\n",
                    encoding="utf-8")
    assert ov.check_overrides(path) == []
    assert ov.read_overrides(path)[0]["industry_code"] == ""


def test_adding_to_an_older_file_gives_it_the_new_column_and_keeps_its_rows(tmp_path):
    path = tmp_path / "overrides.csv"
    path.write_text(OLD_HEADER + "1,kommun,account,6461,,food,useeio,311611,,,false,,Anna,2024-01-05,kött\n",
                    encoding="utf-8")
    row = ov.append_override(path, {"organisation_id": "kommun", "kind": "account", "match_value": "46200",
                                    "category_id": "care_education", "industry_code": "8790", "author": "Bo"})
    assert row["override_id"] == "2" and row["factor_code"] == ""        # an industry alone is a valid choice
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ov.COLUMNS
    assert [(r["match_value"], r["factor_code"], r["industry_code"]) for r in rows] == [
        ("6461", "311611", ""), ("46200", "", "8790")]
    assert ov.check_overrides(path) == []
