"""Web security rules: CSRF on every state-changing request, security headers, the upload size limit, type
check by content, uploaded file names never used as paths, escaping, sessions."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from pipeline.access import audit
from pipeline.web import security
from pipeline.web.app import PAGES  # noqa: F401 - importing the app registers every route
from pipeline.web.routing import PUBLIC, ROUTES
from pipeline.web.uploads import UploadRefused, sniff

from tests.helpers import web as support  # noqa: E402
from tests.helpers.paths import ROOT

TEMPLATES = ROOT / "pipeline" / "web" / "templates"
STATIC = TEMPLATES.parent / "static"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("websec") / "template.duckdb"
    support.build_template(path)
    return path


@pytest.fixture
def make(template, tmp_path):
    yield from support.client_factory(template, tmp_path)


def logged_in(make, name="adam", **config):
    client, state = make(**config)
    assert support.login(client, name).status_code == 303
    return client, state


# -- CSRF ------------------------------------------------------------------------------------------

def _example(path: str) -> str:
    return (path.replace("{upload_id}", "0" * 32).replace("{job_id}", "1").replace("{batch_id:int}", "1")
            .replace("{run_id:int}", "1").replace("{username}", "rita").replace("{action}", "disable")
            .replace("{name}", "run_totals").replace("{code}", "en"))


@pytest.mark.parametrize("spec", [s for s in ROUTES if "POST" in s.methods], ids=lambda s: s.path)
def test_post_without_csrf_token_is_refused_and_changes_nothing(make, spec):
    client, state = logged_in(make)
    before = state.db.cursor().execute("select count(*) from audit_log").fetchone()[0]
    for data in ({}, {"csrf_token": "0" * 64}):
        r = client.post(_example(spec.path), data={**data, "username": "adam", "password": support.PASSWORD},
                        follow_redirects=False)
        assert r.status_code == 403, (spec.path, r.status_code)
        assert "Formuläret har gått ut" in r.text
    con = state.db.cursor()
    assert con.execute("select count(*) from audit_log").fetchone()[0] == before
    assert con.execute("select count(*) from web_job").fetchone()[0] == 0
    assert con.execute("select is_active from web_user where username = 'rita'").fetchone()[0] is True


def test_csrf_token_of_another_session_is_refused(make):
    adam, state = logged_in(make, "adam")
    rita, _ = logged_in(make, "rita")
    rita_token = support.csrf_from(rita.get("/dashboard").text)
    r = adam.post("/admin/users/rita/disable", data={"csrf_token": rita_token}, follow_redirects=False)
    assert r.status_code == 403
    assert state.db.cursor().execute("select is_active from web_user where username = 'rita'").fetchone()[0]


def test_login_form_needs_its_csrf_token(make):
    client, state = make()
    client.get("/login")
    r = client.post("/login", data={"username": "adam", "password": support.PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    assert audit.count(state.db.cursor(), "login") == 0


def test_csrf_token_is_bound_to_the_visitor(make):
    a, _ = make()
    b, _ = make()
    token_a = support.csrf_from(a.get("/login").text)
    b.get("/login")
    r = b.post("/login", data={"username": "adam", "password": support.PASSWORD, "csrf_token": token_a},
               follow_redirects=False)
    assert r.status_code == 403


def test_login_starts_a_new_session_token(make):
    client, _ = make()
    client.cookies.set("ks_session", "attacker-chosen-value")
    page = client.get("/login")
    r = client.post("/login", data={"username": "adam", "password": support.PASSWORD,
                                    "csrf_token": support.csrf_from(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    new = re.search(r"ks_session=([^;]+)", r.headers["set-cookie"]).group(1)
    assert new != "attacker-chosen-value" and len(new) >= 40


# -- headers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login", "/static/app.css", "/static/app.js", "/does-not-exist"])
def test_security_headers_on_every_response(make, path):
    client, _ = make()
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "script-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"


def test_pages_with_data_are_not_cached(make):
    client, _ = logged_in(make, "rita")
    assert client.get("/dashboard").headers["cache-control"] == "no-store"


def test_templates_and_assets_reference_nothing_outside_the_site():
    """All CSS and JS are served from /static; no CDN, no inline script or style, no javascript: URLs."""
    for path in list(TEMPLATES.glob("*.html")) + list(STATIC.glob("*")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text), path.name
        assert not re.search(r"url\(\s*[\"']?(https?:)?//", text), path.name
        assert "javascript:" not in text, path.name
        if path.suffix == ".html":
            assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"inline script in {path.name}"
            assert not re.search(r"\sstyle=", text), f"inline style in {path.name}"
            assert not re.search(r"\son[a-z]+=", text), f"inline event handler in {path.name}"


# -- upload limits and type checks ------------------------------------------------------------------

def upload(client, content: bytes, name: str, **fields):
    data = {"organisation_id": "kommun", "year": "2024", **fields}
    return support.post(client, "/upload", data, page="/upload", files={"file": (name, content, "text/csv")})


def test_upload_larger_than_the_limit_is_refused_with_413(make):
    client, state = logged_in(make, "ulla", max_upload_bytes=64 * 1024)
    big = support.LEDGER.read_bytes() * 400        # ~ 500 kB
    r = upload(client, big, "big.csv")
    assert r.status_code == 413
    assert "Filen är för stor" in r.text and "64 MB" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    assert list(state.upload_dir.iterdir()) == []
    assert state.db.cursor().execute("select count(*) from web_upload").fetchone()[0] == 0


def test_upload_just_over_the_limit_inside_the_request_allowance_is_refused(make):
    """The body limit allows the form fields' overhead; the file itself is checked against the exact limit."""
    client, state = logged_in(make, "ulla", max_upload_bytes=4096)
    r = upload(client, b"Konto;Belopp\n" + b"4610;1,00\n" * 500, "ledger.csv")     # 5,013 bytes
    assert r.status_code == 413 and "upload limit" in r.text
    assert list(state.upload_dir.iterdir()) == []


def test_body_limit_counts_a_streamed_body_without_content_length():
    calls = []

    async def app(scope, receive, send):
        while True:
            message = await receive()
            calls.append(len(message.get("body", b"")))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limited = security.BodyLimitMiddleware(app, limit=1000, render=lambda scope: b"too large")
    chunks = [{"type": "http.request", "body": b"x" * 400, "more_body": True} for _ in range(5)]
    sent = []

    async def receive():
        return chunks.pop(0)

    async def send(message):
        sent.append(message)

    asyncio.run(limited({"type": "http", "headers": []}, receive, send))
    assert sent[0]["status"] == 413 and sent[1]["body"] == b"too large"
    assert sum(calls) <= 1200


@pytest.mark.parametrize("name,content,reason", [
    ("ledger.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "binary file"),
    ("ledger.csv", b"%PDF-1.7\n...", "PDF"),
    ("ledger.xls", b"Konto;Belopp\n4610;1\n", "are not read"),
    ("ledger.exe", b"MZ\x90\x00", "are not read"),
    ("ledger.xlsx", b"Konto;Belopp\n4610;1\n", "not an Excel workbook"),
    ("ledger.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old binary Excel"),
    ("ledger.csv", b"Konto;Belopp\x00\x00\x01", "binary file"),
])
def test_upload_type_is_checked_by_content(make, name, content, reason):
    client, state = logged_in(make, "ulla")
    r = upload(client, content, name)
    assert r.status_code == 415
    assert reason in r.text
    assert list(state.upload_dir.iterdir()) == []
    entry = audit.entries(state.db.cursor(), action="upload.validate")[0]
    assert entry["detail"]["outcome"] == "refused"


def test_zip_renamed_to_xlsx_is_refused(make):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    client, _ = logged_in(make, "ulla")
    r = upload(client, buf.getvalue(), "ledger.xlsx")
    assert r.status_code == 415 and "zip archive" in r.text


def test_real_xlsx_is_accepted_and_checked(make, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Bokföringsdatum", "Konto", "Förvaltning", "Belopp"])
    ws.append(["2024-02-01", "6461", "Serviceförvaltningen", 1500.5])
    ws.append(["2024-02-02", "7010", "Barn- och utbildningsförvaltningen", 800])
    path = tmp_path / "ledger.xlsx"
    wb.save(path)
    client, state = logged_in(make, "ulla")
    r = upload(client, path.read_bytes(), "ledger.xlsx")
    assert r.status_code == 303
    assert state.jobs.wait_idle(60)
    page = client.get(r.headers["location"]).text
    assert re.search(r"Skulle läsas in</span><span class=\"value\">2<", page)
    assert "xlsx" in page


def test_sniff_unit_rules():
    assert sniff(b"Konto;Belopp\n", ".CSV") == "text"
    assert sniff(b"\xff\xfeK\x00o\x00", ".txt") == "text"            # UTF-16 text has NUL bytes
    assert sniff(b"#FLAGGA 0\n#SIETYP 4\n", ".se") == "text"
    with pytest.raises(UploadRefused):
        sniff(b"PK\x03\x04", ".csv")
    with pytest.raises(UploadRefused):
        sniff(b"   \n", ".csv")


@pytest.mark.parametrize("evil", ["../../../../tmp/evil_upload.csv", "..\\..\\evil_upload.csv",
                                  "/etc/cron.d/evil_upload.csv", "C:\\Windows\\evil_upload.csv"])
def test_uploaded_file_name_is_never_used_as_a_path(make, tmp_path, evil):
    client, state = logged_in(make, "ulla")
    content = support.LEDGER.read_bytes().replace(b"F1001", b"F7001")
    r = upload(client, content, evil)
    assert r.status_code == 303
    assert state.jobs.wait_idle(60)
    stored = sorted(p.name for p in state.upload_dir.iterdir())
    assert all(re.fullmatch(r"[0-9a-f]{32}\.(upload|findings\.csv)", n) for n in stored), stored
    assert not Path("/tmp/evil_upload.csv").exists()
    assert not (tmp_path / "evil_upload.csv").exists()
    row = state.db.cursor().execute("select original_name from web_upload").fetchone()
    assert row[0] == "evil_upload.csv"


def test_display_file_name_keeps_only_a_harmless_base_name():
    assert security.display_file_name("../../a/b/ledger.csv") == "ledger.csv"
    assert security.display_file_name("..\\x\\ledger.csv") == "ledger.csv"
    assert security.display_file_name("led\x00ger\n.csv") == "ledger.csv"
    assert security.display_file_name("...") == "upload"
    assert security.display_file_name("") == "upload"


def test_file_name_with_markup_is_escaped(make):
    client, state = logged_in(make, "ulla")
    r = upload(client, support.LEDGER.read_bytes().replace(b"F1001", b"F8001"), "<img src=x onerror=alert(1)>.csv")
    assert state.jobs.wait_idle(60)
    page = client.get(r.headers["location"]).text
    assert "<img src=x onerror=alert(1)>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.csv" in page


def test_upload_form_fields_are_validated(make):
    client, _ = logged_in(make, "ulla")
    r = upload(client, support.LEDGER.read_bytes(), "ledger.csv", organisation_id="../x", year="20x4",
               currency="kronor")
    assert r.status_code == 400
    for text in ("Organisationen ska vara", "Året ska vara", "Valutan ska vara"):
        assert text in r.text


def test_csv_downloads_neutralise_formulas(make):
    client, state = logged_in(make, "rita")
    con = state.db.cursor()
    con.execute("update ledger_line set supplier_name = '=HYPERLINK(\"http://x\")' where supplier_name like 'Grossisten%'")
    run_id = con.execute("select max(run_id) from run").fetchone()[0]
    text = client.get(f"/reports/{run_id}/emissions_by_supplier.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ";=HYPERLINK" not in text


def test_only_login_and_language_routes_are_public():
    assert {s.path for s in ROUTES if s.roles == PUBLIC} == {"/login", "/lang/{code}"}


# -- proxy headers -------------------------------------------------------------------------------------

def _failed_logins(client, n: int, spoof) -> list[int]:
    codes = []
    for i in range(n):
        token = support.csrf_from(client.get("/login").text)
        codes.append(client.post("/login", data={"username": f"nobody{i}", "password": "wrong wrong wrong",
                                                  "csrf_token": token},
                                 headers={"x-forwarded-for": spoof(i)}, follow_redirects=False).status_code)
    return codes


def test_proxy_headers_are_ignored_unless_a_proxy_is_configured(make):
    """The issue's attack: an address locked out by failed logins invents X-Forwarded-For values. Without
    --trust-proxy they change nothing: the lock holds for the real address and the audit log records it."""
    from starlette.testclient import TestClient

    first, state = make()
    client = TestClient(first.app, client=("127.0.0.1", 50123))
    codes = _failed_logins(client, 21, lambda i: f"203.0.113.{i}")
    assert codes[:20] == [401] * 20 and codes[20] == 429
    token = support.csrf_from(client.get("/login").text)
    r = client.post("/login", data={"username": "adam", "password": support.PASSWORD, "csrf_token": token},
                    headers={"x-forwarded-for": "198.51.100.7"}, follow_redirects=False)
    assert r.status_code == 429                                 # still locked out: the header is not believed
    ips = {e["ip"] for e in audit.entries(state.db.cursor(), action="login.failure")}
    assert ips == {"127.0.0.1"}


def test_a_configured_proxy_gives_the_client_address(make):
    from starlette.testclient import TestClient

    first, state = make(trusted_proxies=("127.0.0.1",))
    client = TestClient(first.app, client=("127.0.0.1", 50123))
    codes = _failed_logins(client, 3, lambda i: f"203.0.113.{i}")
    assert codes == [401] * 3
    ips = [e["ip"] for e in audit.entries(state.db.cursor(), action="login.failure")]
    assert sorted(ips) == ["203.0.113.0", "203.0.113.1", "203.0.113.2"]
    # a request that does not come from the proxy: its headers are ignored
    direct = TestClient(first.app, client=("192.0.2.9", 40000))
    _failed_logins(direct, 1, lambda i: "203.0.113.99")
    assert "192.0.2.9" in {e["ip"] for e in audit.entries(state.db.cursor(), action="login.failure")}


@pytest.mark.parametrize("client,header,trusted,expected,scheme", [
    ("10.0.0.5", "1.2.3.4", (), "10.0.0.5", "http"),
    ("10.0.0.5", "1.2.3.4", ("10.0.0.0/8",), "1.2.3.4", "https"),
    ("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.7", ("10.0.0.0/8",), "1.2.3.4", "https"),   # right-most not a proxy
    ("10.0.0.5", "not-an-address", ("10.0.0.0/8",), "10.0.0.5", "https"),
    ("192.0.2.1", "1.2.3.4", ("10.0.0.0/8",), "192.0.2.1", "http"),
])
def test_proxy_middleware_rules(client, header, trusted, expected, scheme):
    seen = {}

    async def app(scope, receive, send):
        seen["client"], seen["scheme"] = scope["client"][0], scope["scheme"]

    mw = security.ProxyHeadersMiddleware(app, trusted=trusted)
    scope = {"type": "http", "client": (client, 1), "scheme": "http",
             "headers": [(b"x-forwarded-for", header.encode()), (b"x-forwarded-proto", b"https")]}
    asyncio.run(mw(scope, None, None))
    assert (seen["client"], seen["scheme"]) == (expected, scheme)


def test_trust_proxy_setting_is_parsed():
    from pipeline.errors import UsageError

    assert security.parse_proxies("127.0.0.1, 10.0.0.0/8") == ("127.0.0.1/32", "10.0.0.0/8")
    assert security.parse_proxies("") == ()
    with pytest.raises(UsageError, match="--trust-proxy localhost: not an IP address"):
        security.parse_proxies("localhost")
