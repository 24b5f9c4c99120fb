"""Tests for pipeline.web.pages.departments: the department register (code → name) loaded from a file in the web
app, replacing the organisation's earlier register, audited, and refused to a reviewer."""

from __future__ import annotations

import html

import pytest

from pipeline.access import audit
from tests.helpers import web as support

REGISTER = "kod;namn\n1100;Centrum\n1200;Norr\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("webtpl") / "template.duckdb"
    return path, support.build_template(path)


@pytest.fixture
def web(template, tmp_path):
    yield from support.client_factory(template[0], tmp_path)


def send(client, text: str, name: str = "avdelningar.csv", org: str = "kommun"):
    return support.post(client, "/departments/upload", {"organisation_id": org}, page="/departments",
                        files={"file": (name, text.encode("utf-8"), "text/csv")})


def test_load_replaces_the_register_and_is_audited(web):
    client, state = web()
    assert support.login(client, "ulla").status_code == 303
    assert send(client, "kod;namn\n9999;Gammal\n").status_code == 200
    r = send(client, REGISTER)
    assert r.status_code == 200
    text = html.unescape(r.text)
    assert "avdelningar.csv: 2 avdelningar inlästa för" in text
    con = state.db.cursor()
    assert con.execute("select department_code, department_name, source from department_register "
                       "where organisation_id = 'kommun' order by 1").fetchall() == [
        ("1100", "Centrum", "avdelningar.csv"), ("1200", "Norr", "avdelningar.csv")]
    assert audit.entries(con, action="departments.load")[0]["detail"] == {"file": "avdelningar.csv", "rows": 2}
    assert not list(state.upload_dir.glob("departments_*"))      # the uploaded file is not kept


def test_a_file_without_names_is_refused_with_the_column(web):
    client, state = web()
    assert support.login(client, "ulla").status_code == 303
    r = send(client, "kod;namn\n1100;\n")
    assert r.status_code == 400
    text = html.unescape(r.text)
    assert "Filen lästes inte in" in text and "avdelningar.csv: row 2" in text
    assert state.db.cursor().execute("select count(*) from department_register").fetchone()[0] == 0


def test_reviewer_sees_the_register_but_cannot_load_one(web):
    client, _ = web()
    assert support.login(client, "rita").status_code == 303
    page = client.get("/departments")
    assert page.status_code == 200 and 'action="/departments/upload"' not in page.text
    assert "Inga avdelningsnamn registrerade" in page.text
    token = support.csrf_from(client.get("/batches").text)
    r = client.post("/departments/upload", data={"csrf_token": token, "organisation_id": "kommun"},
                    files={"file": ("x.csv", REGISTER.encode(), "text/csv")}, follow_redirects=False)
    assert r.status_code == 403
