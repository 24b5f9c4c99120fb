"""Tests for `klimatspend ingest`, `validate` and `batches`: exit codes, output, profiles, CSV export."""

from __future__ import annotations

import csv
import io
import json


from pipeline.cli import main
from tests.helpers.paths import FIXTURES

INGEST = FIXTURES / "ingest"
FIXTURES = FIXTURES


def _run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def test_ingest_prints_counts_sums_summary_and_errors(tmp_path, capsys):
    code, out, err = _run(capsys, "ingest", FIXTURES / "ledger_small_sv.csv", "--year", "2024", "--db",
                          tmp_path / "k.duckdb")
    assert code == 0
    assert out.splitlines()[0] == "ledger_small_sv.csv: batch 1 loaded 2 of 5 rows; 3 quarantined"
    assert out.splitlines()[1] == "  sums (SEK): read 434.50 = loaded 1,034.50 + quarantined -600.00"
    assert '  ledger_small_sv.csv: row 3, column "Belopp": value "12,5O" is not a number (type-error)' in err
    # a supplier number failing its check digit is a warning: the credit note loads
    assert ('  warning: ledger_small_sv.csv: row 6, column "Organisationsnummer": value "556036-0794" is not a valid '
            "Swedish organisationsnummer (check digit or length); the row is kept and classified by its account "
            "(invalid-org-number)") in err


def test_ingest_json_has_the_documented_keys(tmp_path, capsys):
    code, out, _ = _run(capsys, "ingest", INGEST / "open_ap_2024.csv", "--json", "--db", tmp_path / "k.duckdb")
    data = json.loads(out)
    assert code == 0
    for key in ("batch_id", "status", "rows_read", "rows_loaded", "rows_rejected", "sum_read", "sum_loaded",
                "sum_rejected", "currency", "errors", "warnings", "summary", "notes", "format", "source",
                "column_mapping", "timings_s"):
        assert key in data
    assert (data["status"], data["rows_read"], data["rows_loaded"], data["currency"]) == ("loaded", 8, 7, "SEK")
    assert set(data["timings_s"]) == {"parse", "normalise", "validate", "load", "total"}


def test_long_error_lists_are_capped_with_the_count(tmp_path, capsys):
    path = tmp_path / "many.csv"
    path.write_text("Datum;Konto;Belopp\n" + "".join(f"2024-01-02;;{i},00\n" for i in range(120)), encoding="utf-8")
    code, out, err = _run(capsys, "ingest", path, "--db", tmp_path / "k.duckdb", "--max-errors", "5",
                          "--department", "Kommunledningsförvaltningen")
    assert code == 1   # nothing could be loaded
    lines = [x for x in err.splitlines() if "many.csv: row" in x]
    assert len(lines) == 5
    assert "  ... and 115 more errors (120 in all; `klimatspend batches errors 1` writes them all as CSV)" in err
    assert "(rejected: nothing could be loaded)" in out.splitlines()[0]


def test_exit_codes(tmp_path, capsys):
    db = tmp_path / "k.duckdb"
    good = INGEST / "open_ap_2024.csv"
    assert _run(capsys, "ingest", good, "--db", db)[0] == 0
    assert _run(capsys, "ingest", good, "--db", db)[0] == 0             # duplicate: recognised, not an error
    assert _run(capsys, "ingest", tmp_path / "nope.csv", "--db", db)[0] == 1
    code, _, err = _run(capsys, "ingest", good, "--period", "2024-13", "--db", db)
    assert code == 2 and err.strip() == "klimatspend: --period 2024-13: expected YYYY-MM, e.g. 2024-03"
    assert _run(capsys, "ingest", "--db", db)[0] == 2
    assert _run(capsys, "ingest", good, "--profile", "nope", "--db", db)[0] == 2
    assert _run(capsys, "ingest", good, "--map", "kontot=Konto", "--db", db)[0] == 2


def test_one_bad_file_does_not_stop_the_others(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01binary")
    code, out, err = _run(capsys, "ingest", bad, INGEST / "open_ap_2024.csv", "--db", tmp_path / "k.duckdb")
    assert code == 1
    assert err.splitlines()[0].startswith("klimatspend: bad.csv: this is a binary file")
    assert "open_ap_2024.csv: batch 1 loaded 7 of 8 rows" in out


def test_uk_file_with_profile_and_currency_on_the_command_line(tmp_path, capsys):
    code, out, _ = _run(capsys, "ingest", INGEST / "uk" / "harrogate_2022-08_clean.csv", "--profile",
                        "uk-council-spend", "--db", tmp_path / "k.duckdb", "--json")
    data = json.loads(out)
    assert code == 0 and data["currency"] == "GBP" and data["sum_loaded"] == 5385270.74
    code, out, _ = _run(capsys, "ingest", INGEST / "uk" / "calderdale_2022-08_clean.csv", "--currency", "GBP",
                        "--any-account", "--map", "account=Expense Code", "--db", tmp_path / "k.duckdb", "--json")
    data = json.loads(out)
    assert code == 0 and data["rows_loaded"] == 1956 and data["column_mapping"]["fields"]["account"] == "Expense Code"


def test_show_columns(tmp_path, capsys):
    code, out, _ = _run(capsys, "ingest", INGEST / "open_ap_2024.csv", "--show-columns", "--db", tmp_path / "k.duckdb")
    assert code == 0
    assert out.splitlines()[0] == ("open_ap_2024.csv: csv, encoding utf-8 with BOM, delimiter ';', header on row 1, "
                                   "8 data rows")
    assert any(line.startswith("Konto ") and " account " in line and "4610 Köp av huvudverksamhet" in line
               for line in out.splitlines())
    code, out, _ = _run(capsys, "ingest", INGEST / "uk" / "harrogate_2022-08_clean.csv", "--show-columns",
                        "--db", tmp_path / "k.duckdb")
    # a UK council file is recognised without --profile (issue 17): its expense type is the account
    assert "read with the import profile uk-council-spend" in out
    assert any(line.startswith("Expenditure Code ") and " account " in line for line in out.splitlines())


def test_list_profiles(capsys):
    code, out, _ = _run(capsys, "ingest", "--list-profiles")
    assert code == 0 and "uk-council-spend" in out and "raindance" in out
    code, out, _ = _run(capsys, "ingest", "--list-profiles", "--json")
    assert {p["name"] for p in json.loads(out)} >= {"unit4", "visma", "open-ap", "sie"}


def test_validate_stores_nothing_and_reports_overlaps(tmp_path, capsys):
    db = tmp_path / "k.duckdb"
    code, out, _ = _run(capsys, "validate", INGEST / "open_ap_2024.csv", "--db", db)
    assert code == 1 and "would load 7 of 8 rows; 1 quarantined" in out and not db.exists()
    path = tmp_path / "clean.csv"
    path.write_text("Datum;Konto;Belopp;Fakturanr;Leverantör;Förvaltning\n2024-01-02;4610;10,00;F1;A AB;KLF\n",
                    encoding="utf-8")
    assert _run(capsys, "validate", path, "--db", db)[0] == 0
    assert _run(capsys, "ingest", path, "--db", db)[0] == 0
    other = tmp_path / "other.csv"
    other.write_text("Datum;Konto;Belopp;Fakturanr;Leverantör;Förvaltning\n2024-01-02;4610;10,00;F1;A AB;KLF\n"
                     "2024-01-03;4610;1;F2;B;KLF\n", encoding="utf-8")
    code, out, err = _run(capsys, "validate", other, "--db", db)
    assert code == 0 and "note: replaces batch 1 (a cumulative export" in out
    partial = tmp_path / "partial.csv"
    partial.write_text("Datum;Konto;Belopp;Fakturanr;Leverantör;Förvaltning\n2024-01-02;4610;12,00;F1;A AB;KLF\n"
                       "2024-01-05;4610;1;F2;B;KLF\n",
                       encoding="utf-8")
    code, out, err = _run(capsys, "validate", partial, "--db", db)
    assert code == 1 and "1 of its 2 rows are already loaded: batch 1 (clean.csv" in out and "--only-new" in out
    code, out, _ = _run(capsys, "validate", path, "--db", db)
    assert code == 1 and "already loaded as batch 1" in out


def test_batches_list_show_delete_and_errors_csv(tmp_path, capsys):
    db = tmp_path / "k.duckdb"
    _run(capsys, "ingest", FIXTURES / "ledger_small_sv.csv", "--year", "2024", "--db", db, "--user", "anna")
    code, out, _ = _run(capsys, "batches", "--db", db)
    assert code == 0 and "ledger_small_sv.csv" in out and " loaded " in out
    code, out, _ = _run(capsys, "batches", "list", "--db", db, "--json")
    assert json.loads(out)[0]["rows_rejected"] == 3
    code, out, _ = _run(capsys, "batches", "show", "1", "--db", db)
    assert "history                " in out and "loaded by anna" in out
    assert "encoding 'cp1252', delimiter ';'" in out
    assert "  3  type-error        Belopp" in out
    target = tmp_path / "fel.csv"
    code, _, err = _run(capsys, "batches", "errors", "1", "-o", target, "--delimiter", ";", "--db", db)
    assert code == 0 and "wrote 5 findings of batch 1" in err
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["batch_id", "file", "row", "severity", "code"] and len(rows) == 6
    code, out, _ = _run(capsys, "batches", "delete", "1", "--db", db, "--user", "bo")
    assert code == 0 and "batch 1 (ledger_small_sv.csv) deleted" in out
    code, _, err = _run(capsys, "batches", "delete", "1", "--db", db)
    assert code == 2 and err.strip() == "klimatspend: batch 1 is already deleted"
    code, _, err = _run(capsys, "batches", "errors", "7", "--db", db, "-o", tmp_path / "x.csv")
    assert code == 2 and not (tmp_path / "x.csv").exists()


def test_replace_on_the_command_line(tmp_path, capsys):
    db = tmp_path / "k.duckdb"
    first = tmp_path / "a.csv"
    first.write_text("Datum;Ansvar;Konto;Belopp\n2024-01-02;110;;10,00\n2024-01-03;110;4610;5,00\n", encoding="utf-8")
    fixed = tmp_path / "a2.csv"
    fixed.write_text("Datum;Ansvar;Konto;Belopp\n2024-01-02;110;4610;10,00\n2024-01-03;110;4610;5,00\n",
                     encoding="utf-8")
    _run(capsys, "ingest", first, "--db", db)
    code, out, _ = _run(capsys, "ingest", fixed, "--replace", "1", "--db", db, "--json")
    assert code == 0 and json.loads(out)["replaced_batch_id"] == 1
    code, out, _ = _run(capsys, "batches", "--db", db)
    assert "replaced by 2" in out and "loaded (replaces 1)" in out
    assert _run(capsys, "ingest", first, fixed, "--replace", "2", "--db", db)[0] == 2


def test_an_unknown_org_is_an_error_listing_the_known_ones(tmp_path, capsys):
    """A typo must not create an organisation: only the first ledger of an empty database registers one."""
    db = tmp_path / "k.duckdb"
    code, out, _ = _run(capsys, "ingest", FIXTURES / "ledger_small_sv.csv", "--year", "2024", "--db", db,
                        "--org", "kommun")
    assert code == 0 and "note: organisation kommun was registered with this first ledger" in out
    _run(capsys, "org", "add", "bolag", "--name", "Lillby Bostäder AB", "--db", db)
    for verb in ("ingest", "validate"):
        code, out, err = _run(capsys, verb, FIXTURES / "ledger_small_sv.csv", "--year", "2024", "--db", db,
                              "--org", "kommunn")
        assert (code, out) == (2, "")
        assert err.strip() == ("klimatspend: --org kommunn: no such organisation (known: bolag (Lillby Bostäder AB), "
                               "kommun); add it first with `klimatspend org add kommunn --name NAME`")
    assert _run(capsys, "org", "list", "--db", db, "--json")[1].count('"organisation_id"') == 2


def test_a_large_file_shows_its_progress_step_by_step_in_the_cli_language(tmp_path, capsys, monkeypatch):
    """Files of PROGRESS_MIN_BYTES or more print each step on stderr (read, normalise, validate, store); a small
    file prints none (see test_one_bad_file_does_not_stop_the_others). The threshold is lowered for this fixture."""
    from pipeline.cli import ingest as ingest_verb

    monkeypatch.setattr(ingest_verb, "PROGRESS_MIN_BYTES", 0)
    code, out, err = _run(capsys, "ingest", INGEST / "open_ap_2024.csv", "--db", tmp_path / "k.duckdb", "--lang", "sv")
    assert code == 0
    lines = err.splitlines()
    assert lines[0].startswith("open_ap_2024.csv: läser (0,0 MB) …")
    assert "open_ap_2024.csv: 8 rader lästa; tolkar belopp, datum och konton …" in lines
    assert "open_ap_2024.csv: kontrollerar 8 rader …" in lines and "open_ap_2024.csv: sparar …" in lines
