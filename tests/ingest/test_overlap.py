"""Tests for pipeline.ingest.overlap: re-exports are recognised by content (rows new / same / changed / gone)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.ingest import IngestOptions, batches, ingest_file, overlap

HEADER = "Datum;Konto;Förvaltning;Leverantör;Fakturanummer;Belopp"
Q1 = ["2024-01-05;4610;Soc;A AB;F1;100,00", "2024-02-06;4620;Soc;B AB;F2;50,00", "2024-03-07;4630;Tek;C AB;F3;70,00"]


def _file(tmp_path: Path, name: str, rows: list[str], newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(newline.join([HEADER, *rows, ""]).encode("utf-8"))
    return path


def _live_sum(con) -> float:
    return float(con.execute("select coalesce(sum(l.amount), 0) from ledger_line l join ledger_batch b using (batch_id) "
                             "where b.status = 'loaded'").fetchone()[0])


def test_the_same_rows_saved_again_are_not_counted_again(con, tmp_path):
    """The issue's CRLF re-save: other bytes, other hash, the same rows. Not loaded; the year is not doubled."""
    first = ingest_file(con, _file(tmp_path, "q1.csv", Q1), IngestOptions(year=2024))
    again = ingest_file(con, _file(tmp_path, "q1_crlf.csv", Q1, newline="\r\n"), IngestOptions(year=2024))
    assert (again.status, again.batch_id) == ("duplicate", first.batch_id)
    assert again.summary == ("the same 3 rows as batch 1 (q1.csv), already loaded; not counted again (the file "
                             "differs only in how it was saved)")
    assert again.overlap["kind"] == "identical"
    assert con.execute("select count(*) from ledger_batch").fetchone() == (1,) and _live_sum(con) == 220.0


def test_a_corrected_re_export_is_held_and_replaces_the_batch_when_asked(con, tmp_path):
    """The issue's corrected re-export: one amount changed (F2: 50,00 -> 55,00). Before, it loaded as a second
    batch and the year counted 220 + 225 = 445; now nothing loads until a choice is made, and replacing gives 225."""
    ingest_file(con, _file(tmp_path, "q1.csv", Q1), IngestOptions(year=2024))
    fixed = _file(tmp_path, "q1_fixed.csv", [Q1[0], Q1[1].replace("50,00", "55,00"), Q1[2]])
    held = ingest_file(con, fixed, IngestOptions(year=2024))
    assert (held.status, held.batch_id) == ("overlap", None)
    assert held.summary == ("3 of its 3 rows are already loaded: batch 1 (q1.csv, 2024-01-05..2024-03-07): 0 new, "
                            "2 same, 1 changed, 0 gone; nothing was loaded")
    assert held.overlap["suggestion"] == "replace" and _live_sum(con) == 220.0
    replaced = ingest_file(con, fixed, IngestOptions(year=2024, replace_batch_id=1))
    assert (replaced.status, replaced.replaced_batch_id) == ("loaded", 1)
    assert _live_sum(con) == 225.0
    # "replace the overlapping batches" does the same without naming them
    again = _file(tmp_path, "q1_fixed2.csv", [Q1[0], Q1[1].replace("50,00", "56,00"), Q1[2]])
    r = ingest_file(con, again, IngestOptions(year=2024, on_overlap="replace"))
    assert (r.status, r.replaced_batch_ids) == ("loaded", [replaced.batch_id]) and _live_sum(con) == 226.0


def test_a_cumulative_export_replaces_the_earlier_one(con, tmp_path):
    """January-March (220) then January-April (220 + 30): the second replaces the first; the live sum is 250."""
    ingest_file(con, _file(tmp_path, "jan_mar.csv", Q1), IngestOptions(year=2024))
    r = ingest_file(con, _file(tmp_path, "jan_apr.csv", [*Q1, "2024-04-08;4640;Tek;D AB;F4;30,00"]),
                    IngestOptions(year=2024))
    assert (r.status, r.replaced_batch_ids, r.overlap["kind"]) == ("loaded", [1], "cumulative")
    assert r.notes[-1] == ("replaces batch 1 (a cumulative export: every line of the batch is in this file, "
                           "unchanged): batch 1 (jan_mar.csv, 2024-01-05..2024-03-07): 1 new, 3 same, 0 changed, 0 gone")
    assert batches.batch_row(con, 1)["status"] == "replaced" and _live_sum(con) == 250.0
    history = [(h["event"], h["related_batch_id"]) for h in batches.batch_history(con, 1)]
    assert history == [("loaded", None), ("replaced", r.batch_id)]


def test_an_annual_file_replaces_the_monthly_batches_it_holds(con, tmp_path):
    for i, row in enumerate(Q1):
        ingest_file(con, _file(tmp_path, f"m{i}.csv", [row]), IngestOptions(year=2024))
    r = ingest_file(con, _file(tmp_path, "year.csv", [*Q1, "2024-12-08;4640;Tek;D AB;F4;30,00"]),
                    IngestOptions(year=2024))
    assert r.replaced_batch_ids == [1, 2, 3] and _live_sum(con) == 250.0
    assert [b["status"] for b in batches.list_batches(con)] == ["loaded", "replaced", "replaced", "replaced"]


def test_a_file_whose_rows_are_all_loaded_is_not_loaded_again(con, tmp_path):
    ingest_file(con, _file(tmp_path, "q1.csv", Q1), IngestOptions(year=2024))
    r = ingest_file(con, _file(tmp_path, "march.csv", [Q1[2]]), IngestOptions(year=2024))
    assert (r.status, r.overlap["kind"]) == ("duplicate", "contained")
    assert r.summary == ("every one of its 1 rows is already loaded (batch 1 (q1.csv, 2024-01-05..2024-03-07): 0 new, "
                         "1 same, 0 changed, 2 gone); not counted again")


def test_a_partial_overlap_suggests_loading_only_the_new_rows(con, tmp_path):
    """March-June over January-March: March is shared. Replacing would drop January and February."""
    ingest_file(con, _file(tmp_path, "q1.csv", Q1), IngestOptions(year=2024))
    later = _file(tmp_path, "mar_jun.csv", [Q1[2], "2024-04-08;4640;Tek;D AB;F4;30,00",
                                            "2024-06-09;4650;Tek;E AB;F6;10,00"])
    held = ingest_file(con, later, IngestOptions(year=2024))
    assert (held.status, held.overlap["suggestion"]) == ("overlap", "new-rows")
    only_new = ingest_file(con, later, IngestOptions(year=2024, on_overlap="new-rows"))
    assert (only_new.rows_read, only_new.rows_loaded, only_new.rows_rejected) == (3, 2, 1)
    assert only_new.errors == ["mar_jun.csv: row 2: the same line is already loaded in batch 1 (row 4); not loaded "
                               "again (already-loaded)"]
    assert (only_new.sum_read, only_new.sum_loaded, only_new.sum_rejected) == (110.0, 40.0, 70.0)
    assert _live_sum(con) == 260.0
    # the summary counts the row quarantined as already loaded (it said "no rows quarantined": the contract's count),
    # and the batch stores the same words
    assert only_new.summary.startswith("15 of 15 checks of the ledger contract passed on 3 rows; 1 row quarantined: "
                                       "1 with a line already loaded in another batch (only new rows loaded) "
                                       "(already-loaded)"), only_new.summary
    assert con.execute("select validation_summary from ledger_batch where batch_id = ?",
                       [only_new.batch_id]).fetchone()[0] == only_new.summary


def test_a_changed_row_is_not_taken_when_only_new_rows_load(con, tmp_path):
    ingest_file(con, _file(tmp_path, "q1.csv", Q1), IngestOptions(year=2024))
    path = _file(tmp_path, "x.csv", [Q1[2].replace("70,00", "75,00"), "2024-04-08;4640;Tek;D AB;F4;30,00"])
    r = ingest_file(con, path, IngestOptions(year=2024, on_overlap="new-rows"))
    assert r.errors == ["x.csv: row 2: the same line is loaded in batch 1 (row 4) with the amount 70.00; not loaded "
                        "(replace batch 1 to take the new amount) (already-loaded)"]


def test_a_deliberate_overlap_loads_every_row(con, tmp_path):
    ingest_file(con, _file(tmp_path, "q1.csv", Q1), IngestOptions(year=2024))
    r = ingest_file(con, _file(tmp_path, "q1_crlf.csv", Q1, newline="\r\n"), IngestOptions(year=2024,
                                                                                        on_overlap="allow"))
    assert (r.status, r.rows_loaded, r.n_warnings) == ("loaded", 3, 4)     # 3 shared rows + the period gap
    assert "3 × a line that is already loaded in another batch" in r.summary, r.summary
    stored = json.loads(con.execute("select validation_result from ledger_batch where batch_id = ?",
                                    [r.batch_id]).fetchone()[0])
    assert stored["overlap"]["choice"] == "allow" and stored["overlap"]["kind"] == "identical"
    assert _live_sum(con) == 440.0


def test_another_organisation_and_another_period_are_not_compared(con, tmp_path):
    """Only live batches of the same organisation whose period meets the file's dates are read at all."""
    ingest_file(con, _file(tmp_path, "q1.csv", Q1), IngestOptions(year=2024))
    ingest_file(con, _file(tmp_path, "q4.csv", ["2024-11-05;4610;Soc;A AB;F9;1,00"]), IngestOptions(year=2024))
    ingest_file(con, _file(tmp_path, "b.csv", Q1), IngestOptions(year=2024, organisation_id="bolag",
                                                                 create_organisation=True))
    con.execute("create temp table new_lines as select 1 as source_row, 0::ubigint as line_key, 1.0 as amount, "
                "date '2024-02-01' as day_from, date '2024-02-28' as day_to")
    assert [c[0] for c in overlap.candidates(con, "new_lines", "org")] == [1]
    assert [c[0] for c in overlap.candidates(con, "new_lines", "org", exclude=[1])] == []


def test_validate_and_ingest_agree_on_an_overlap(tmp_path, capsys):
    db = str(tmp_path / "k.duckdb")
    assert main(["ingest", str(_file(tmp_path, "q1.csv", Q1)), "--year", "2024", "--db", db]) == 0
    fixed = str(_file(tmp_path, "q1_fixed.csv", [Q1[0], Q1[1].replace("50,00", "55,00"), Q1[2]]))
    capsys.readouterr()
    outputs = {}
    for verb in ("validate", "ingest"):
        code = main([verb, fixed, "--year", "2024", "--db", db])
        outputs[verb] = (code, capsys.readouterr().out)
    assert outputs["validate"] == outputs["ingest"]
    code, out = outputs["ingest"]
    assert code == 1 and out.splitlines() == [
        "q1_fixed.csv: 3 of its 3 rows are already loaded: batch 1 (q1.csv, 2024-01-05..2024-03-07): 0 new, 2 same, "
        "1 changed, 0 gone; nothing was loaded (overlap)",
        "  to load it, run the same command again with one of these options:",
        "    --replace 1      replace batch 1 with this file (suggested)",
        "    --allow-overlap  load every row anyway (the shared rows then count twice)",
    ]
    assert main(["ingest", fixed, "--year", "2024", "--db", db, "--replace", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["replaced_batch_ids"] == [1]


@pytest.mark.parametrize("flags,status", [([], "overlap"), (["--only-new"], "loaded"), (["--allow-overlap"], "loaded"),
                                          (["--replace-overlapping"], "loaded")])
def test_cli_choices(tmp_path, capsys, flags, status):
    db = str(tmp_path / "k.duckdb")
    main(["ingest", str(_file(tmp_path, "q1.csv", Q1)), "--year", "2024", "--db", db])
    later = _file(tmp_path, "mar_apr.csv", [Q1[2], "2024-04-08;4640;Tek;D AB;F4;30,00"])
    capsys.readouterr()
    code = main(["ingest", str(later), "--year", "2024", "--db", db, "--json", *flags])
    assert (code, json.loads(capsys.readouterr().out)["status"]) == (0 if status == "loaded" else 1, status)


def test_keys_are_computed_only_when_a_loaded_batch_meets_the_file_dates(con, tmp_path, monkeypatch):
    """A file of 2025 next to a loaded 2024 batch: no batch's period meets its dates, so no key is computed (the
    cost of the check does not grow with what was loaded before); a re-export of the 2024 file is compared."""
    built = []
    lines_table = overlap.lines_table
    monkeypatch.setattr(overlap, "lines_table", lambda *a, **k: built.append(a[1]) or lines_table(*a, **k))
    ingest_file(con, _file(tmp_path, "q1.csv", Q1), IngestOptions(year=2024))
    later = ingest_file(con, _file(tmp_path, "q1_2025.csv", [r.replace("2024-", "2025-") for r in Q1]),
                        IngestOptions(year=2025))
    assert later.status == "loaded" and later.overlap is None and built == []
    again = ingest_file(con, _file(tmp_path, "q1_crlf.csv", Q1, newline="\r\n"), IngestOptions(year=2024))
    assert again.status == "duplicate" and len(built) == 1


def test_a_deliberate_overlap_names_the_loaded_line_of_each_row(con, tmp_path):
    """Loaded again as asked: a same line and a changed line (its loaded amount with two decimals) each get a
    warning naming the batch and row they repeat; the changed line quarantined instead names the batch to replace."""
    ingest_file(con, _file(tmp_path, "q1.csv", Q1), IngestOptions(year=2024))
    rows = [Q1[0], Q1[2].replace("70,00", "75,00")]
    again = ingest_file(con, _file(tmp_path, "again.csv", rows), IngestOptions(year=2024, on_overlap="allow"))
    assert [w for w in again.warnings if "duplicate-of-loaded" in w] == [
        "again.csv: row 2: the same line is already loaded in batch 1 (row 2); loaded again as asked (overlap "
        "allowed) (duplicate-of-loaded)",
        "again.csv: row 3: the same line is loaded in batch 1 (row 4) with the amount 70.00; loaded again as asked "
        "(overlap allowed) (duplicate-of-loaded)"]
    assert list(overlap.row_findings(overlap.Overlap(rows=0), "error").columns) == [
        "source_row", "severity", "code", "field", "value", "message"]
