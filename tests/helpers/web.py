"""Test support for the web app: a template database (reference data, the fixture ledger loaded and 2024
computed, one user per role; another organisation with two users who see only it) and a logged-in TestClient
per role."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from argon2 import PasswordHasher

from pipeline.access import auth
from tests.helpers.paths import FIXTURES
from pipeline import store
from pipeline.engine import runs
from pipeline.factors import load_reference_data
from pipeline.ingest import IngestOptions, ingest_file
from pipeline.organisations import add_organisation, set_organisation

LEDGER = FIXTURES / "web" / "ledger_2024.csv"
ORG = "kommun"
OTHER_ORG = "annanby"          # another organisation, without data: its users must see nothing of ORG's
PASSWORD = "correct horse battery"
USERS = {"ulla": "uploader", "uno": "uploader", "rita": "reviewer", "adam": "admin"}
OTHER_USERS = {"olle": "uploader", "orvar": "reviewer"}      # users who see only OTHER_ORG
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)   # tests only: argon2id, cheap


def use_fast_hashing() -> None:
    """Make argon2 cheap for tests (the hash format and verification are the same)."""
    auth._hasher = FAST_HASHER


def build_template(path: Path) -> dict:
    """Create the template database at `path`; return facts the tests use (run id, batch id)."""
    use_fast_hashing()
    con = store.connect(path)
    try:
        load_reference_data(con)
        result = ingest_file(con, LEDGER, IngestOptions(organisation_id=ORG, year=2024, uploaded_by="ulla"))
        # the pages' tests name US EPA factors (electricity unmapped without kWh, 221310 ...): the set is chosen in
        # the organisation's settings, over the Swedish default its SEK ledger gave it
        set_organisation(con, ORG, factor_set="useeio")
        run = runs.compute_run(con, 2024, mapping="kommunbas13", organisation_id=ORG, created_by="test")
        for name, role in USERS.items():
            auth.add_user(con, name, PASSWORD, role, display_name=name.capitalize())
        add_organisation(con, OTHER_ORG, name="Annanby")
        for name, role in OTHER_USERS.items():
            auth.add_user(con, name, PASSWORD, role, display_name=name.capitalize(), organisations=[OTHER_ORG])
        return {"run_id": run.run_id, "batch_id": result.batch_id}
    finally:
        con.close()


def copy_db(template: Path, target: Path) -> Path:
    """Copy the template database file to `target` (each test gets its own)."""
    shutil.copyfile(template, target)
    return target


CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def client_factory(template: Path, tmp_path: Path):
    """Yield make(**config) -> (entered TestClient, app state) on a private copy of `template`; close them after."""
    from starlette.testclient import TestClient

    from pipeline.web import WebConfig, create_app

    use_fast_hashing()
    db = copy_db(template, tmp_path / "web.duckdb")
    clients = []

    def make(**config):
        # uploads are read in this process: the child process with its limits costs seconds of start-up per
        # check and has its own tests (tests/web/test_hostile_uploads.py, read_in_child=True)
        config = {"read_in_child": False, **config}
        app = create_app(WebConfig(db_path=db, upload_dir=tmp_path / "uploads",
                                   overrides_path=tmp_path / "overrides.csv", **config))
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client, app.state.web

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def csrf_from(html: str) -> str:
    """Return the CSRF token of the first form in a page."""
    m = CSRF.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def login(client, username: str, password: str = PASSWORD):
    """Log `client` in through the login form; return the response of the POST (not followed)."""
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_from(page.text)},
                       follow_redirects=False)


def post(client, path: str, data: dict | None = None, *, page: str = "/dashboard", files=None, **kw):
    """POST a form with the CSRF token taken from `page` (a page the client can open)."""
    token = csrf_from(client.get(page).text)
    return client.post(path, data={**(data or {}), "csrf_token": token}, files=files, follow_redirects=False, **kw)
