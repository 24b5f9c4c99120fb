"""Render the HTML report in headless Chromium (Debian's /usr/bin/chromium via Playwright): the charts draw,
nothing is fetched, the print stylesheet paginates. Screenshots go to the test's temporary folder, or to
$KLIMATSPEND_SCREENSHOTS when set (that is how docs/screenshots/ was made)."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from tests.helpers import report_seed as seed
from pipeline.report import data as report_data, html
from pipeline import store

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-quic", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]
PRIMARY = (0x1D, 0x6F, 0x58)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> tuple[Path, report_data.ReportData]:
    path, _ = seed.shared_database(tmp_path_factory)
    con = store.connect(path)
    try:
        data = report_data.gather(con, 2024, budget=seed.budget_section(2.0, 10.499),
                                  investments=seed.investments_section())
    finally:
        con.close()
    out = tmp_path_factory.mktemp("html") / "klimatrapport_2024_sv.html"
    return html.write_html(data, out, "sv"), data


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is needed for this test: apt-get install -y chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=60_000)
        yield b
        b.close()


def screenshot_dir(tmp_path: Path) -> Path:
    target = os.environ.get("KLIMATSPEND_SCREENSHOTS")
    return Path(target) if target else tmp_path


def close_to(pixel, colour, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour))


def test_charts_draw_and_nothing_is_fetched(browser, report_file, tmp_path):
    path, data = report_file
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    assert requests == [path.as_uri()] and problems == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1100  # nothing sticks out sideways

    chart = page.locator("#chart-departments")
    chart.scroll_into_view_if_needed()
    bars = page.locator("#chart-departments rect.bar")
    assert bars.count() == len(data.departments)
    boxes = [bars.nth(i).bounding_box() for i in range(bars.count())]
    widths = [b["width"] for b in boxes]
    assert widths[0] > 200 and widths == sorted(widths, reverse=True)  # ranked, the largest drawn widest
    assert widths[0] / widths[1] == pytest.approx(data.departments[0]["emissions_kg_co2e"]
                                                  / data.departments[1]["emissions_kg_co2e"], rel=0.05)
    for other in ("#chart-categories", "#chart-suppliers", "#chart-months", "#chart-coverage"):
        box = page.locator(f"{other} svg").bounding_box()
        assert box["width"] > 500 and box["height"] > 30, other
        assert page.locator(f"{other} rect.bar").first.bounding_box()["width"] > 1, other
    line = page.locator("#chart-budget polyline.series").first.bounding_box()
    assert line["width"] > 400

    # The pixels: the middle of the largest department's bar is the bar colour
    chart.scroll_into_view_if_needed()
    origin = chart.bounding_box()
    first = bars.first.bounding_box()
    png = chart.screenshot(path=str(screenshot_dir(tmp_path) / "chart_departments.png"))
    image = Image.open(io.BytesIO(png)).convert("RGB")
    scale = image.width / origin["width"]
    x = (first["x"] + first["width"] * 0.25 - origin["x"]) * scale   # left quarter: clear of the range whisker
    y = (first["y"] + first["height"] / 2 - origin["y"]) * scale
    assert close_to(image.getpixel((int(x), int(y))), PRIMARY)
    coloured = sum(1 for px in image.getdata() if close_to(px, PRIMARY))
    assert coloured > 0.03 * image.width * image.height

    page.screenshot(path=str(screenshot_dir(tmp_path) / "report_first_page_sv.png"))
    page.close()


def test_print_layout_paginates_and_hides_navigation(browser, report_file, tmp_path):
    path, _ = report_file
    page = browser.new_page()
    page.goto(path.as_uri(), wait_until="load")
    page.emulate_media(media="print")
    assert page.locator("nav.toc").is_hidden()
    pdf = page.pdf(format="A4", print_background=True)
    (tmp_path / "report.pdf").write_bytes(pdf)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages >= 5  # cover, departments, categories, suppliers, coverage, methodology start new pages
    page.close()


def test_english_report_renders_without_budget(browser, tmp_path_factory, tmp_path):
    db, _ = seed.shared_database(tmp_path_factory)
    con = store.connect(db)
    try:
        path = html.write_html(report_data.gather(con, 2024), tmp_path / "en.html", "en")
    finally:
        con.close()
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    page.goto(path.as_uri(), wait_until="load")
    assert page.locator(".no-budget").inner_text() == "No carbon budget defined yet – see klimatspend budget."
    assert page.locator("#chart-history polyline.series").first.bounding_box()["width"] > 400
    page.screenshot(path=str(screenshot_dir(tmp_path) / "report_first_page_en.png"))
    page.set_viewport_size({"width": 420, "height": 900})   # a phone: wide tables scroll inside the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    page.close()
    if os.environ.get("KLIMATSPEND_SCREENSHOTS"):
        shutil.copy(path, Path(os.environ["KLIMATSPEND_SCREENSHOTS"]) / "fixture_report_en.html")
