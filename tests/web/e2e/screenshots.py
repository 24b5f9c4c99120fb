"""Take the screenshots of docs/web.md from the demo municipality (Älvby kommun) in headless chromium.

    python tests/web/e2e/screenshots.py [--demo-db PATH] [--out docs/screenshots]

Without --demo-db the demo is generated first (`klimatspend demo`, about 30 s). The database is copied; users
adam (admin), ulla (uploader) and rita (reviewer) are added to the copy. Not a test: it writes files.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))   # run as a script: `python tests/web/e2e/screenshots.py`
from tests.helpers import web as support  # noqa: E402
from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS, Server, free_port  # noqa: E402

from pipeline.access import auth
from pipeline import store  # noqa: E402
from pipeline.web import WebConfig, create_app  # noqa: E402



def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--demo-db", type=Path, help="an existing `klimatspend demo` database (copied, not changed)")
    ap.add_argument("--demo-dir", type=Path, help="its demo folder (for the ledger files)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="klimatspend-shots-"))
    db = work / "demo.duckdb"
    if args.demo_db:
        shutil.copyfile(args.demo_db, db)
        demo_dir = args.demo_dir
    else:
        demo_dir = work / "demo"
        subprocess.run([sys.executable, "-m", "pipeline", "demo", "--db", str(db), "--dir", str(demo_dir)], check=True)
    con = store.connect(db)
    for name, role, full in (("adam", "admin", "Adam Andersson"), ("ulla", "uploader", "Ulla Uppsköt"),
                             ("rita", "reviewer", "Rita Rådgivare")):
        if auth.get_user(con, name) is None:
            auth.add_user(con, name, support.PASSWORD, role, display_name=full)
    con.close()
    # a corrected 2025 ledger: the demo file with its invoice texts tidied (not the same file, so not a duplicate)
    src = demo_dir / "data" / "alvby_kommun_2025.csv"
    ledger = work / "alvby_kommun_2025_rättad.csv"
    ledger.write_bytes(src.read_bytes().replace(b"Entreprenad Ny bro", b"Entreprenad ny bro"))
    args.out.mkdir(parents=True, exist_ok=True)
    app = create_app(WebConfig(db_path=db, upload_dir=work / "uploads", overrides_path=work / "overrides.csv"))
    with Server(app, free_port()) as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 860}, device_scale_factor=1)
        page = ctx.new_page()

        def shot(name: str, full: bool = True) -> None:
            path = args.out / f"web-{name}.png"
            page.screenshot(path=path, full_page=full)
            # 256 colours are plenty for these pages and keep the repository small
            Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
                path, optimize=True)
            print(path.name, file=sys.stderr)

        def login(user: str) -> None:
            ctx.clear_cookies()
            page.goto(srv.url + "/login")
            page.get_by_label("Användarnamn").fill(user)
            page.get_by_label("Lösenord").fill(support.PASSWORD)
            page.get_by_role("button", name="Logga in").click()

        page.goto(srv.url + "/login")
        shot("login", full=False)

        # finance (the demo's batches were loaded by "demo", so an administrator replaces one)
        login("adam")
        page.goto(srv.url + "/batches")
        shot("batches")
        batch = page.locator("tr", has_text="alvby_kommun_2025.csv").first.locator("a").first.inner_text()
        page.goto(srv.url + f"/upload?replace={batch}")
        page.set_input_files("input[type=file]", str(ledger))
        shot("upload", full=False)
        page.get_by_role("button", name="Kontrollera filen").click()
        expect(page.get_by_role("heading", name="Sammanfattning")).to_be_visible(timeout=120000)
        shot("upload-check")
        page.get_by_role("button", name="Bekräfta och läs in").click()
        page.wait_for_url("**/jobs/*")
        time.sleep(1.2)
        shot("job", full=False)
        expect(page.get_by_text("Batchen lästes in.")).to_be_visible(timeout=120000)
        shot("batch")

        # strategist: compute 2025 again, dashboard, drill-down, unmapped, budget, investments, reports
        login("rita")
        page.goto(srv.url + "/dashboard?yo=2025%7C")
        page.get_by_role("button", name="Beräkna året igen").click()
        expect(page.get_by_role("heading", name="Utsläpp 2025 – Älvby kommun, Älvbybostäder AB")).to_be_visible(timeout=120000)
        shot("dashboard")
        page.locator("#departments").get_by_role("link", name="Tekniska förvaltningen").click()
        shot("drill")
        page.locator("table.data").get_by_role("link").first.click()
        page.locator("table.data").get_by_role("link").first.click()
        page.locator("table.data").get_by_role("link").first.click()
        expect(page.get_by_role("heading", name="Reskontrarader")).to_be_visible()
        shot("lines")
        page.get_by_role("link", name="Granskning av kontokartan").click()
        if page.locator("tr.actions-row summary").count():   # the demo may leave no account to decide on
            page.locator("tr.actions-row summary").first.click()
            page.get_by_label("Kategori / Utsläppsfaktor").first.select_option("energy|221310")
            page.get_by_label("Anteckning").first.fill("El: tills elavtalets miljövärde finns")
        shot("unmapped")
        page.get_by_role("link", name="Koldioxidbudget").click()
        shot("budget")
        page.get_by_role("link", name="Investeringar").click()
        shot("investments")
        page.get_by_role("link", name="Rapporter").click()
        page.get_by_role("button", name="Skapa rapporterna").click()
        expect(page.get_by_role("link", name="Excelarbetsbok (svenska)")).to_be_visible(timeout=120000)
        shot("reports", full=False)
        page.goto(srv.url + "/lang/en?next=/dashboard%3Fyo%3D2025%257C")
        shot("dashboard-en")
        page.goto(srv.url + "/lang/sv?next=/dashboard")

        page.goto(srv.url + "/glossary")
        shot("glossary", full=False)
        page.goto(srv.url + "/departments")
        shot("departments", full=False)

        # the HTML climate reports the demo wrote (issue 20: names, plain words, run-out as month and year)
        for lang in ("sv", "en"):
            report = demo_dir.parent / "reports" / f"klimatrapport_2025_{lang}.html"
            if not report.exists():
                report = demo_dir / "reports" / f"klimatrapport_2025_{lang}.html"
            if not report.exists():
                continue
            rpage = ctx.new_page()
            rpage.set_viewport_size({"width": 1100, "height": 1400})
            rpage.goto(report.as_uri())
            out = args.out / f"html_report_{lang}_first_page.png"
            rpage.screenshot(path=out)
            print(out.name, file=sys.stderr)
            if lang == "sv":
                rpage.locator("#departments").scroll_into_view_if_needed()
                rpage.locator("#departments").screenshot(path=args.out / "html_report_sv_departments.png")
                rpage.locator("#hotspots").screenshot(path=args.out / "html_report_sv_hotspots.png")
                rpage.locator("#glossary").screenshot(path=args.out / "html_report_sv_glossary.png")
            rpage.close()

        # administrator: users, versions and runs, audit log
        login("adam")
        page.goto(srv.url + "/admin/users")
        shot("admin-users", full=False)
        page.goto(srv.url + "/admin/versions")
        shot("admin-versions")
        page.goto(srv.url + "/admin/audit")
        shot("admin-audit", full=False)
        browser.close()
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
