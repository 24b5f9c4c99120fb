"""Tests for the department register of pipeline.organisations (issue 20): a file per organisation (code → name),
how a department reads ("Centrum (1100)"), and `klimatspend org departments` in the reader's language."""

from __future__ import annotations

import pytest

from pipeline import organisations
from pipeline.cli import main
from pipeline.tables import InputValidationError


def test_a_department_file_with_swedish_headers_loads_and_a_code_reads_with_its_name(con, tmp_path):
    path = tmp_path / "avdelningar.csv"
    path.write_text("Kod;Namn\n1100;Centrum\n1200;Norrby\n", encoding="utf-8")
    organisations.add_organisation(con, "bostader", name="Älvbybostäder AB", kind="company")
    rows = organisations.read_department_file(path)
    assert organisations.load_departments(con, "bostader", rows, source=path.name) == 2
    names = organisations.department_names(con)
    assert organisations.department_label(names, "bostader", "1100") == "Centrum (1100)"
    # a code the register does not name, a department booked by name, and no department
    assert organisations.department_label(names, "bostader", "1300") == "1300"
    assert organisations.department_label(names, "bostader", "Tekniska förvaltningen") == "Tekniska förvaltningen"
    assert organisations.department_label(names, "bostader", None) is None
    # a view over several organisations names a code only when one organisation has it
    assert organisations.department_label(names, None, "1200") == "Norrby (1200)"


def test_loading_again_replaces_the_register(con):
    organisations.add_organisation(con, "bostader", name="Älvbybostäder AB", kind="company")
    organisations.load_departments(con, "bostader", [{"code": "1100", "name": "Centrum"}])
    organisations.load_departments(con, "bostader", [{"code": "1200", "name": "Norrby"}])
    assert [d["code"] for d in organisations.list_departments(con, "bostader")] == ["1200"]


def test_a_department_file_without_a_name_column_says_which_column_is_missing(tmp_path):
    path = tmp_path / "avdelningar.csv"
    path.write_text("kod;chef\n1100;Anna\n", encoding="utf-8")
    with pytest.raises(InputValidationError) as exc:
        organisations.read_department_file(path)
    assert "avdelningar.csv" in str(exc.value) and "name" in str(exc.value)


def test_the_register_of_an_unknown_organisation_is_refused(con):
    with pytest.raises(Exception) as exc:
        organisations.load_departments(con, "okand", [{"code": "1", "name": "A"}])
    assert "okand" in str(exc.value)


def test_cli_loads_and_lists_the_register_in_swedish(tmp_path, capsys):
    db = tmp_path / "k.duckdb"
    path = tmp_path / "avdelningar.csv"
    path.write_text("kod;namn\n1100;Centrum\n", encoding="utf-8")
    assert main(["org", "add", "bostader", "--name", "Älvbybostäder AB", "--kind", "company", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["org", "departments", "bostader", str(path), "--db", str(db), "--lang", "sv"]) == 0
    out = capsys.readouterr().out
    assert "Älvbybostäder AB: 1 avdelningsnamn inlästa från avdelningar.csv" in out
    assert "kod" in out and "namn" in out and "källa" in out and "Centrum" in out


def test_the_engines_placeholder_for_no_department_is_no_department_to_a_reader():
    """The engine stores NO_DEPARTMENT for a line without one (the SQL says the same text); department_label gives
    None for it, as for no department at all, so that every reader words it in their own language."""
    from pipeline.resources import sql_dir

    sql = (sql_dir() / "intermediate" / "int_line_keys__classified.sql").read_text(encoding="utf-8")
    assert f"'{organisations.NO_DEPARTMENT}'" in sql
    names = {("kommun", "1100"): "Centrum"}
    assert organisations.department_label(names, "kommun", organisations.NO_DEPARTMENT) is None
    assert organisations.department_label(names, "kommun", None) is None
    assert organisations.department_label(names, "kommun", "1100") == "Centrum (1100)"
