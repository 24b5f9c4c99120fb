"""Organisations are a boundary: every registered route, walked by a user of another organisation, shows and
changes nothing of the organisation that owns the data.

The walk is generic: it takes `pipeline.web.routing.ROUTES` after importing the app, so a route added later
(another page module in `PAGES`) is walked too. Path parameters name the other organisation's objects (its
batch, run, upload, job, report file); forms name its organisation, run and batch. A response may refuse (403,
404, 400), redirect, or show a page that mentions none of the other organisation's data; afterwards its
batches, runs, uploads, overrides and audit log are as before.
"""

from __future__ import annotations

import re

import pytest

from pipeline.web.app import PAGES  # noqa: F401 - importing the app registers every route
from pipeline.web.routing import PUBLIC, ROUTES

from tests.helpers import web as support

# Text only the owning organisation's data holds (ledger departments, suppliers, file and invoice names).
MARKERS = ("Serviceförvaltningen", "Grossisten Norr AB", "ledger_2024.csv", "F1001", "Lillby", "Molntjänst")
REPORT = "klimatrapport_2024_sv.html"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("orgtpl") / "template.duckdb"
    return path, support.build_template(path)


@pytest.fixture
def app_factory(template, tmp_path):
    yield from support.client_factory(template[0], tmp_path)


@pytest.fixture
def web(app_factory):
    """One app (one job runner) on a fresh copy of the template; `_login` gives it more clients."""
    return app_factory()


def _login(web, name):
    """Return a client of the app in `web` logged in as `name` (each client has its own cookies)."""
    from starlette.testclient import TestClient

    first, state = web
    client = TestClient(first.app)
    assert support.login(client, name).status_code == 303
    return client, state


def _owned_objects(web) -> dict:
    """Make the owner's upload, job and report file; return the values that name them in URLs."""
    ulla, state = _login(web, "ulla")
    data = support.LEDGER.read_bytes().replace(b"2024-", b"2023-")
    r = support.post(ulla, "/upload", {"organisation_id": support.ORG, "year": "2023"}, page="/upload",
                     files={"file": ("ledger_2023.csv", data, "text/csv")})
    assert r.status_code == 303
    upload_id = r.headers["location"].rsplit("/", 1)[1]
    assert state.jobs.wait_idle(120)
    job_id = state.db.cursor().execute("select max(job_id) from web_job").fetchone()[0]
    folder = state.upload_dir / "reports" / "run1"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / REPORT).write_text("<p>Lillby rapport Serviceförvaltningen</p>", encoding="utf-8")
    return {"upload_id": upload_id, "job_id": str(job_id), "batch_id": "1", "run_id": "1", "username": "ulla",
            "action": "role", "code": "en"}


def _url(path: str, owned: dict) -> str:
    def value(m):
        name = m.group(1).split(":")[0]
        if name == "name":
            return REPORT if "/files/" in path else "run_totals"
        return owned.get(name, "1")
    return re.sub(r"\{([^}]+)\}", value, path)


FORM = {"organisation_id": support.ORG, "run_id": "1", "batch_id": "1", "replace_batch_id": "1", "year": "2024",
        "account": "6221", "factor": "energy|221330", "exclusion_reason": "", "note": "x", "lang": "sv",
        "overlap_choice": "replace", "role": "uploader", "password": "another long password", "username": "x1",
        "profile": "", "map_amount": "Belopp"}


def _state(con) -> dict:
    return {
        "batches": con.execute("select batch_id, status from ledger_batch order by 1").fetchall(),
        "runs": con.execute("select run_id, is_published from run order by 1").fetchall(),
        "uploads": con.execute("select upload_id, status, options from web_upload order by 1").fetchall(),
        "users": con.execute("select username, role, is_active from web_user order by 1").fetchall(),
        "organisations": con.execute("select * from organisation order by 1").fetchall(),
        "changes": con.execute("""select action, actor from audit_log where action not in
                                  ('login.success', 'login.failure', 'logout') order by audit_id""").fetchall(),
    }


@pytest.mark.parametrize("name", sorted(support.OTHER_USERS))
def test_every_route_walked_by_a_user_of_another_organisation(web, tmp_path, name):
    state = web[1]
    owned = _owned_objects(web)
    overrides = tmp_path / "overrides.csv"
    before = _state(state.db.cursor())
    overrides_before = overrides.read_bytes() if overrides.exists() else None
    client, _ = _login(web, name)
    walked = []
    for spec in ROUTES:
        if spec.roles == PUBLIC:
            continue
        for method in spec.methods:
            url = _url(spec.path, owned)
            if method == "GET":
                r = client.get(url, follow_redirects=False)
            else:
                token = support.csrf_from(client.get("/upload").text)
                r = client.post(url, data={**FORM, "csrf_token": token}, follow_redirects=False,
                                files={"file": ("x.csv", b"Datum;Konto;Belopp\n2024-01-01;4610;1\n", "text/csv")})
                if spec.path == "/logout":
                    client, _ = _login(web, name)
            walked.append((method, spec.path, r.status_code))
            assert r.status_code in (200, 303, 400, 403, 404, 413, 415), (method, url, r.status_code)
            if r.status_code == 303:
                assert not re.search(r"/(batches|uploads|jobs|dashboard\?run=1|reports/1)", r.headers["location"]), (
                    method, url, r.headers["location"])
            body = r.content.decode("utf-8", "replace")
            leaked = [m for m in MARKERS if m in body]
            assert not leaked, (method, url, r.status_code, leaked)
    assert state.jobs.wait_idle(60)
    assert _state(state.db.cursor()) == before
    assert (overrides.read_bytes() if overrides.exists() else None) == overrides_before
    assert len(walked) == sum(len(s.methods) for s in ROUTES if s.roles != PUBLIC) > 30
    refused = [w for w in walked if w[2] in (403, 404)]
    assert len(refused) > 15, walked        # most routes name the owner's objects: they must be refused


def test_the_owners_see_what_the_walk_must_not(web):
    """The markers are on the owner's pages: the walk above would notice them (this test keeps it honest)."""
    owned = _owned_objects(web)
    rita, _ = _login(web, "rita")
    assert "Serviceförvaltningen" in rita.get("/dashboard").text
    assert "ledger_2024.csv" in rita.get("/batches").text
    assert "Lillby" in rita.get(_url("/reports/{run_id:int}/files/{name}", owned)).text
    ulla, _ = _login(web, "ulla")
    assert "ledger_2023.csv" in ulla.get(f"/uploads/{owned['upload_id']}").text


def test_a_user_of_another_organisation_sees_only_its_own(web):
    client, state = _login(web, "olle")
    page = client.get("/upload").text
    assert re.findall(r'<option value="([a-z0-9_]+)"', page.split('id="organisation_id"')[1].split("</select>")[0]) == [
        support.OTHER_ORG]
    r = support.post(client, "/upload", {"organisation_id": support.ORG, "year": "2024"}, page="/upload",
                     files={"file": ("x.csv", support.LEDGER.read_bytes(), "text/csv")})
    assert r.status_code == 400 and "Välj en av dina organisationer." in r.text
    assert client.get("/batches/1").status_code == 404
    assert client.get("/dashboard?run=1").status_code == 404
    assert client.get("/budget").status_code == 403
    orvar, _ = _login(web, "orvar")
    page = orvar.get("/dashboard").text
    assert "Inget beräknat år ännu" in page and "Serviceförvaltningen" not in page


def test_a_group_view_needs_the_parent_and_all_its_companies(web, tmp_path):
    """A run over all organisations covers kommun and its company: a user who sees only kommun may not open it;
    one who sees both may."""
    from pipeline.access import auth
    from pipeline.engine import runs
    from pipeline.ingest import IngestOptions, ingest_file
    from pipeline.organisations import add_organisation, set_organisation

    _, state = web
    con = state.db.cursor()
    add_organisation(con, "bolag", name="Lillby Bostäder AB", kind="company", parent=support.ORG)
    set_organisation(con, "bolag", factor_set="useeio")        # the group's set, as its parent chose (one per run)
    company = support.LEDGER.read_text(encoding="utf-8").replace("F10", "B10")
    path = tmp_path / "bolag.csv"
    path.write_text(company, encoding="utf-8")
    ingest_file(con, path, IngestOptions(organisation_id="bolag", year=2024))
    group = runs.compute_run(con, 2024, mapping="kommunbas13", organisation_id=None, created_by="test").run_id
    auth.add_user(con, "kim", support.PASSWORD, "reviewer", organisations=[support.ORG])
    auth.add_user(con, "gun", support.PASSWORD, "reviewer", organisations=[support.ORG, "bolag"])
    kim, _ = _login(web, "kim")
    gun, _ = _login(web, "gun")
    assert kim.get(f"/dashboard?run={group}").status_code == 404
    assert gun.get(f"/dashboard?run={group}").status_code == 200
    assert kim.get("/dashboard?run=1").status_code == 200          # kommun's own run
    assert "Alla organisationer" not in kim.get("/dashboard").text.split("<main")[1].split("</h1>")[0]
