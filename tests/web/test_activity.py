"""Tests for pipeline.web.pages.activity: activity data (kWh, litres) uploaded and checked in the web app, loaded
only when the check finds no problem, audited, and used by the next run instead of the spend estimate."""

from __future__ import annotations

import html

import pytest

from pipeline.access import audit
from tests.helpers import web as support

GOOD = "år;konto;kategori;förvaltning;aktivitet;mängd;enhet;egen faktor;faktorkälla\n2024;621;;;electricity_se;120;MWh;;\n"
BAD = ("år;konto;kategori;förvaltning;aktivitet;mängd;enhet;egen faktor;faktorkälla\n"
       "2024;621;;;electricity_se;120;MJ;;\n2024;;;;diesel;1 000;liter;;\n")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("webtpl") / "template.duckdb"
    return path, support.build_template(path)


@pytest.fixture
def web(template, tmp_path):
    yield from support.client_factory(template[0], tmp_path)


def send(client, text: str, action: str, name: str = "energi_2024.csv"):
    return support.post(client, "/activity/upload", {"organisation_id": "kommun", "action": action},
                        page="/activity", files={"file": (name, text.encode("utf-8"), "text/csv")})


def test_check_shows_every_problem_and_loads_nothing(web):
    client, state = web()
    assert support.login(client, "ulla").status_code == 303
    r = send(client, BAD, "load")
    assert r.status_code == 400
    text = html.unescape(r.text)           # the page escapes the file's values
    assert 'energi_2024.csv: row 2, column "enhet": value "MJ" is not a known unit' in text
    assert 'energi_2024.csv: row 3, column "konto": value "" is empty: give the account (prefix) or the category' \
        in text
    con = state.db.cursor()
    assert con.execute("select count(*) from activity_batch").fetchone()[0] == 0
    assert not list(state.upload_dir.glob("activity_*"))          # the uploaded file is not kept


def test_check_then_load_is_audited_and_listed(web):
    client, state = web()
    assert support.login(client, "ulla").status_code == 303
    r = send(client, GOOD, "check")
    assert r.status_code == 200 and "electricity_se" in r.text and "Inga fel hittades" in r.text
    con = state.db.cursor()
    assert con.execute("select count(*) from activity_batch").fetchone()[0] == 0
    r = send(client, GOOD, "load")
    assert r.status_code == 200 and "1 aktivitetsrader inlästa för kommun" in r.text
    batch = con.execute("select activity_batch_id, source_file_name, loaded_by, rows_loaded from activity_batch"
                        ).fetchone()
    assert batch[1:] == ("energi_2024.csv", "ulla", 1)
    entry = audit.entries(con, action="activity.load")[0]
    assert entry["actor"] == "ulla" and entry["detail"]["rows_loaded"] == 1
    page = client.get("/activity").text
    assert "energi_2024.csv" in page and "Inlästa aktivitetsdata" in page


def test_reviewer_sees_the_data_but_cannot_upload(web):
    client, _ = web()
    assert support.login(client, "rita").status_code == 303
    page = client.get("/activity")
    assert page.status_code == 200 and 'action="/activity/upload"' not in page.text
    token = support.csrf_from(client.get("/batches").text)
    r = client.post("/activity/upload", data={"csrf_token": token, "action": "load"},
                    files={"file": ("x.csv", GOOD.encode(), "text/csv")}, follow_redirects=False)
    assert r.status_code == 403
