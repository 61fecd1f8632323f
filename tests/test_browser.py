"""End to end in headless Chromium (Debian's ``chromium``, driven by Python playwright).

The server is waitress on 127.0.0.1 on a free port (``live_server`` in conftest.py). A missing
browser is a failure, not a skip: README's test command installs it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Chromium is missing: apt-get install chromium fonts-noto-cjk"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="zh-CN")
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


def test_search_follow_hit_and_reload(page, live_server):
    page.goto(live_server + "/")
    box = page.get_by_label("搜索")
    expect(box).to_be_focused()
    box.fill("两个确立")
    box.press("Enter")
    page.wait_for_url("**/search?q=*")
    assert parse_qs(urlsplit(page.url).query)["q"] == ["两个确立"]
    hits = page.locator("li.hit")
    expect(hits).to_have_count(2)
    expect(hits.first.locator(".snippet mark").first).to_have_text("两个确立")
    expect(page.locator("#result-count strong")).to_have_text("2")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "results.png"), full_page=True)

    section_title = hits.first.locator(".hit-title a").inner_text()
    hits.first.locator(".hit-title a").click()
    page.wait_for_url("**/doc/**")
    fragment = urlsplit(page.url).fragment
    target = page.locator(f"section[id='{fragment}']")
    expect(target).to_be_in_viewport()
    expect(target.locator("mark").first).to_have_text("两个确立")
    assert section_title in target.locator(".breadcrumb").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "document.png"))

    bookmarked = page.url
    page.reload()
    assert page.url == bookmarked
    expect(page.locator(f"section[id='{fragment}']")).to_be_in_viewport()
    expect(page.locator("mark")).to_have_count(page.locator("mark").count())

    page.go_back()
    page.wait_for_url("**/search?q=*")
    expect(page.locator("li.hit")).to_have_count(2)
    expect(page.get_by_label("搜索")).to_have_value("两个确立")


def test_chinese_renders_with_a_cjk_font(page, live_server):
    page.goto(live_server + "/search?q=%E5%85%AC%E5%AE%89")
    # a CJK glyph must be wider than a Latin one; boxes ("tofu") would all have one width
    widths = page.evaluate("""() => {
        const c = document.createElement('canvas').getContext('2d');
        c.font = getComputedStyle(document.body).font;
        return [c.measureText('公').width, c.measureText('i').width];
    }""")
    assert widths[0] > widths[1] * 1.5
    fonts = page.evaluate("() => document.fonts.check('16px \"Noto Sans CJK SC\"', '公安')")
    assert fonts
