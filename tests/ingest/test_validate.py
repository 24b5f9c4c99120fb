"""Tests for pipeline.validate: every error kind with its pinned message, warnings, SQL checks, stored GX result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.ingest import IngestOptions, ingest_file
from pipeline.ingest.validate import validation_frame

HEADER = "Bokföringsdatum;Period;Konto;Förvaltning;Leverantör;Organisationsnummer;Fakturanummer;Valuta;Belopp\n"


def _file(tmp_path: Path, rows: list[str], name: str = "ledger_2024.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


# one row per error kind; row numbers in the file are 2, 3, ...
ERROR_ROWS = [
    ("2024-03-05;;4610;Soc;A AB;556036-0793;F1;;1 234,50", None),
    ("2024-03-05;;6461;Soc;A AB;;F2;;12,5O",
     'ledger_2024.csv: row 3, column "Belopp": value "12,5O" is not a number (type-error)'),
    ("2024-03-05;;6461;Soc;A AB;;F3;;",
     'ledger_2024.csv: row 4, column "Belopp": the cell is empty (missing-cell)'),
    ("2024-03-05;;;Soc;A AB;;F4;;10,00",
     'ledger_2024.csv: row 5, column "Konto": the cell is empty (missing-cell)'),
    ("2024-03-05;;46X0;Soc;A AB;;F5;;10,00",
     'ledger_2024.csv: row 6, column "Konto": value "46X0" is not an account number (expected 2-6 digits) '
     "(constraint-error)"),
    ("2024-02-30;;4610;Soc;A AB;;F6;;10,00",
     'ledger_2024.csv: row 7, column "Bokföringsdatum": value "2024-02-30" is not a date (type-error)'),
    (";2024-14;4610;Soc;A AB;;F7;;10,00",
     'ledger_2024.csv: row 8, column "Period": value "2024-14" is not a period (YYYY-MM) (type-error)'),
    ("2025-01-02;;4610;Soc;A AB;;F8;;10,00",
     'ledger_2024.csv: row 9, column "Bokföringsdatum": value "2025-01-02" is outside the declared period '
     "2024-01..2024-12 (constraint-error)"),
    (";2023-12;4610;Soc;A AB;;F9;;10,00",
     'ledger_2024.csv: row 10, column "Period": value "2023-12" is outside the declared period 2024-01..2024-12 '
     "(constraint-error)"),
    # a supplier number failing its check digit keeps its row (a warning, see below)
    ("2024-03-05;;4610;Soc;A AB;556036-0794;F10;;10,00", None),
    ("2024-03-05;;4610;Soc;A AB;;F11;XYZ;10,00",
     'ledger_2024.csv: row 12, column "Valuta": value "XYZ" is not a known currency code (constraint-error)'),
    ("2024-03-05;;4610;Soc;A AB",
     "ledger_2024.csv: row 13: the row has 5 cells, the header has 9 (missing-cell)"),
    ("2024-03-05;;4610;Soc;A AB;;F13;;10,00;;",
     "ledger_2024.csv: row 14: the row has 11 cells, the header has 9 (extra-cell)"),
    (";;;Summa;;;;;1 274,50",
     'ledger_2024.csv: row 15: the row looks like a total ("Summa"/"Total"), not a ledger line (total-row)'),
]


@pytest.fixture(scope="module")
def errors_result(tmp_path_factory):
    from pipeline import store

    tmp = tmp_path_factory.mktemp("errors")
    con = store.connect(tmp / "k.duckdb")
    result = ingest_file(con, _file(tmp, [r for r, _ in ERROR_ROWS]), IngestOptions(year=2024))
    yield con, result
    con.close()


@pytest.mark.parametrize("index", [i for i, (_, msg) in enumerate(ERROR_ROWS) if msg])
def test_every_error_kind_is_named_with_file_row_column_and_value(errors_result, index):
    _, result = errors_result
    assert ERROR_ROWS[index][1] in result.errors


def test_each_bad_row_is_quarantined_once_and_nothing_else(errors_result):
    con, r = errors_result
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (14, 2, 12)
    rejected = con.execute("select source_row, error_code from rejected_line where batch_id = ? order by 1",
                           [r.batch_id]).fetchall()
    assert [row for row, _ in rejected] == [n for n in range(3, 16) if n != 11]
    # a quarantined row keeps every problem found in it, the most basic first
    total_row = con.execute("select errors, raw_values from rejected_line where batch_id = ? and source_row = 15",
                            [r.batch_id]).fetchone()
    assert [e["code"] for e in json.loads(total_row[0])] == ["total-row", "missing-cell"]
    assert json.loads(total_row[1])["Förvaltning"] == "Summa"
    ragged = con.execute("select raw_values from rejected_line where batch_id = ? and source_row = 13",
                         [r.batch_id]).fetchone()
    assert json.loads(ragged[0]) == {"line": "2024-03-05;;4610;Soc;A AB"}


def test_a_quarantined_rows_errors_have_one_form_with_one_error_or_several(errors_result):
    """A row with one error has its list written from the row itself, a row with several is grouped: both give the
    same JSON form (a list of code, column, value, message), its first entry being the row's error_code."""
    con, r = errors_result
    rows = con.execute("select source_row, error_code, column_name, value, message, errors from rejected_line "
                       "where batch_id = ? order by 1", [r.batch_id]).fetchall()
    counts = set()
    for source_row, code, column, value, message, errors in rows:
        parsed = json.loads(errors)
        counts.add(len(parsed) > 1)
        assert [list(e) for e in parsed] == [["code", "column", "value", "message"]] * len(parsed), source_row
        assert parsed[0] == {"code": code, "column": column, "value": value, "message": message}, source_row
    assert counts == {True, False}      # the fixture has rows of both kinds
    row_3 = con.execute("select errors from rejected_line where batch_id = ? and source_row = 3",
                        [r.batch_id]).fetchone()[0]
    assert row_3.startswith('[{"code":"') and row_3.endswith('"}]') and len(json.loads(row_3)) == 1


def test_an_unreadable_date_is_named_once_and_a_row_without_any_date_as_such(con, tmp_path):
    # no --year or --period: the year of a row comes from its date alone. An unreadable date is "not a date"
    # (not also "no date and no period"); a row with neither cell filled cannot be placed in a year.
    r = ingest_file(con, _file(tmp_path, ["2024-03-05;;4610;Soc;A AB;;F1;;10,00", "2024-02-30;;4610;Soc;A AB;;F2;;20,00",
                                          ";;4610;Soc;A AB;;F3;;30,00"]), IngestOptions())
    assert (r.rows_loaded, r.rows_rejected) == (1, 2)
    assert r.errors == [
        'ledger_2024.csv: row 3, column "Bokföringsdatum": value "2024-02-30" is not a date (type-error)',
        'ledger_2024.csv: row 4, column "Bokföringsdatum": no date and no period: the row cannot be placed in a year '
        "(pass --year or --period) (missing-cell)"]
    errors = dict(con.execute("select source_row, errors from rejected_line where batch_id = ?",
                              [r.batch_id]).fetchall())
    assert [e["code"] for e in json.loads(errors[3])] == ["type-error"]
    # the contract's stored result still counts both rows against the year's expectation
    result = json.loads(con.execute("select validation_result from ledger_batch where batch_id = ?",
                                    [r.batch_id]).fetchone()[0])
    year = next(e for e in result["expectations"] if e["kwargs"].get("column") == "fiscal_year"
                and e["type"] == "expect_column_values_to_not_be_null")
    assert year["unexpected_count"] == 2


def test_gx_result_is_stored_with_the_batch_and_summarised(errors_result):
    con, r = errors_result
    result, summary = con.execute("select validation_result, validation_summary from ledger_batch where batch_id = ?",
                                  [r.batch_id]).fetchone()
    result = json.loads(result)
    assert result["suite"] == "ledger_contract" and result["engine"].startswith("great_expectations 1.")
    by_type = {(e["type"], e["kwargs"].get("column")): e for e in result["expectations"]}
    # the pattern is tried in DuckDB (once per distinct account); GX checks the flag
    regex = by_type[("expect_column_values_to_be_in_set", "chk_account_pattern")]
    assert (regex["code"], regex["field"], regex["severity"], regex["unexpected_count"]) == (
        "constraint-error", "account", "error", 1)
    assert regex["sample_values"] == ["46X0"] and regex["account_pattern"] == "^[0-9]{2,6}$"
    assert by_type[("expect_column_values_to_not_be_null", "amount")]["unexpected_count"] == 2
    assert summary == r.summary
    assert summary == (
        "5 of 15 checks of the ledger contract passed on 14 rows; 12 rows quarantined: 4 with a value outside the "
        "allowed range or format (constraint-error), 3 with an empty required cell (missing-cell), 3 with a value "
        "that cannot be read (not a number, date or period) (type-error), 1 with more cells than the header "
        "(extra-cell), 1 with a total row, not a ledger line (total-row); warnings (rows kept): 1 × an organisation "
        "number that fails its check digit (row kept), 1 × months of the declared year without lines.")


def test_a_bad_or_foreign_supplier_number_keeps_its_row_with_a_warning(con, tmp_path):
    """A Swedish number failing its check digit and a German VAT id: both rows load (their spend stays in the
    emissions) without a supplier number, so they are classified by their account; each is flagged."""
    path = _file(tmp_path, ["2024-03-05;;4610;Soc;A AB;556036-0794;F1;;10,00",
                            "2024-03-05;;4610;Soc;Medizintechnik GmbH;DE260543043;F2;;20,00",
                            "2024-03-05;;4610;Soc;Nordic AS;NO 912 345 678 MVA;F3;;30,00",
                            "2024-03-05;;4610;Soc;B AB;556036-0793;F4;;40,00"], "org.csv")
    r = ingest_file(con, path, IngestOptions(period="2024-03"))
    assert (r.rows_loaded, r.rows_rejected, r.sum_loaded) == (4, 0, 100.0)
    assert r.warnings == [
        'org.csv: row 2, column "Organisationsnummer": value "556036-0794" is not a valid Swedish '
        "organisationsnummer (check digit or length); the row is kept and classified by its account "
        "(invalid-org-number)",
        'org.csv: row 3, column "Organisationsnummer": value "DE260543043" is a foreign VAT or company number; the '
        "row is kept and classified by its account (foreign-org-number)",
        'org.csv: row 4, column "Organisationsnummer": value "NO 912 345 678 MVA" is a foreign VAT or company '
        "number; the row is kept and classified by its account (foreign-org-number)",
    ]
    numbers = con.execute("select source_row, supplier_org_number from ledger_line where batch_id = ? order by 1",
                          [r.batch_id]).fetchall()
    assert numbers == [(2, None), (3, None), (4, None), (5, "556036-0793")]


def test_warnings_are_shown_but_do_not_reject(con, tmp_path):
    path = _file(tmp_path, ["2024-03-05;;4610;Soc;A AB;;F1;;60 000 000,00",
                            "2024-03-05;;4610;Soc;A AB;;F2;;100,00",
                            "2024-03-05;;4610;Soc;A AB;;F2;;100,00"], "w.csv")
    r = ingest_file(con, path, IngestOptions(period="2024-03"))
    assert (r.rows_loaded, r.rows_rejected) == (3, 0)
    assert r.warnings == [
        'w.csv: row 2, column "Belopp": value "60 000 000,00" is unusually large; check it (large-amount)',
        'w.csv: row 3, column "Fakturanummer": invoice "F2" has another line with the same account, supplier and '
        "amount (unique-error)",
        'w.csv: row 4, column "Fakturanummer": invoice "F2" has another line with the same account, supplier and '
        "amount (unique-error)",
    ]
    assert con.execute("select count(*) from validation_issue where batch_id = ?", [r.batch_id]).fetchone() == (3,)


def test_lines_already_loaded_in_another_batch_are_flagged_when_loaded_anyway(con, tmp_path):
    """Overlap is pipeline.ingest.overlap's (tests/ingest/test_overlap.py); loaded anyway, each shared row is flagged."""
    first = _file(tmp_path, ["2024-03-05;;4610;Soc;A AB;;F1;;100,00", "2024-03-06;;4610;Soc;A AB;;F2;;50,00"], "a.csv")
    overlap = _file(tmp_path, ["2024-03-06;;4610;Soc;A AB;;F2;;50,00", "2024-03-07;;4610;Soc;A AB;;F3;;70,00"],
                    "b.csv")
    a = ingest_file(con, first, IngestOptions(period="2024-03"))
    assert ingest_file(con, overlap, IngestOptions(period="2024-03")).status == "overlap"
    b = ingest_file(con, overlap, IngestOptions(period="2024-03", on_overlap="allow"))
    assert b.warnings == [f"b.csv: row 2: the same line is already loaded in batch {a.batch_id} (row 3); loaded again "
                          "as asked (overlap allowed) (duplicate-of-loaded)"]
    # another organisation's batch is not an overlap
    c = ingest_file(con, overlap, IngestOptions(period="2024-03", organisation_id="bolaget", create_organisation=True))
    assert (c.status, c.warnings) == ("loaded", [])


def test_months_missing_from_a_declared_year_and_mostly_negative_amounts(con, tmp_path):
    path = _file(tmp_path, ["2024-01-05;;4610;Soc;A AB;;F1;;-100,00", "2024-02-05;;4610;Soc;A AB;;F2;;10,00"], "n.csv")
    r = ingest_file(con, path, IngestOptions(year=2024))
    assert r.warnings == [
        "n.csv: no lines for 10 month(s) of the declared period: 2024-03, 2024-04, 2024-05, 2024-06, 2024-07, "
        "2024-08, 2024-09, 2024-10, 2024-11, 2024-12; is the file complete? (period-gap)",
        'n.csv: column "Belopp": 91% of the amount is negative: costs should be positive; if the export shows '
        "costs with a minus sign, fix the export (sign-convention)",
    ]
    stored = con.execute("select source_row, error_code from validation_issue where batch_id = ? order by 2",
                         [r.batch_id]).fetchall()
    assert stored == [(None, "period-gap"), (None, "sign-convention")]


def test_a_file_where_nothing_loads_is_status_rejected(con, tmp_path):
    path = _file(tmp_path, ["2024-03-05;;;Soc;A AB;;F1;;100,00"], "bad.csv")
    r = ingest_file(con, path, IngestOptions(period="2024-03"))
    assert (r.status, r.rows_loaded, r.rows_rejected) == ("rejected", 0, 1)
    assert con.execute("select status from ledger_batch where batch_id = ?", [r.batch_id]).fetchone() == ("rejected",)


def test_any_account_text_with_a_profile_or_option(con, tmp_path):
    path = _file(tmp_path, ["2024-03-05;;Fuel/Oil;Soc;A AB;;F1;;100,00"], "uk.csv")
    assert ingest_file(con, path, IngestOptions(period="2024-03")).rows_rejected == 1
    assert ingest_file(con, path, IngestOptions(period="2024-03", account_pattern=None, organisation_id="x",
                                                create_organisation=True)).rows_loaded == 1


def test_gx_gets_only_cheap_columns(con, tmp_path):
    """GX fingerprints the whole frame it is given: strings would make that slow on a million rows."""
    path = _file(tmp_path, ["2024-03-05;;4610;Soc;A AB;556036-0793;F1;;1 234,50"], "f.csv")
    ingest_file(con, path, IngestOptions(period="2024-03", dry_run=True))
    con.execute("create temp table t as select 1 as source_row, '4610' as account, 1.0 as amount, 2024 as fiscal_year, "
                "202403 as date_month, null::integer as period_month, false as chk_total_row, false as chk_date_type, "
                "false as chk_period_type, false as chk_org_invalid, false as chk_org_foreign, false as chk_amount_range, 'SEK' as currency, "
                "'F1' as invoice_id, "
                "'A' as supplier_name, null as supplier_org_number")
    frame = validation_frame(con, "t")
    assert {str(t) for t in frame.dtypes} <= {"category", "float64", "bool", "Int64"}
    assert str(frame["account"].dtype) == "category" and str(frame["duplicate_key"].dtype) == "Int64"


def test_an_amount_out_of_range_is_quarantined_and_validate_agrees_with_ingest(tmp_path, capsys):
    """Two lines of 6e15 each fit DECIMAL(18, 2) but their sum does not: each is out of range (13 digits at most).

    Rows 2 and 3 are quarantined, row 4 (100,00) loads: sum read = 100,00 = loaded 100,00 + quarantined 0,00
    (an amount that cannot be stored counts as 0, like one that cannot be read).
    """
    from pipeline.cli import main

    path = _file(tmp_path, ["2024-03-05;;4610;Soc;A AB;;F1;;6 000 000 000 000 000,00",
                            "2024-03-06;;4610;Soc;A AB;;F2;;6 000 000 000 000 000,00",
                            "2024-03-07;;4610;Soc;A AB;;F3;;100,00"], "huge.csv")
    message = ('huge.csv: row {row}, column "Belopp": value "6 000 000 000 000 000,00" is out of range: an amount '
               "has at most 13 digits before the decimal point (out-of-range)")
    db = str(tmp_path / "k.duckdb")
    outcomes = {}
    for verb in ("validate", "ingest"):
        code = main([verb, str(path), "--period", "2024-03", "--db", db, "--json"])
        out = capsys.readouterr()
        assert "Traceback" not in out.err
        data = json.loads(out.out)
        outcomes[verb] = (data["rows_read"], data["rows_loaded"], data["rows_rejected"], data["sum_read"],
                          data["errors"])
        assert code == (1 if verb == "validate" else 0)
    assert outcomes["validate"] == outcomes["ingest"] == (
        3, 1, 2, 100.0, [message.format(row=2), message.format(row=3)])


def test_the_largest_amount_in_range_loads(con, tmp_path):
    path = _file(tmp_path, ["2024-03-05;;4610;Soc;A AB;;F1;;9 999 999 999 999,99",
                            "2024-03-06;;4610;Soc;A AB;;F2;;-9 999 999 999 999,99",
                            "2024-03-07;;4610;Soc;A AB;;F3;;10 000 000 000 000,00"], "edge.csv")
    r = ingest_file(con, path, IngestOptions(period="2024-03"))
    assert (r.rows_loaded, r.rows_rejected, r.sum_loaded) == (2, 1, 0.0)
    assert [e.rsplit("(", 1)[-1] for e in r.errors] == ["out-of-range)"]


def test_gx_does_not_fingerprint_the_validation_frame():
    """validate._skip_frame_fingerprint sets GX's HASH_THRESHOLD to 0: this fails if a GX upgrade stops reading it."""
    import inspect

    import pandas as pd
    from great_expectations.execution_engine import pandas_execution_engine as engine
    from great_expectations.execution_engine.pandas_execution_engine import PandasExecutionEngine

    from pipeline.ingest.validate import _skip_frame_fingerprint

    assert "< HASH_THRESHOLD" in inspect.getsource(PandasExecutionEngine.get_batch_data_and_markers)
    _skip_frame_fingerprint()
    assert engine.HASH_THRESHOLD == 0
    assert not pd.DataFrame({"a": [1.0]}).memory_usage().sum() < engine.HASH_THRESHOLD


def test_an_account_pattern_duckdb_cannot_use_is_named(con, tmp_path):
    """The pattern is tried in DuckDB (RE2): a look-ahead is refused with a message that says what to do."""
    from pipeline.errors import KlimatspendError

    path = _file(tmp_path, ["2024-03-05;;4610;Soc;A AB;;F1;;10,00"], "p.csv")
    with pytest.raises(KlimatspendError) as err:
        ingest_file(con, path, IngestOptions(period="2024-03", account_pattern="^(?=4)[0-9]+$"))
    assert str(err.value) == ("the account pattern ^(?=4)[0-9]+$ is not a regular expression klimatspend can use "
                              "(RE2 syntax: no look-ahead or back-references); give another pattern")


def test_the_contract_import_runs_scipy_stats_and_altair_only_when_used():
    """import_contract() loads GX without running scipy.stats and altair (GX's KL-divergence and KS-test expectations
    import them at start-up; the ledger contract never calls them), and a GX module that does use them gets the real
    modules on first use. In a fresh interpreter: another test of this worker may have imported them already."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from pipeline.ingest.validate import import_contract\n"
        "gx = import_contract()\n"
        "ran = lambda: ['scipy.stats._stats_py' in sys.modules, 'altair.vegalite' in sys.modules]\n"
        "print(gx.__version__.split('.')[0], *ran())\n"
        "from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl\n"
        "print(round(float(kl.stats.entropy([0.5, 0.5], [0.25, 0.75])), 4), kl.alt.Chart.__name__, *ran())\n"
        "import altair\n"
        "print(altair.Chart is kl.alt.Chart)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout.split()
    # KL divergence of (1/2, 1/2) from (1/4, 3/4) = 1/2 ln 2 + 1/2 ln(2/3) = 0.3466 - 0.2027 = 0.1438
    assert out == ["1", "False", "False", "0.1438", "Chart", "True", "True", "True"]
