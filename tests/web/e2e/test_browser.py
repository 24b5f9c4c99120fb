"""End to end in a real headless chromium (Debian's /usr/bin/chromium driven by Playwright): log in, upload a
ledger by drag and drop, see its check, confirm the load, compute the year and open the dashboard; map an
unmapped account in the mapping review and see the figures change after the re-run."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from pipeline.access import auth
from pipeline import store
from pipeline.factors import load_reference_data
from pipeline.organisations import add_organisation, set_organisation
from pipeline.web import WebConfig, create_app

from tests.helpers import web as support
from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS, Server, free_port

@pytest.fixture
def server(tmp_path):
    support.use_fast_hashing()
    db = tmp_path / "e2e.duckdb"
    con = store.connect(db)
    load_reference_data(con)
    add_organisation(con, "kommun", name="Lillby kommun")
    # the US set by choice (the test maps the electricity account US EPA has no factor for); without it the SEK
    # ledger makes the municipality Swedish, priced with EXIOBASE
    set_organisation(con, "kommun", factor_set="useeio")
    auth.add_user(con, "adam", support.PASSWORD, "admin", display_name="Adam Admin")
    con.close()
    app = create_app(WebConfig(db_path=db, upload_dir=tmp_path / "uploads", overrides_path=tmp_path / "ovr.csv"))
    with Server(app, free_port()) as srv:
        srv.state = app.state.web
        yield srv


def drop_file(page, selector: str, path: Path, mime: str = "text/csv") -> None:
    """Drop a file on an element the way a browser does (a DataTransfer carrying a File)."""
    data = path.read_bytes()
    handle = page.evaluate_handle(
        """([name, bytes, mime]) => { const dt = new DataTransfer();
             dt.items.add(new File([new Uint8Array(bytes)], name, { type: mime })); return dt; }""",
        [path.name, list(data), mime])
    for event in ("dragenter", "dragover", "drop"):
        page.dispatch_event(selector, event, {"dataTransfer": handle})


def test_login_upload_check_confirm_compute_dashboard_and_map(server, tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        try:
            page.goto(server.url + "/")
            expect(page).to_have_url(server.url + "/login?next=%2F")
            page.get_by_label("Användarnamn").fill("adam")
            page.get_by_label("Lösenord").fill(support.PASSWORD)
            page.get_by_role("button", name="Logga in").click()
            expect(page.get_by_role("heading", name="Inget beräknat år ännu")).to_be_visible()

            page.get_by_role("link", name="Ladda upp").click()
            drop_file(page, "[data-dropzone]", support.LEDGER)
            expect(page.locator("[data-file-chosen]")).to_contain_text("ledger_2024.csv")
            page.get_by_label("Organisation", exact=True).select_option("kommun")
            page.get_by_label("Räkenskapsår").fill("2024")
            page.screenshot(path=shots / "upload.png", full_page=True)
            page.get_by_role("button", name="Kontrollera filen").click()

            # the check runs in the background; the page follows it and then shows the result
            expect(page.get_by_role("heading", name="Sammanfattning")).to_be_visible(timeout=30000)
            expect(page.locator(".card", has_text="Skulle läsas in")).to_contain_text("10")
            expect(page.locator(".card", has_text="Skulle läggas i karantän")).to_contain_text("2")
            errors_table = page.locator("table", has=page.locator("th", has_text="Värde"))
            expect(errors_table.first).to_contain_text("12,5O")
            expect(page.get_by_role("link", name="Ladda ned alla fel och varningar (CSV)")).to_be_visible()
            page.screenshot(path=shots / "check.png", full_page=True)

            page.get_by_role("button", name="Bekräfta och läs in").click()
            expect(page.get_by_text("Batchen lästes in.")).to_be_visible(timeout=30000)
            page.get_by_role("button", name="Beräkna året nu (2024)").click()
            expect(page.get_by_role("heading", name="Utsläpp 2024 – Lillby kommun")).to_be_visible(timeout=60000)
            expect(page.locator("#departments")).to_contain_text("Serviceförvaltningen")
            expect(page.locator("svg[role=img]").first).to_be_visible()
            page.screenshot(path=shots / "dashboard.png", full_page=True)

            # drill down from the chart's table to ledger lines
            page.locator("#departments").get_by_role("link", name="Tekniska förvaltningen").click()
            expect(page.get_by_role("heading", name="Kategorier")).to_be_visible()

            # the mapping review: map the electricity account waiting for kWh (US EPA has no electricity factor;
            # district heating is a flagged spend estimate), re-run, and the unmapped spend is gone
            page.get_by_role("link", name="Granskning av kontokartan").click()
            expect(page.get_by_role("heading", name="Granskning av kontokartan 2024 – Lillby kommun")).to_be_visible()
            page.get_by_role("link", name="Omappade utgifter").click()
            for account in ("62100",):
                row = page.locator("tr.actions-row", has=page.locator(f"input[name=account][value='{account}']"))
                row.locator("summary").click()
                row.get_by_label("Kategori / Utsläppsfaktor").select_option("energy|221310")
                row.get_by_role("button", name="Spara mappning").click()
                expect(page.get_by_text("Mappningen sparades som överstyrning")).to_be_visible()
            page.get_by_role("button", name="Beräkna året igen").click()
            expect(page.get_by_role("heading", name="Utsläpp 2024 – Lillby kommun")).to_be_visible(timeout=60000)
            expect(page.locator(".card", has_text="Omappade utgifter")).to_contain_text("0,0")

            page.get_by_role("link", name="English").click()
            expect(page.get_by_role("heading", name="Emissions 2024 – Lillby kommun")).to_be_visible()
        finally:
            browser.close()
    assert not errors, errors          # no script errors and nothing blocked by the content security policy
    for name in ("upload.png", "check.png", "dashboard.png"):
        assert (shots / name).stat().st_size > 10_000


def test_upload_works_without_javascript(server):
    """With scripts off the plain file picker and the self-refreshing pages still get a ledger checked."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        try:
            page.goto(server.url + "/login")
            page.get_by_label("Användarnamn").fill("adam")
            page.get_by_label("Lösenord").fill(support.PASSWORD)
            page.get_by_role("button", name="Logga in").click()
            page.goto(server.url + "/upload")
            page.set_input_files("input[type=file]", str(support.LEDGER))
            page.get_by_label("Organisation", exact=True).select_option("kommun")
            page.get_by_role("button", name="Kontrollera filen").click()
            expect(page.get_by_role("heading", name="Sammanfattning")).to_be_visible(timeout=30000)
        finally:
            browser.close()
