"""Web app routes: every route's role rule, the upload → check → load flow, batches, dashboard figures equal
to the marts, drill-down to ledger lines, mapping an unmapped account, runs, publishing, users, audit."""

from __future__ import annotations

import json
import re
import sys

import pytest

from pipeline.access import audit, auth
from pipeline import organisations
from pipeline.engine import runs, marts
from pipeline.web.app import PAGES  # noqa: F401 - importing the app registers every route
from pipeline.web.routing import ANY, PUBLIC, ROUTES

from tests.helpers import web as support  # noqa: E402
from tests.helpers.paths import FIXTURES


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The template database (built once per module) and its facts."""
    path = tmp_path_factory.mktemp("webtpl") / "template.duckdb"
    facts = support.build_template(path)
    return path, facts


@pytest.fixture
def app_factory(template, tmp_path):
    """Return make(max_upload_bytes=...) -> (TestClient entered, state); each test has its own database copy."""
    yield from support.client_factory(template[0], tmp_path)


@pytest.fixture
def web(app_factory):
    """A client (not logged in) and the server state, on a fresh copy of the template database."""
    return app_factory()


def as_user(app_factory_or_web, name):
    client, state = app_factory_or_web
    r = support.login(client, name)
    assert r.status_code == 303, r.text[:500]
    return client, state


def wait(state):
    assert state.jobs.wait_idle(60), "background jobs did not finish"


# -- route table -----------------------------------------------------------------------------------

def _example(path: str) -> str:
    return (path.replace("{upload_id}", "0" * 32).replace("{job_id}", "1").replace("{batch_id:int}", "1")
            .replace("{run_id:int}", "1").replace("{username}", "adam").replace("{action}", "role")
            .replace("{name}", "run_totals").replace("{code}", "en"))


def test_every_route_declares_roles_and_only_login_and_language_are_public():
    public = sorted({(s.path, m) for s in ROUTES for m in s.methods if s.roles == PUBLIC})
    assert public == [("/lang/{code}", "GET"), ("/login", "GET"), ("/login", "POST")]
    for spec in ROUTES:
        assert spec.roles == PUBLIC or set(spec.roles) <= set(ANY)


@pytest.mark.parametrize("spec", [s for s in ROUTES if s.roles != PUBLIC], ids=lambda s: f"{s.methods[0]} {s.path}")
def test_unauthenticated_request_is_redirected_to_login(web, spec):
    client, _ = web
    method = spec.methods[0]
    r = client.request(method, _example(spec.path), follow_redirects=False,
                       data={"csrf_token": "x"} if method == "POST" else None)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


# Which roles may use which route: (method, path) -> roles allowed (admin always).
UPLOADER_ONLY = {"/upload", "/activity/upload", "/departments/upload", "/uploads/{upload_id}", "/uploads/{upload_id}/findings.csv", "/uploads/{upload_id}/recheck",
                 "/uploads/{upload_id}/confirm", "/uploads/{upload_id}/discard", "/batches/{batch_id:int}/delete"}
REVIEWER_ONLY = {"/unmapped/map", "/mapping/decide", "/runs", "/reports/{run_id:int}/create"}
ADMIN_ONLY_PREFIX = "/admin/"


def _expected_allowed(spec, role: str) -> bool:
    if role == "admin":
        return True
    if spec.path.startswith(ADMIN_ONLY_PREFIX):
        return False
    if spec.path in UPLOADER_ONLY:
        return role == "uploader"
    if spec.path in REVIEWER_ONLY:
        return role == "reviewer"
    return True


def test_role_table_matches_the_declared_routes():
    for spec in ROUTES:
        if spec.roles == PUBLIC:
            continue
        for role in ("uploader", "reviewer"):
            declared = role in spec.roles
            assert declared == _expected_allowed(spec, role), (spec.path, role)


@pytest.mark.parametrize("name,role", [("ulla", "uploader"), ("rita", "reviewer")])
def test_each_role_is_refused_on_the_routes_it_may_not_use(web, name, role):
    client, _ = as_user(web, name)
    token = support.csrf_from(client.get("/batches").text)
    refused = 0
    for spec in ROUTES:
        if spec.roles == PUBLIC or _expected_allowed(spec, role):
            continue
        method = spec.methods[0]
        r = client.request(method, _example(spec.path), follow_redirects=False,
                           data={"csrf_token": token} if method == "POST" else None)
        assert r.status_code == 403, (method, spec.path, r.status_code)
        assert "Din roll ger inte tillgång" in r.text
        refused += 1
    assert refused >= 4


def test_reviewer_cannot_upload_and_uploader_cannot_map(web):
    client, _ = as_user(web, "rita")
    assert client.get("/upload").status_code == 403
    r = support.post(client, "/upload", {"organisation_id": "kommun"},
                     files={"file": ("ledger.csv", support.LEDGER.read_bytes(), "text/csv")})
    assert r.status_code == 403
    client.post("/logout", data={"csrf_token": support.csrf_from(client.get("/dashboard").text)})
    client, state = as_user(web, "ulla")
    run_id = runs.shown_run_id(state.db.cursor(), 2024, "kommun")
    r = support.post(client, "/unmapped/map", {"run_id": run_id, "account": "62100", "factor": "energy|221310"})
    assert r.status_code == 403
    page = client.get(f"/unmapped?run={run_id}").text
    assert "62100" in page and 'action="/unmapped/map"' not in page     # sees the list, no form


def test_every_page_a_role_may_see_renders(web):
    client, state = as_user(web, "adam")
    run_id = runs.shown_run_id(state.db.cursor(), 2024, "kommun")
    for path in ["/dashboard", f"/dashboard?run={run_id}", "/dashboard?yo=2024%7Ckommun", f"/drill?run={run_id}",
                 "/unmapped", "/mapping", "/budget", "/investments", "/reports", "/batches", "/batches/1", "/admin/users",
                 "/admin/versions", "/admin/audit", "/upload", "/upload?replace=1"]:
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        assert "Något gick fel" not in r.text


# -- login ---------------------------------------------------------------------------------------------

def test_login_success_sets_a_httponly_samesite_cookie_and_is_audited(web):
    client, state = web
    r = support.login(client, "rita")
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("ks_session=")][0].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    entry = audit.entries(state.db.cursor(), action="login.success")[0]
    assert entry["actor"] == "rita" and entry["object_id"] == "rita"


def test_session_cookie_is_secure_over_https(app_factory):
    client, _ = app_factory()
    client.base_url = client.base_url.copy_with(scheme="https")
    r = support.login(client, "rita")
    cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("ks_session=")][0].lower()
    assert "secure" in cookie
    assert r.headers["strict-transport-security"].startswith("max-age=")


def test_wrong_password_is_refused_and_audited_as_failure(web):
    client, state = web
    r = support.login(client, "rita", "wrong password!")
    assert r.status_code == 401 and "Fel användarnamn eller lösenord" in r.text
    assert "ks_session" not in r.headers.get("set-cookie", "")
    entry = audit.entries(state.db.cursor(), action="login.failure")[0]
    assert entry["object_id"] == "rita" and entry["detail"]["reason"] == "bad-credentials"


def test_login_is_throttled_after_five_failures_even_with_the_right_password(web):
    client, state = web
    for _ in range(auth.MAX_FAILURES_PER_USER):
        assert support.login(client, "rita", "nope nope nope").status_code == 401
    r = support.login(client, "rita")
    assert r.status_code == 429 and "För många misslyckade försök" in r.text
    assert audit.count(state.db.cursor(), "login.throttled") == 1
    assert support.login(client, "adam").status_code == 303      # other users are not locked out


def test_disabled_user_cannot_log_in_and_loses_sessions(app_factory):
    admin, state = as_user(app_factory(), "adam")
    rita, _ = as_user(app_factory(), "rita")
    assert rita.get("/dashboard").status_code == 200
    r = support.post(admin, "/admin/users/rita/disable", page="/admin/users")
    assert r.status_code == 303
    assert rita.get("/dashboard", follow_redirects=False).status_code == 303      # session ended
    rita.cookies.clear()
    assert support.login(rita, "rita").status_code == 401


def test_logout_ends_the_session(web):
    client, state = as_user(web, "rita")
    old = client.cookies.get("ks_session")
    r = support.post(client, "/logout")
    assert r.status_code == 303 and r.headers["location"] == "/login?m=out"
    client.cookies.set("ks_session", old)
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    assert auth.session_user(state.db.cursor(), old) is None


def test_login_next_parameter_cannot_redirect_off_site(web):
    client, _ = web
    page = client.get("/login?next=//evil.example/x")
    token = support.csrf_from(page.text)
    r = client.post("/login", data={"username": "rita", "password": support.PASSWORD, "csrf_token": token,
                                    "next": "https://evil.example/"}, follow_redirects=False)
    assert r.headers["location"] == "/dashboard"


def test_language_switch_sets_english_and_returns_to_the_page(web):
    client, _ = as_user(web, "rita")
    r = client.get("/lang/en?next=/batches", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/batches"
    page = client.get("/batches").text
    assert '<html lang="en">' in page and "Ledger files" in page
    assert client.get("/lang/en?next=https://evil.example", follow_redirects=False).headers["location"] == "/"


# -- upload, check, load ----------------------------------------------------------------------------------

def upload(client, content: bytes, name: str = "ledger_2024.csv", **fields):
    data = {"organisation_id": "kommun", "year": "2024", **fields}
    return support.post(client, "/upload", data, page="/upload", files={"file": (name, content, "text/csv")})


def test_upload_check_confirm_load_flow(web):
    client, state = as_user(web, "ulla")
    new = support.LEDGER.read_bytes().replace(b"2024-", b"2023-")      # the year before: no row is loaded yet
    r = upload(client, new, year="2023")
    assert r.status_code == 303
    up_url = r.headers["location"]
    upload_id = up_url.rsplit("/", 1)[1]
    wait(state)
    page = client.get(up_url).text
    # counts and reconciliation at once
    assert re.search(r"Lästa rader</span><span class=\"value\">12<", page)
    assert re.search(r"Skulle läsas in</span><span class=\"value\">10<", page)
    assert re.search(r"Skulle läggas i karantän</span><span class=\"value\">2<", page)
    assert "lästa rader = inlästa + karantän: 12 = 10 + 2 – stämmer" in page
    # first errors with row, column and value
    assert re.search(r'<td class="num">10</td><td>Belopp</td><td class="cell-value">12,5O</td>', page)
    assert re.search(r'<td class="num">11</td><td>Konto</td>', page)
    # detected columns and the full list as CSV
    assert "<code>account</code>" in page and "Bokföringsdatum" in page
    csv_text = client.get(f"/uploads/{upload_id}/findings.csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "batch_id,file,row,severity,code,column,value,message,amount,quarantined"
    assert ',ledger_2024.csv,10,error,type-error,Belopp,"12,5O",' in csv_text
    # nothing loaded yet
    con = state.db.cursor()
    assert con.execute("select count(*) from ledger_batch").fetchone()[0] == 1
    # confirm: a background job loads it
    r = support.post(client, f"/uploads/{upload_id}/confirm", page=up_url)
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    wait(state)
    job = client.get(r.headers["location"] + "/status").json()
    assert job["status"] == "done", job
    batch = con.execute("select batch_id, rows_loaded, rows_rejected, uploaded_by, source_file_name from ledger_batch "
                        "order by batch_id desc limit 1").fetchone()
    assert batch[1:] == (10, 2, "ulla", "ledger_2024.csv")
    assert job["result_url"] == f"/batches/{batch[0]}?loaded=1"
    assert not (state.upload_dir / f"{upload_id}.upload").exists()          # the stored file is removed
    entry = audit.entries(con, action="batch.load")[0]
    assert entry["actor"] == "ulla" and entry["object_id"] == str(batch[0])
    assert entry["detail"]["rows_loaded"] == 10 and entry["detail"]["file"] == "ledger_2024.csv"
    page = client.get(job["result_url"]).text
    assert "Batchen lästes in." in page and "Öppna översikten" in page


def test_a_check_that_crashes_shows_an_error_and_stops_refreshing(web, monkeypatch):
    from pipeline.web import uploads

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(uploads, "check_upload", broken)
    client, state = as_user(web, "ulla")
    r = upload(client, support.LEDGER.read_bytes().replace(b"F1001", b"F6001"))
    wait(state)
    page = client.get(r.headers["location"]).text
    assert "internal error (logged by the server)" in page
    assert "data-job-status-url" not in page and 'http-equiv="refresh"' not in page
    assert "simulated bug" not in page


def test_import_profile_chosen_at_upload_reads_a_uk_council_file(web):
    """The profile list comes from the ingestion step; with uk-council-spend a UK 'spend over £500' file checks
    cleanly in GBP (a copy of the ingestion fixtures' Calderdale sample)."""
    client, state = as_user(web, "ulla")
    assert '<option value="uk-council-spend"' in client.get("/upload").text
    uk = FIXTURES / "ingest" / "uk" / "calderdale_2022-08_clean.csv"
    r = upload(client, uk.read_bytes(), name="calderdale.csv", organisation_id="calderdale", year="",
               profile="uk-council-spend")
    assert r.status_code == 400 and "Välj en av dina organisationer." in r.text     # not registered yet
    state.db.cursor().execute("insert into organisation (organisation_id, name) values ('calderdale', 'Calderdale')")
    r = upload(client, uk.read_bytes(), name="calderdale.csv", organisation_id="calderdale", year="",
               profile="uk-council-spend")
    wait(state)
    page = client.get(r.headers["location"]).text
    assert re.search(r"Skulle läsas in</span><span class=\"value\">1\u00a0956<", page), page[:3000]
    assert "Avstämning (GBP)" in page and "Importprofil: uk-council-spend" in page


def test_the_same_file_again_is_recognised_as_already_loaded(web):
    client, state = as_user(web, "ulla")
    r = upload(client, support.LEDGER.read_bytes())
    wait(state)
    page = client.get(r.headers["location"]).text
    assert "Redan inläst" in page and 'href="/batches/1"' in page
    assert "Bekräfta och läs in" not in page


def test_a_re_export_with_one_amount_corrected_is_shown_and_replaces_the_batch(web):
    """The issue's case: the same ledger again with one amount corrected (F1011: 30 000 -> 31 000). The check shows
    batch 1 with 9 same rows and 1 changed, and suggests replacing it; confirmed, the year is not doubled."""
    client, state = as_user(web, "ulla")
    fixed = support.LEDGER.read_text(encoding="utf-8").replace("30 000,00", "31 000,00")
    r = upload(client, fixed.encode("utf-8"))
    wait(state)
    url = r.headers["location"]
    page = client.get(url).text
    assert "Rader som redan är inlästa" in page and 'data-overlap="partial"' in page
    assert re.search(r'<td><a href="/batches/1">1</a></td><td>ledger_2024.csv</td><td>2024-01-15 – 2024-06-15</td>'
                     r'<td class="num">0</td><td class="num">9</td><td class="num">1</td><td class="num">0</td>', page)
    assert re.search(r'value="replace" required checked> Ersätt batcherna ovan med den här filen \(föreslås\)', page)
    con = state.db.cursor()
    assert support.post(client, url + "/confirm", page=url).status_code == 400     # a choice is needed
    r = support.post(client, url + "/confirm", {"overlap_choice": "replace"}, page=url)
    wait(state)
    assert client.get(r.headers["location"] + "/status").json()["status"] == "done"
    assert con.execute("select status, replaced_by_batch_id from ledger_batch where batch_id = 1").fetchone() == (
        "replaced", 2)
    live = con.execute("select sum(sum_loaded) from ledger_batch where status = 'loaded'").fetchone()[0]
    assert float(live) == 1_486_000.0       # 1 485 000 loaded before, one line 1 000 more; not 2 971 000
    assert audit.entries(con, action="batch.replace")[0]["detail"]["overlap_choice"] == "replace"


def test_the_same_rows_saved_again_are_recognised_on_the_check_page(web):
    client, state = as_user(web, "ulla")
    crlf = support.LEDGER.read_bytes().replace(b"\n", b"\r\n")
    r = upload(client, crlf)
    wait(state)
    page = client.get(r.headers["location"]).text
    assert "Alla rader i filen är redan inlästa, i batch" in page and 'href="/batches/1"' in page
    assert "Bekräfta och läs in" not in page


def test_missing_required_column_is_shown_and_the_columns_can_be_mapped(web):
    client, state = as_user(web, "ulla")
    text = support.LEDGER.read_text(encoding="utf-8").replace("Belopp", "Kostnad", 1).replace("2024-", "2023-")
    r = upload(client, text.encode("utf-8"), year="2023")
    wait(state)
    url = r.headers["location"]
    page = client.get(url).text
    assert "Filen kan inte läsas in" in page and "Kostnad" in page
    r = support.post(client, url + "/recheck", {"map_amount": "Kostnad", "map_account": "Konto"}, page=url)
    assert r.status_code == 303
    wait(state)
    page = client.get(url).text
    assert re.search(r"Skulle läsas in</span><span class=\"value\">10<", page)


def test_without_a_department_column_the_check_asks_which_column_it_is(web):
    """The check refuses to put every line in one unknown department: it says so and opens the column mapping,
    where the uploader picks the department column from a dropdown; checked again, the file loads."""
    client, state = as_user(web, "ulla")
    text = support.LEDGER.read_text(encoding="utf-8").replace("Förvaltning", "Enhet (namn)", 1)
    text = text.replace(";F1", ";G1")     # other invoices than the loaded batch 1, so the rows are new
    r = upload(client, text.encode("utf-8"))
    wait(state)
    url = r.headers["location"]
    page = client.get(url).text
    assert "Filen kan inte läsas in" in page and "no department column found" in page
    assert '<details open>' in page and 'name="map_department"' in page and '<option value="Enhet (namn)"' in page
    r = support.post(client, url + "/recheck", {"map_department": "Enhet (namn)"}, page=url)
    assert r.status_code == 303
    wait(state)
    page = client.get(url).text
    assert re.search(r"Skulle läsas in</span><span class=\"value\">10<", page)


def test_replace_own_batch_and_audit(web):
    client, state = as_user(web, "ulla")
    fixed = support.LEDGER.read_text(encoding="utf-8").replace("12,5O", "12,50")
    r = upload(client, fixed.encode("utf-8"), replace_batch_id="1")
    wait(state)
    url = r.headers["location"]
    assert "Ersätter batch" in client.get(url).text
    r = support.post(client, url + "/confirm", page=url)
    wait(state)
    con = state.db.cursor()
    assert con.execute("select status, replaced_by_batch_id from ledger_batch where batch_id = 1").fetchone() == (
        "replaced", 2)
    entry = audit.entries(con, action="batch.replace")[0]
    assert entry["detail"]["replaced_batch_id"] == 1 and entry["detail"]["rows_loaded"] == 11


def test_batch_findings_csv_lists_every_error_and_neutralises_formulas(web):
    client, state = as_user(web, "rita")
    con = state.db.cursor()
    con.execute("update rejected_line set value = '=1+1', errors = replace(errors, '12,5O', '=1+1') "
                "where source_row = 10")
    text = client.get("/batches/1/findings.csv").content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("batch_id,file,row,severity")
    assert sum(1 for line in lines if ",error," in line) == 2
    assert ",'=1+1," in text and ",=1+1," not in text


def test_uploader_may_delete_own_batch_but_not_anothers(app_factory):
    uno, state = as_user(app_factory(), "uno")
    r = support.post(uno, "/batches/1/delete", page="/batches")
    assert r.status_code == 403 and "bara ändra batchar som du har laddat upp" in r.text
    assert uno.get("/upload?replace=1").status_code == 403
    ulla, _ = as_user(app_factory(), "ulla")
    page = ulla.get("/batches").text
    assert 'action="/batches/1/delete"' in page
    r = support.post(ulla, "/batches/1/delete", page="/batches")
    assert r.status_code == 303 and r.headers["location"] == "/batches?m=deleted"
    con = state.db.cursor()
    assert con.execute("select status from ledger_batch where batch_id = 1").fetchone()[0] == "deleted"
    entry = audit.entries(con, action="batch.delete")[0]
    assert (entry["actor"], entry["object_id"], entry["detail"]["new_status"]) == ("ulla", "1", "deleted")


def test_uploads_of_other_users_are_not_visible(app_factory):
    ulla, state = as_user(app_factory(), "ulla")
    r = upload(ulla, support.LEDGER.read_bytes().replace(b"F1001", b"F9001"))
    wait(state)
    uno, _ = as_user(app_factory(), "uno")
    assert uno.get(r.headers["location"]).status_code == 404
    assert uno.get(r.headers["location"] + "/findings.csv").status_code == 404


def test_discard_removes_the_stored_file(web):
    client, state = as_user(web, "ulla")
    r = upload(client, support.LEDGER.read_bytes().replace(b"F1001", b"F9001"))
    wait(state)
    upload_id = r.headers["location"].rsplit("/", 1)[1]
    assert (state.upload_dir / f"{upload_id}.upload").exists()
    r = support.post(client, f"/uploads/{upload_id}/discard", page=r.headers["location"])
    assert r.headers["location"] == "/upload?m=discarded"
    assert not (state.upload_dir / f"{upload_id}.upload").exists()
    assert audit.count(state.db.cursor(), "upload.discard") == 1


# -- review ------------------------------------------------------------------------------------------------

def test_dashboard_figures_equal_the_marts(web):
    client, state = as_user(web, "rita")
    con = state.db.cursor()
    run_id = runs.shown_run_id(con, 2024, "kommun")
    totals = marts.read(con, "run_totals", run_id)[0]
    deps = marts.read(con, "emissions_by_department", run_id)
    page = client.get(f"/dashboard?run={run_id}").text
    t = float(totals["total_emissions_kg_co2e"]) / 1000
    shown = f"{t:,.1f}".replace(",", "\u00a0").replace(".", ",") if t < 100 else f"{t:,.0f}".replace(",", "\u00a0")
    assert f'<span class="value">{shown} <small>ton CO2e</small>' in page
    for d in deps:
        assert (d["department"] or "(förvaltning saknas)") in page
    assert '<svg viewBox="0 0 1100' in page and 'role="img"' in page


def test_dashboard_shows_the_other_factor_set_and_the_energy_estimates(web):
    """A Swedish organisation's run: the dashboard says what US EPA factors give for the same purchases (the
    sensitivity mart's total) and which energy is estimated from spend, with a link to load activity data."""
    client, state = as_user(web, "rita")
    con = state.db.cursor()
    # the country's default set (the template chose US EPA in the organisation's settings)
    organisations.set_organisation(con, "kommun", country="SE", factor_set="")
    run = runs.compute_run(con, 2024, mapping="kommunbas13", organisation_id="kommun")
    alt = sum(r["emissions_kg_co2e"] for r in marts.read(con, "sensitivity_by_category", run.run_id))
    page = client.get(f"/dashboard?run={run.run_id}").text
    assert 'data-factor-set="useeio"' in page and "ger samma inköp" in page
    t = alt / 1000
    shown = f"{t:,.1f}".replace(",", "\u00a0").replace(".", ",") if t < 100 else f"{t:,.0f}".replace(",", "\u00a0")
    assert f"<strong>{shown} ton CO2e</strong>" in page
    assert "inflationsjustering i reskontrans valuta" in page
    # 6230 Fjärrvärme (kommunbas13 623 -> useeio 221330 -> bridged to 35.3) is a district-heating estimate
    kinds = {e["energy_kind"] for e in marts.read(con, "energy_estimates", run.run_id) if e["estimated_spend_sek"]}
    assert "heat" in kinds
    assert 'id="energy-estimates"' in page and 'href="/activity"' in page and "Fjärrvärme" in page


def test_drill_down_reaches_ledger_lines_with_their_batch_and_row(web):
    client, state = as_user(web, "rita")
    run_id = runs.shown_run_id(state.db.cursor(), 2024, "kommun")
    page = client.get(f"/drill?run={run_id}").text
    assert "Serviceförvaltningen" in page
    page = client.get(f"/drill?run={run_id}&department=Serviceförvaltningen").text
    assert "Livsmedel" in page
    page = client.get(f"/drill?run={run_id}&department=Serviceförvaltningen&category=food").text
    assert "64400" in page
    page = client.get(f"/drill?run={run_id}&department=Serviceförvaltningen&category=food&account=64400").text
    assert "Grossisten Norr AB" in page
    page = client.get(f"/drill?run={run_id}&department=Serviceförvaltningen&category=food&account=64400"
                      "&supplier=556036-0793").text
    assert "Livsmedel januari" in page and 'href="/batches/1">1</a>:2' in page
    csv_text = client.get(f"/drill.csv?run={run_id}&department=Serviceförvaltningen&category=food&account=64400"
                          "&supplier=556036-0793").content.decode("utf-8-sig")
    assert "Livsmedel januari" in csv_text and csv_text.splitlines()[0].startswith("batch_id;source_row")


def test_drill_by_department_and_category_reads_the_summed_lines(web):
    """The department and category levels are read from the run's lines summed per decision (run_line_total); they
    give what summing the lines gives (spend exactly, line counts, emissions and bounds)."""
    from pipeline.web import data
    client, state = as_user(web, "rita")
    con = state.db.cursor()
    run_id = runs.shown_run_id(con, 2024, "kommun")

    def from_lines(key: str, where: str = "") -> dict:
        rows = con.execute(f"""select {key}, sum(amount_sek), coalesce(sum(emissions_kg_co2e), 0),
                                      sum(emissions_lower_kg_co2e), sum(emissions_upper_kg_co2e), count(*)
                               from line_emission where run_id = ? {where} group by 1""", [run_id]).fetchall()
        return {r[0]: r[1:] for r in rows}

    for filters, key, where in (({}, f"coalesce(department, '{data.NO_DEPARTMENT}')", ""),
                                ({"department": "Serviceförvaltningen"}, "coalesce(category_id, rule_level)",
                                 "and department = 'Serviceförvaltningen'")):
        level, rows = data.drill(con, run_id, filters)
        expected = from_lines(key, where)
        assert level in ("department", "category") and {r["key"] for r in rows} == set(expected)
        for r in rows:
            spend, emissions, lower, upper, n = expected[r["key"]]
            assert (r["spend_sek"], r["n_lines"]) == (spend, n)
            for got, want in zip((r["emissions_kg_co2e"], r["emissions_lower_kg_co2e"], r["emissions_upper_kg_co2e"]),
                                 (emissions, lower, upper)):
                assert got == (None if want is None else pytest.approx(want, rel=1e-9))


def test_a_page_of_lines_is_the_largest_lines_with_their_ledger_fields(web):
    """data.lines picks the page from the run's lines without ledger fields unless an account or supplier narrows
    it, and joins the ledger for the page only: every filter gives the lines, order and fields of line_emission,
    a page at a time or all at once."""
    from pipeline.web import data
    _, state = as_user(web, "rita")
    con = state.db.cursor()
    run_id = runs.shown_run_id(con, 2024, "kommun")
    for filters, where in (({}, ""), ({"department": "Serviceförvaltningen"}, "and department = 'Serviceförvaltningen'"),
                           ({"department": "Serviceförvaltningen", "category": "food", "account": "64400"},
                            "and department = 'Serviceförvaltningen' and category_id = 'food' and account = '64400'")):
        expected = con.execute(f"""select batch_id, source_row, account, supplier_name, amount_sek,
                                          amount_ledger_currency, rule_id, emissions_kg_co2e
                                   from line_emission where run_id = ? {where}
                                   order by coalesce(emissions_kg_co2e, 0) desc, abs(amount_sek) desc, batch_id,
                                            source_row""", [run_id]).fetchall()
        total, first = data.lines(con, run_id, filters, 1)
        _, second = data.lines(con, run_id, filters, 2)
        assert total == len(expected) and len(first) == min(total, data.LINES_PER_PAGE)
        _, everything = data.lines(con, run_id, filters, page=None)     # the CSV of a drill-down's lines

        def fields(rows):
            return [(r["batch_id"], r["source_row"], r["account"], r["supplier_name"], r["amount_sek"],
                     r["amount_ledger_currency"], r["rule_id"], r["emissions_kg_co2e"]) for r in rows]
        assert fields(first + second) == expected[:2 * data.LINES_PER_PAGE]
        assert fields(everything) == expected


def test_xss_in_a_ledger_cell_is_rendered_escaped(web):
    client, state = as_user(web, "rita")
    run_id = runs.shown_run_id(state.db.cursor(), 2024, "kommun")
    evil = '<script>alert("xss-supplier")</script> AB'
    params = {"run": run_id, "department": "Serviceförvaltningen", "category": "food", "account": "64400"}
    pages = [client.get("/drill", params=params).text, client.get("/drill", params={**params, "supplier": evil}).text,
             client.get(f"/dashboard?run={run_id}").text]
    joined = "".join(pages)
    assert evil not in joined and "<img src=x onerror=alert(1)>" not in joined
    escaped = "&lt;script&gt;alert(&#34;xss-supplier&#34;)&lt;/script&gt; AB"
    assert escaped in pages[0] and escaped in pages[1] and escaped in pages[2]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[1]


def test_map_an_unmapped_account_saves_an_override_and_the_rerun_uses_it(web, tmp_path):
    client, state = as_user(web, "rita")
    con = state.db.cursor()
    run_id = runs.shown_run_id(con, 2024, "kommun")
    # electricity waits for kWh (US EPA has no electricity factor); district heating is a flagged spend estimate
    assert {r["account"] for r in marts.read(con, "unmapped_accounts", run_id)} == {"62100"}
    page = client.get(f"/unmapped?run={run_id}").text
    assert 'value="energy|221310"' in page and "väntar på aktivitetsdata" in page
    r = support.post(client, "/unmapped/map", {"run_id": run_id, "account": "62100", "factor": "energy|221310",
                                               "note": "el: vattenfaktor tills vidare"}, page="/unmapped")
    assert r.status_code == 303 and r.headers["location"] == f"/unmapped?run={run_id}&m=mapped"
    rows = list(csv_rows(tmp_path / "overrides.csv"))
    assert rows[-1]["match_value"] == "62100" and rows[-1]["author"] == "Rita"
    assert rows[-1]["organisation_id"] == "kommun" and rows[-1]["factor_code"] == "221310"
    entry = audit.entries(con, action="mapping.override")[0]
    assert entry["detail"]["derived_mapping"] == "kommun_kommunbas13@2.0.0.1"
    assert entry["detail"]["spend_sek_in_run"] == 120000.0 and entry["detail"]["decision"] == "override"
    # an industry instead of a factor (each factor set prices it through its crosswalk), from the review page
    r = support.post(client, "/unmapped/map", {"run_id": run_id, "account": "62300", "factor": "energy|221310",
                                               "industry_code": "3530", "return_to": "/mapping"}, page="/mapping")
    assert r.status_code == 303 and r.headers["location"] == f"/mapping?run={run_id}&m=mapped"
    assert list(csv_rows(tmp_path / "overrides.csv"))[-1]["industry_code"] == "3530"
    assert "Kontomappningar ändrades" in client.get(f"/dashboard?run={run_id}").text
    r = support.post(client, "/runs", {"year": "2024", "organisation_id": "kommun"})
    wait(state)
    job = client.get(r.headers["location"] + "/status").json()
    assert job["status"] == "done", job
    new_run = runs.shown_run_id(con, 2024, "kommun")
    assert new_run != run_id
    assert con.execute("select mapping_id, mapping_version from run_organisation where run_id = ?",
                       [new_run]).fetchone() == ("kommun_kommunbas13", "2.0.0.2")
    assert con.execute("select mapping_id from organisation where organisation_id = 'kommun'").fetchone()[0] == \
        "kommun_kommunbas13"
    assert marts.read(con, "unmapped_accounts", new_run) == []
    review = {r["account"]: r for r in marts.read(con, "mapping_review", new_run)}
    assert review["62100"]["is_confirmed"] and review["62100"]["rule_level"] == "account"
    assert audit.entries(con, action="run.compute")[0]["detail"]["run_id"] == new_run


def csv_rows(path):
    import csv

    with open(path, encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def test_mapping_refuses_an_unknown_factor(web):
    client, state = as_user(web, "rita")
    run_id = runs.shown_run_id(state.db.cursor(), 2024, "kommun")
    r = support.post(client, "/unmapped/map", {"run_id": run_id, "account": "62100", "factor": "energy|999999"})
    assert r.status_code == 400 and "999999" in r.text


def test_admin_publishes_a_run_and_it_is_audited(web):
    client, state = as_user(web, "adam")
    con = state.db.cursor()
    run_id = runs.shown_run_id(con, 2024, "kommun")
    r = support.post(client, f"/admin/runs/{run_id}/publish", page="/admin/versions")
    assert r.status_code == 303
    assert con.execute("select is_published from run where run_id = ?", [run_id]).fetchone()[0] is True
    entry = audit.entries(con, action="run.publish")[0]
    assert entry["object_id"] == str(run_id) and entry["actor"] == "adam"
    r = support.post(client, f"/admin/runs/{run_id}/publish", page="/admin/versions")
    assert r.status_code == 400 and "already published" in r.text


def test_admin_manages_users_with_audit(web):
    client, state = as_user(web, "adam")
    r = support.post(client, "/admin/users", {"username": "Sara", "password": "long enough pw", "role": "reviewer",
                                              "display_name": "Sara S"}, page="/admin/users")
    assert r.status_code == 303
    r = support.post(client, "/admin/users", {"username": "bo", "password": "short", "role": "reviewer"},
                     page="/admin/users")
    assert r.status_code == 400 and "too short" in r.text
    r = support.post(client, "/admin/users/sara/role", {"role": "uploader"}, page="/admin/users")
    con = state.db.cursor()
    assert auth.get_user(con, "sara").role == "uploader"
    r = support.post(client, "/admin/users/adam/role", {"role": "reviewer"}, page="/admin/users")
    assert r.status_code == 400 and "last active administrator" in r.text
    actions = [e["action"] for e in audit.entries(con, action="user")]
    assert actions[:2] == ["user.role", "user.add"]
    page = client.get("/admin/audit?action=user.add").text
    assert "sara" in page
    csv_text = client.get("/admin/audit.csv?action=user").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("audit_id,logged_at,actor")


def test_reports_page_offers_every_mart_as_csv(web):
    client, state = as_user(web, "rita")
    run_id = runs.shown_run_id(state.db.cursor(), 2024, "kommun")
    page = client.get(f"/reports?run={run_id}").text
    r = client.get(f"/reports/{run_id}/emissions_by_department.csv")
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment;")
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("organisation_id;department;spend_sek")
    assert "Serviceförvaltningen" in text and f"/reports/{run_id}/unmapped_accounts.csv" in page
    assert client.get(f"/reports/{run_id}/ledger_line.csv").status_code == 404


def test_reviewer_creates_the_reports_and_anyone_downloads_them(app_factory):
    rita, state = as_user(app_factory(), "rita")
    con = state.db.cursor()
    run_id = runs.shown_run_id(con, 2024, "kommun")
    assert "Ingen rapport har skrivits för körningen" in rita.get(f"/reports?run={run_id}").text
    r = support.post(rita, f"/reports/{run_id}/create", {"lang": "en"}, page=f"/reports?run={run_id}")
    assert r.status_code == 303
    wait(state)
    job = rita.get(r.headers["location"] + "/status").json()
    assert job["status"] == "done", job
    ulla, _ = as_user(app_factory(), "ulla")
    page = ulla.get(f"/reports?run={run_id}").text
    assert "klimatrapport_2024_en.xlsx" in page and "klimatrapport_2024_en.html" in page
    assert 'action="/reports/' not in page                      # an uploader downloads, does not create
    xlsx = ulla.get(f"/reports/{run_id}/files/klimatrapport_2024_en.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    html = ulla.get(f"/reports/{run_id}/files/klimatrapport_2024_en.html")
    assert html.headers["content-disposition"].startswith("attachment;") and b"<html" in html.content[:500]
    assert ulla.get(f"/reports/{run_id}/files/..%2F..%2Fweb.duckdb").status_code == 404
    assert ulla.get(f"/reports/{run_id}/files/klimatrapport_2024_sv.html").status_code == 404
    entry = audit.entries(con, action="report.create")[0]
    assert entry["actor"] == "rita" and entry["detail"]["lang"] == "en" and len(entry["detail"]["files"]) == 2


def test_job_status_is_private_to_its_creator(app_factory):
    rita, state = as_user(app_factory(), "rita")
    r = support.post(rita, "/runs", {"year": "2024", "organisation_id": "kommun"})
    wait(state)
    ulla, _ = as_user(app_factory(), "ulla")
    assert ulla.get(r.headers["location"]).status_code == 404
    assert rita.get(r.headers["location"]).status_code == 200


def test_compute_a_year_without_ledger_lines_fails_with_a_message(web):
    client, state = as_user(web, "rita")
    r = support.post(client, "/runs", {"year": "2019", "organisation_id": "kommun"})
    wait(state)
    job = client.get(r.headers["location"] + "/status").json()
    assert job["status"] == "failed" and "no loaded ledger lines" in job["error"]
    assert "no loaded ledger lines" in client.get(r.headers["location"]).text


def test_the_cli_cannot_write_while_the_server_holds_the_database(web):
    """DuckDB allows one writing process: a CLI verb run meanwhile waits (saying so), then says why in one line,
    without a traceback (tests/store/test_concurrency.py: with `klimatspend serve`, readers read its copy)."""
    import os
    import subprocess

    _, state = web
    proc = subprocess.run([sys.executable, "-m", "pipeline", "user", "list", "--db", str(state.config.db_path)],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "KLIMATSPEND_LOCK_WAIT": "1"})
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and "is in use by another process (PID " in lines[0] and "waiting up to 1 s" in lines[0]
    assert lines[1].startswith(f"klimatspend: {state.config.db_path}: in use by another process (PID ")
    assert lines[1].endswith("(waited 1 s); try again when it has finished, or stop it")
    assert "Traceback" not in proc.stderr


def test_audit_detail_is_json(web):
    client, state = as_user(web, "rita")
    row = state.db.cursor().execute("select detail from audit_log order by audit_id desc limit 1").fetchone()
    assert json.loads(row[0]) == {}


def test_mapping_review_shows_conflicts_and_suggestions_and_decisions_are_audited_overrides(web, tmp_path):
    """A second file of 2024 holds an account whose text names electricity under consumables (a conflict) and an
    account the map does not know (46200, a placement: the keyword table suggests residential care). The reviewer
    keeps the map's row for the first and accepts the suggestion for the second; the next run uses both."""
    from pipeline.ingest import IngestOptions, ingest_file

    client, state = as_user(web, "rita")
    con = state.db.cursor()
    extra = tmp_path / "tillagg_2024.csv"
    extra.write_text("Bokföringsdatum;Konto;Kontotext;Förvaltning;Leverantör;Belopp\n"
                     "2024-07-01;64610;Elförbrukning arbetsbodar;Tekniska förvaltningen;Elbolaget AB;2 100,00\n"
                     "2024-07-02;46200;Köp av huvudverksamhet, placeringskostnad;Socialförvaltningen;HVB Norr AB;"
                     "64 800,00\n", encoding="utf-8")
    ingest_file(con, extra, IngestOptions(organisation_id="kommun", year=2024))
    run_id = runs.compute_run(con, 2024, organisation_id="kommun", created_by="test").run_id
    page = client.get(f"/mapping?run={run_id}&only=conflicts").text
    assert "64610" in page and "kontotexten motsäger kartan" in page and "46200" not in page
    page = client.get(f"/mapping?run={run_id}&only=suggestions").text
    assert "46200" in page and 'name="decision" value="accept"' in page
    r = support.post(client, "/mapping/decide", {"run_id": run_id, "account": "64610", "organisation_id": "kommun",
                                                 "decision": "keep", "return_to": "/mapping", "only": "conflicts"},
                     page="/mapping")
    assert r.status_code == 303 and r.headers["location"] == f"/mapping?run={run_id}&m=mapped&only=conflicts"
    r = support.post(client, "/mapping/decide", {"run_id": run_id, "account": "46200", "organisation_id": "kommun",
                                                 "decision": "accept", "return_to": "/mapping"}, page="/mapping")
    assert r.status_code == 303
    rows = {r["match_value"]: r for r in csv_rows(tmp_path / "overrides.csv")}
    assert (rows["64610"]["category_id"], rows["64610"]["factor_code"], rows["64610"]["industry_code"]) == \
        ("goods", "326199", "2229")
    assert (rows["46200"]["category_id"], rows["46200"]["factor_code"], rows["46200"]["industry_code"]) == \
        ("care_education", "623990", "8790")
    decisions = {e["object_id"]: e["detail"]["decision"] for e in audit.entries(con, action="mapping.override")}
    assert decisions == {"64610": "keep", "46200": "accept"}
    new_run = runs.compute_run(con, 2024, organisation_id="kommun", created_by="test").run_id
    review = {r["account"]: r for r in marts.read(con, "mapping_review", new_run)}
    assert not review["64610"]["is_conflict"] and review["64610"]["is_confirmed"]
    assert (review["64610"]["category_id"], review["64610"]["factor_code"]) == ("goods", "326199")
    assert (review["46200"]["rule_level"], review["46200"]["category_id"]) == ("account", "care_education")


def test_a_uk_council_file_is_recognised_at_upload_and_its_pages_show_gbp(web):
    """Issue 17: with no import profile the check reads the 'Expenses Type' file with uk-council-spend and GBP; once
    loaded and computed, the dashboard, the drill-down and the mapping review show pounds and say so."""
    client, state = as_user(web, "ulla")
    uk = FIXTURES / "ingest" / "uk" / "city_council_expenses_type_2022-08.csv"
    state.db.cursor().execute("insert into organisation (organisation_id, name, country) values ('city', 'City', 'GB')")
    r = upload(client, uk.read_bytes(), name="city.csv", organisation_id="city", year="")
    wait(state)
    page = client.get(r.headers["location"]).text
    assert "Importprofil: uk-council-spend" in page and "Avstämning (GBP)" in page, page[:3000]
    from pipeline.ingest import IngestOptions, ingest_file

    con = state.db.cursor()
    ingest_file(con, uk, IngestOptions(organisation_id="city"))
    run_id = runs.compute_run(con, 2022, organisation_id="city").run_id
    dashboard = client.get(f"/dashboard?run={run_id}").text
    # in scope 2,165,242.63 - 1,674,305.50 excluded = 490,937.13 GBP: 0,5 million
    assert "Beloppen är i GBP, reskontrans valuta." in dashboard
    assert "0,5 <small>MGBP</small>" in dashboard and "kg CO2e per 1 000 GBP" in dashboard
    assert "MSEK" not in dashboard and "Mkr" not in dashboard
    review = client.get(f"/mapping?run={run_id}&only=all").text
    assert "Miscellaneous Payments" in review and "(GBP)" in review
    lines = client.get(f"/drill?run={run_id}&department=Corporate").text
    assert "(GBP)" in lines
