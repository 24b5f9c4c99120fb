"""The audit log: entries with who/when/what, filters, and a CSV export safe for spreadsheets."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from pipeline.access import audit


def test_record_and_read_back_with_detail(con):
    first = audit.record(con, "batch.load", actor="ulla", actor_role="uploader", object_kind="batch", object_id=7,
                         detail={"file": "ledger.csv", "sum_loaded": Decimal("1234.50")}, ip="10.0.0.1")
    audit.record(con, "login.failure", actor=None, object_kind="user", object_id="rita",
                 detail={"reason": "bad-credentials"}, ip="10.0.0.2")
    rows = audit.entries(con)
    assert [r["action"] for r in rows] == ["login.failure", "batch.load"]        # newest first
    load = rows[1]
    assert load["audit_id"] == first and load["actor"] == "ulla" and load["object_id"] == "7"
    assert load["detail"] == {"file": "ledger.csv", "sum_loaded": 1234.5}
    assert load["logged_at"] is not None and load["source"] == "web"


def test_filters_by_action_prefix_actor_and_object(con):
    for action, actor in [("login.success", "rita"), ("login.failure", None), ("run.compute", "rita"),
                          ("run.publish", "adam")]:
        audit.record(con, action, actor=actor, object_kind="run", object_id=1)
    assert [r["action"] for r in audit.entries(con, action="login")] == ["login.failure", "login.success"]
    assert [r["action"] for r in audit.entries(con, action="run.publish")] == ["run.publish"]
    assert [r["action"] for r in audit.entries(con, actor="rita")] == ["run.compute", "login.success"]
    assert len(audit.entries(con, object_kind="run", object_id="1")) == 4
    assert audit.count(con, "run") == 2 and audit.count(con) == 4
    assert [r["action"] for r in audit.entries(con, limit=1, offset=1)] == ["run.compute"]


def test_csv_export_quotes_formula_cells(con):
    audit.record(con, "upload.validate", actor="=cmd|'/c calc'!A1", object_kind="upload", object_id="-1+1",
                 detail={"file": "@SUM(A1)"})
    text = audit.to_csv(audit.entries(con))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["audit_id", "logged_at", "actor", "actor_role", "action"]
    assert rows[1][2] == "'=cmd|'/c calc'!A1" and rows[1][6] == "'-1+1"
    assert rows[1][7] == '{"file": "@SUM(A1)"}'          # JSON text starts with {, not a formula


def test_safe_cell_leaves_numbers_and_plain_text():
    assert audit.safe_cell(-12.5) == -12.5
    assert audit.safe_cell("Grossisten AB") == "Grossisten AB"
    assert audit.safe_cell("+46 8 123") == "'+46 8 123"
    assert audit.safe_cell(None) == ""


def test_cli_actor_names_the_operating_system_user():
    assert audit.cli_actor().startswith("cli:")
