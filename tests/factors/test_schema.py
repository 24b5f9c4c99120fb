"""Tests for pipeline.factors.schema: every shipped data file matches its declared schema; errors are named."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from pipeline.factors.schema import Problem, SchemaError, require_valid, validate_csv, validate_tree
from pipeline.resources import factors_dir

ROOT = factors_dir()
ALL_CSV = sorted(ROOT.rglob("*.csv"))


def test_there_is_shipped_data():
    names = {p.name for p in ALL_CSV}
    assert {"factors.csv", "account_map.csv", "kommun_bas_13.csv", "categories.csv", "ecb_annual.csv", "cpi.csv"} <= names


@pytest.mark.parametrize("path", ALL_CSV, ids=[str(p.relative_to(ROOT)) for p in ALL_CSV])
def test_every_data_file_matches_its_declared_schema(path):
    problems = [p for p in validate_tree(ROOT) if p.file == str(path.relative_to(ROOT))]
    assert problems == []


def test_no_undeclared_or_missing_files():
    problems = [p for p in validate_tree(ROOT) if p.code in ("undeclared-file", "missing-file", "schema-error")]
    assert problems == []


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SCHEMA = {
    "columns": {
        "code": {"type": "string", "required": True, "pattern": "^[0-9]{2}$"},
        "value": {"type": "number", "required": True, "minimum": 0},
        "flag": {"type": "boolean", "required": False},
        "kind": {"type": "string", "required": False, "enum": ["a", "b"]},
        "category": {"type": "string", "required": False, "references": "cats.csv:category_id"},
    },
    "unique": ["code"],
}


def test_valid_file_has_no_problems(tmp_path):
    write(tmp_path, "cats.csv", "category_id\nfood\n")
    path = write(tmp_path, "t.csv", "code,value,flag,kind,category\n10,1.5,true,a,food\n11,0,,,\n")
    assert validate_csv(path, SCHEMA) == []


def test_every_problem_is_reported_with_row_column_value_and_code(tmp_path):
    write(tmp_path, "cats.csv", "category_id\nfood\n")
    path = write(tmp_path, "t.csv",
                 "code,value,flag,kind,category\n"
                 "10,1,5,true,a,x\n"          # row 1: 6 cells
                 "1x,12,,a,\n"                # row 2: code does not match the pattern
                 "10,-1,maybe,c,energy\n"     # row 3: unique, minimum, boolean, enum, reference
                 ",,,,\n")                    # row 4: two missing required cells
    messages = [str(p) for p in validate_csv(path, SCHEMA)]
    assert 't.csv: row 1: has 6 cells, the header has 5 (extra-cell)' in messages
    assert 't.csv: row 2, column "code": value "1x" does not match the pattern ^[0-9]{2}$ (constraint-error)' in messages
    assert 't.csv: row 3, column "value": value "-1" is below the minimum 0 (constraint-error)' in messages
    assert 't.csv: row 3, column "flag": value "maybe" is not true/false (type-error)' in messages
    assert 't.csv: row 3, column "kind": value "c" is not one of: a, b (constraint-error)' in messages
    assert 't.csv: row 3, column "category": value "energy" is not in cats.csv:category_id (reference-error)' in messages
    assert 't.csv: row 4, column "code": value "" is empty but required (missing-cell)' in messages
    assert 't.csv: row 4, column "value": value "" is empty but required (missing-cell)' in messages


def test_unique_key_and_type_errors(tmp_path):
    write(tmp_path, "cats.csv", "category_id\nfood\n")
    path = write(tmp_path, "t.csv", "code,value,flag,kind,category\n10,1,,,\n10,abc,,,\n")
    messages = [str(p) for p in validate_csv(path, SCHEMA)]
    assert messages == [
        't.csv: row 2, column "value": value "abc" is not a number (type-error)',
        't.csv: row 2, column "code": value "10" repeats the key (code) of row 1 (unique-error)',
    ]


def test_header_problems_stop_the_row_checks(tmp_path):
    path = write(tmp_path, "t.csv", "code,amount,flag,kind,category\n10,1,,,\n")
    messages = [str(p) for p in validate_csv(path, SCHEMA)]
    assert messages == [
        't.csv: column "value": is declared but missing from the header (missing-column)',
        't.csv: column "amount": is in the header but not declared in the metadata (extra-column)',
    ]


def test_undeclared_csv_in_a_tree_is_a_problem(tmp_path):
    write(tmp_path, "x.meta.json", json.dumps({"files": {"a.csv": {"columns": {"c": {"type": "integer"}}}}}))
    write(tmp_path, "a.csv", "c\n1\n")
    write(tmp_path, "b.csv", "c\n1\n")
    problems = validate_tree(tmp_path)
    assert [str(p) for p in problems] == ["b.csv: has no schema in a *.meta.json file next to it (undeclared-file)"]


def test_require_valid_raises_one_line_with_the_first_problems():
    with pytest.raises(SchemaError) as info:
        require_valid([Problem("f.csv", "type-error", "is not a number", row=2, column="v", value="x")])
    assert str(info.value).startswith('f.csv: row 2, column "v": value "x" is not a number (type-error)')
    assert info.value.code == "schema-error"


def test_chart_of_accounts_levels_follow_the_number_of_digits():
    with (ROOT / "chart_of_accounts" / "kommun_bas_13.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    levels = {1: "class", 2: "group", 3: "account", 4: "subaccount"}
    assert all(r["level"] == levels[len(r["account"])] for r in rows)
    by_account = {r["account"]: r for r in rows}
    # Personnel costs are class 5 in Kommun-Bas (class 7 in private BAS).
    assert by_account["5"]["name_sv"] == "Kostnader för arbetskraft"
    assert all(str(k) in by_account for k in range(1, 9))
    # every sub-level has its parent
    assert all(r["account"][:-1] in by_account for r in rows if len(r["account"]) > 1)
    # every row says where it came from
    assert all(r["notes"].startswith("src=") for r in rows)
