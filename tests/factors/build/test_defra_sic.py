"""Tests for pipeline.factors.build.defra_sic: the Defra/Leeds SIC multipliers become one row per group and year."""

from __future__ import annotations

import csv

import pytest

from pipeline.errors import DataError
from pipeline.factors.build.defra_sic import build

SOURCE = """# Defra / University of Leeds, test extract
# Columns: SIC code | SIC category | 2022 | 2023
1|Products of agriculture|2.0|2.1
10.2 -3|Processed fish, fruit and vegetables|0.7|0.6
46|Wholesale trade services|5.2|4.5
62|Computer programming, consultancy and related services|0.110929|0.0999177
"""


def test_one_row_per_group_and_year_as_printed(tmp_path):
    src = tmp_path / "sic.txt"
    src.write_text(SOURCE, encoding="utf-8")
    counts = build(src, tmp_path / "out")
    assert counts["factors"] == 8
    rows = {(r["factor_code"], r["factor_year"]): r for r in csv.DictReader((tmp_path / "out" / "factors.csv").open())}
    assert rows[("62", "2023")]["value"] == "0.0999177" and rows[("62", "2023")]["denominator_unit"] == "GBP"
    assert ("10.2-3", "2022") in rows                     # the space in '10.2 -3' is removed
    # wholesale is far above the other groups of its year (4.5 / median(2.1, 0.6, 4.5, 0.0999) = 3.3): not flagged at
    # this small size; the shipped set flags it against 112 groups (test_spend_sets)
    flagged = list(csv.DictReader((tmp_path / "out" / "flagged_factors.csv").open()))
    assert all(r["decision"] == "doubtful" for r in flagged)


def test_a_row_with_the_wrong_number_of_cells_is_refused(tmp_path):
    src = tmp_path / "sic.txt"
    src.write_text(SOURCE.replace("|0.6\n", "\n"), encoding="utf-8")
    with pytest.raises(DataError, match=r"line 4: expected 4 cells separated by '\|'"):
        build(src, tmp_path / "out")
