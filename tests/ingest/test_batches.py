"""Tests for pipeline.batches: atomic loads, duplicates, replace with history, delete, findings export."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline.ingest import batches
from pipeline import store
from pipeline.errors import KlimatspendError, UsageError
from pipeline.ingest import IngestOptions, ingest_file

TABLES = ("ledger_batch", "ledger_line", "rejected_line", "validation_issue", "ledger_batch_event")
GOOD = "Datum;Förvaltning;Konto;Belopp\n2024-03-05;KLF;4610;100,00\n2024-03-06;KLF;4620;50,00\n2024-03-07;KLF;;7,00\n"
CORRECTED = ("Datum;Förvaltning;Konto;Belopp\n2024-03-05;KLF;4610;100,00\n2024-03-06;KLF;4620;50,00\n"
             "2024-03-07;KLF;4630;7,00\n")


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _counts(con) -> dict[str, int]:
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


@pytest.mark.parametrize("failure", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_a_failure_late_in_the_load_leaves_nothing(con, tmp_path, monkeypatch, failure):
    """The history event is written after the lines, quarantined rows and warnings: failing there
    (an error, or Ctrl-C) must roll all of them back."""
    def boom(*args, **kwargs):
        raise failure

    monkeypatch.setattr(batches, "_event", boom)
    with pytest.raises(type(failure)):
        ingest_file(con, _file(tmp_path, "a.csv", GOOD), IngestOptions(period="2024-03"))
    assert _counts(con) == dict.fromkeys(TABLES, 0)
    monkeypatch.undo()
    r = ingest_file(con, _file(tmp_path, "a.csv", GOOD), IngestOptions(period="2024-03"))
    assert (r.status, r.rows_loaded, r.rows_rejected) == ("loaded", 2, 1)


def test_a_crash_in_the_middle_of_a_load_leaves_nothing(tmp_path):
    """A process killed mid-transaction (os._exit, no cleanup): the reopened database holds no partial batch."""
    db = tmp_path / "k.duckdb"
    path = _file(tmp_path, "a.csv", GOOD)
    script = textwrap.dedent(f"""
        import os
        from pipeline import store
        from pipeline.ingest import batches
        from pipeline.ingest import IngestOptions, ingest_file
        con = store.connect({str(db)!r})
        def crash(con, *args, **kwargs):
            lines = con.execute("select count(*) from ledger_line").fetchone()[0]
            print("lines inserted before the crash:", lines, flush=True)
            os._exit(9)
        batches._event = crash
        ingest_file(con, {str(path)!r}, IngestOptions(period="2024-03"))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 9 and "lines inserted before the crash: 2" in proc.stdout
    con = store.connect(db)
    try:
        assert _counts(con) == dict.fromkeys(TABLES, 0)
    finally:
        con.close()


def test_reconciliation_failure_stores_nothing(con, tmp_path, monkeypatch):
    r = ingest_file(con, _file(tmp_path, "a.csv", GOOD), IngestOptions(period="2024-03", dry_run=True))
    assert r.rows_read == 3
    original = batches.store_batch

    def lying(*args, **kwargs):
        kwargs["rows_read"] += 1      # as if a row had been lost between reading and storing
        return original(*args, **kwargs)

    monkeypatch.setattr(batches, "store_batch", lying)
    with pytest.raises(KlimatspendError, match=r"a.csv: internal reconciliation failed \(read 4 rows"):
        ingest_file(con, _file(tmp_path, "a.csv", GOOD), IngestOptions(period="2024-03"))
    assert _counts(con) == dict.fromkeys(TABLES, 0)


def test_the_same_file_twice_is_recognised(con, tmp_path):
    path = _file(tmp_path, "a.csv", GOOD)
    first = ingest_file(con, path, IngestOptions(period="2024-03"))
    again = ingest_file(con, _file(tmp_path, "copy-of-a.csv", GOOD), IngestOptions(period="2024-03"))
    assert again.status == "duplicate" and again.batch_id == first.batch_id
    assert again.summary.startswith(f"already loaded as batch {first.batch_id} on ")
    assert again.summary.endswith(f"not counted again (to load a corrected file: --replace {first.batch_id})")
    assert con.execute("select count(*) from ledger_line").fetchone() == (2,)
    # another organisation may load the same bytes
    assert ingest_file(con, path, IngestOptions(period="2024-03", organisation_id="bolaget",
                                                   create_organisation=True)).status == "loaded"


def test_replace_keeps_the_history(con, tmp_path):
    old = ingest_file(con, _file(tmp_path, "a.csv", GOOD), IngestOptions(period="2024-03", uploaded_by="anna"))
    new = ingest_file(con, _file(tmp_path, "a-rättad.csv", CORRECTED),
                      IngestOptions(period="2024-03", replace_batch_id=old.batch_id, uploaded_by="bo"))
    assert (new.status, new.rows_loaded, new.replaced_batch_id) == ("loaded", 3, old.batch_id)
    rows = {r["batch_id"]: r for r in batches.list_batches(con)}
    assert (rows[old.batch_id]["status"], rows[old.batch_id]["replaced_by_batch_id"]) == ("replaced", new.batch_id)
    assert rows[new.batch_id]["replaces_batch_id"] == old.batch_id
    # the old lines stay (audit trail) but only the live batch counts
    assert con.execute("select count(*) from ledger_line").fetchone() == (5,)
    assert batches.list_batches(con, include_inactive=False)[0]["batch_id"] == new.batch_id
    history = [(h["event"], h["by_user"], h["related_batch_id"]) for h in batches.batch_history(con, old.batch_id)]
    assert history == [("loaded", "anna", None), ("replaced", "bo", new.batch_id)]
    # loading the replaced file again is refused: it would count twice
    back = ingest_file(con, _file(tmp_path, "a.csv", GOOD), IngestOptions(period="2024-03"))
    assert back.status == "duplicate"
    assert back.summary == (f"this exact file was batch {old.batch_id}, which was replaced by batch {new.batch_id}; "
                            f"not loaded again (to go back to it: --replace {new.batch_id})")
    # ...but it can replace the corrected one, going back
    back = ingest_file(con, _file(tmp_path, "a.csv", GOOD), IngestOptions(period="2024-03",
                                                                           replace_batch_id=new.batch_id))
    assert back.status == "loaded"


@pytest.mark.parametrize("case,message", [
    ("missing", "--replace 99: no such batch"),
    ("replaced", "that batch was already replaced by batch"),
    ("identical", "the file is identical to batch"),
    ("other-org", "that batch belongs to organisation 'org', not 'bolaget'"),
])
def test_replace_refusals(con, tmp_path, case, message):
    old = ingest_file(con, _file(tmp_path, "a.csv", GOOD), IngestOptions(period="2024-03"))
    corrected = _file(tmp_path, "b.csv", CORRECTED)
    target, opts = old.batch_id, {}
    if case == "missing":
        target = 99
    elif case == "replaced":
        ingest_file(con, corrected, IngestOptions(period="2024-03", replace_batch_id=old.batch_id))
        corrected = _file(tmp_path, "c.csv", CORRECTED + "2024-03-08;4640;1,00\n")
    elif case == "identical":
        corrected = _file(tmp_path, "a2.csv", GOOD)
    elif case == "other-org":
        opts = {"organisation_id": "bolaget", "create_organisation": True}
    before = _counts(con)
    with pytest.raises(UsageError, match=message):
        ingest_file(con, corrected, IngestOptions(period="2024-03", replace_batch_id=target, **opts))
    assert _counts(con) == before


def test_a_replacement_that_loads_nothing_changes_nothing(con, tmp_path):
    old = ingest_file(con, _file(tmp_path, "a.csv", GOOD), IngestOptions(period="2024-03"))
    before = _counts(con)
    with pytest.raises(KlimatspendError, match="no row of the new file could be loaded, so it does not replace batch"):
        ingest_file(con, _file(tmp_path, "bad.csv", "Datum;Förvaltning;Konto;Belopp\n2024-03-05;KLF;;1\n"),
                    IngestOptions(period="2024-03", replace_batch_id=old.batch_id))
    assert _counts(con) == before
    assert batches.batch_row(con, old.batch_id)["status"] == "loaded"


def test_delete_keeps_the_record(con, tmp_path):
    r = ingest_file(con, _file(tmp_path, "a.csv", GOOD), IngestOptions(period="2024-03"))
    row = batches.delete_batch(con, r.batch_id, user="cecilia")
    assert row["status"] == "deleted"
    assert con.execute("select count(*) from ledger_line where batch_id = ?", [r.batch_id]).fetchone() == (2,)
    assert [h["event"] for h in batches.batch_history(con, r.batch_id)] == ["loaded", "deleted"]
    with pytest.raises(UsageError, match=f"batch {r.batch_id} is already deleted"):
        batches.delete_batch(con, r.batch_id)
    # a deleted file may be loaded again
    assert ingest_file(con, _file(tmp_path, "a.csv", GOOD), IngestOptions(period="2024-03")).status == "loaded"


def test_findings_export_lists_every_error_and_warning(con, tmp_path):
    path = _file(tmp_path, "f.csv", "Datum;Konto;Belopp\n2024-03-05;4610;60 000 000,00\n2024-03-06;;12,5O\n"
                                    "2024-03-07;4620;1,00\n")
    r = ingest_file(con, path, IngestOptions(period="2024-03", department="Kommunledningsförvaltningen"))
    out = io.StringIO()
    assert batches.write_findings_csv(con, r.batch_id, out) == 3
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == batches.FINDINGS_CSV_HEADER
    assert rows[1:] == [
        [str(r.batch_id), "f.csv", "2", "warning", "large-amount", "Belopp", "60 000 000,00",
         'value "60 000 000,00" is unusually large; check it', "", "no"],
        [str(r.batch_id), "f.csv", "3", "error", "missing-cell", "Konto", "", "the cell is empty", "", "yes"],
        [str(r.batch_id), "f.csv", "3", "error", "type-error", "Belopp", "12,5O", 'value "12,5O" is not a number', "",
         "yes"],
    ]
    data = batches.findings_csv_bytes(con, r.batch_id, delimiter=";")
    assert data.startswith("\ufeff".encode("utf-8")) and b"batch_id;file;row" in data
    with pytest.raises(UsageError, match="batch 999: no such batch"):
        batches.findings(con, 999)


def test_a_duplicate_that_appears_during_the_load_is_not_counted(con, tmp_path, monkeypatch):
    """Two uploads of the same file at once: the second one finds the first inside its transaction."""
    path = _file(tmp_path, "a.csv", GOOD)
    original = batches.store_batch

    def racing(*args, **kwargs):
        monkeypatch.setattr(batches, "store_batch", original)
        ingest_file(con, path, IngestOptions(period="2024-03"))   # the other upload wins the race
        return original(*args, **kwargs)

    monkeypatch.setattr(batches, "store_batch", racing)
    with pytest.raises(KlimatspendError, match="the same file was just loaded as batch 1; not counted again"):
        ingest_file(con, path, IngestOptions(period="2024-03"))
    assert con.execute("select count(*) from ledger_batch").fetchone() == (1,)
