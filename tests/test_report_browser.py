"""One report opened in a real headless browser: nothing fetched, no console errors.

Playwright (from PyPI) drives the system's Chromium (Debian's ``chromium``, which
``.ci/run`` installs when missing); without one the test skips and says why.
"""

from __future__ import annotations

import re
import shutil

import papermill  # noqa: F401 - imported here so that forked report children inherit it
import pytest

from _report_support import HOSTILE_NAME, demo_store, hostile_store, make_template
from assess.report import render_report
from assess.report.export import BROWSERS, find_browser

pytestmark = pytest.mark.browser

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_report_in_headless_chromium(tmp_path_factory, tmp_path):
    browser_path = find_browser()
    if browser_path is None:
        pytest.skip(
            f"no Chromium on PATH (looked for {', '.join(BROWSERS)}); install it with "
            "apt-get install chromium to run this test"
        )
    # A test dependency: a missing install must fail, not skip.
    from playwright import sync_api

    store = demo_store(tmp_path_factory.getbasetemp() / "report-demo")
    hostile = hostile_store(store, tmp_path / "hostile.duckdb")
    result = render_report("exam", {"unit": "0101", "store": str(hostile)}, out_dir=tmp_path)
    page_file = result.files["html"]
    requests, failed, console, dialogs = [], [], [], []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which(browser_path), args=ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.on("request", lambda r: requests.append(r.url))
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.on("console", lambda m: console.append((m.type, m.text)))
        page.on("pageerror", lambda e: console.append(("pageerror", str(e))))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(page_file.as_uri(), wait_until="load")
        title = page.title()
        heading = page.inner_text("h1")
        cover = page.inner_text(".cover")
        fonts_ready = page.evaluate(
            "document.fonts.ready.then(() => document.fonts.check("
            "'16px \"Noto Sans CJK SC\"', '党建'))"
        )
        images = page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert failed == [] and console == [] and dialogs == []
    assert all(url.startswith(("file://", "data:")) for url in requests), requests
    assert "每季一考分析报告" in heading and HOSTILE_NAME in cover and HOSTILE_NAME in title
    assert fonts_ready is True
    assert images and all(width > 0 for width in images)
    assert shot.stat().st_size > 50_000


def test_pdf_printed_by_chromium(tmp_path):
    if find_browser() is None:
        pytest.skip(
            f"no Chromium on PATH (looked for {', '.join(BROWSERS)}); install it with "
            "apt-get install chromium to run this test"
        )
    rows = "".join(f"<tr><td>支部{i}</td><td class='num'>{i}</td></tr>" for i in range(150))
    table = (
        f"<h4>各支部</h4><table><thead><tr><th>支部</th><th>人数</th></tr></thead>{rows}</table>"
    )
    template = make_template(
        tmp_path / "pdf.ipynb",
        'unit: str = "01"  # 单位 / unit',
        'import assess.report as ar\nar.publish_key_results({"n": 1}, title="党建工作 PDF 测试")',
        f"from IPython.display import HTML, display\ndisplay(HTML({table!r}))",
    )
    result = render_report(template, out_dir=tmp_path / "out", formats=["html", "pdf"])
    pdf = result.files["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF-") and b"NotoSansCJK" in pdf
    # A4 pages: the 150-row table over about five full pages, then the annex on its own.
    pages = re.findall(rb"/Type\s*/Page(?![s\w])", pdf)
    assert 4 <= len(pages) <= 6, len(pages)
    assert b"/Outlines" in pdf  # bookmarks from the headings
    assert re.search(rb"/MediaBox\s*\[0 0 594.9\d* 841.9\d*\]", pdf)
