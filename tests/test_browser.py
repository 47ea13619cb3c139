"""End to end in headless Chromium (Debian's binary, driven by Playwright; no browser download).

A host page on another origin embeds the widget; the compact chat answers with a cited figure,
the citation opens on the quoted source, and a table question shows the highlighted cell. The
Gradio chat at / is exercised too. Screenshots go to artifacts/screenshots/.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import HTTPServer, SimpleHTTPRequestHandler

import httpx
import pytest

from .conftest import HZQ, ROOT, SAMPLE

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "artifacts" / "screenshots"
pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is required for the browser test (.ci/run installs it)")
    d = tmp_path_factory.mktemp("e2e")
    reports = d / "reports"
    reports.mkdir()
    shutil.copy(SAMPLE, reports / SAMPLE.name)
    if HZQ.exists():
        shutil.copy(HZQ, reports / HZQ.name)
    port = _free_port()
    env = {**os.environ, "RA_SAMPLE_DIR": str(reports), "RA_CORS_ORIGINS": "", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--index", str(d / "index")], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    t0 = time.time()
    while time.time() - t0 < 120:
        try:
            if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("app did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="module")
def host_url(tmp_path_factory, app_url):
    """An intranet page on another origin (another port) that embeds the widget."""
    d = tmp_path_factory.mktemp("host")
    (d / "index.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>内网首页</title></head><body>"
        f"<h1>某单位内网</h1><p>这里是内网页面。</p>"
        f"<script src='{app_url}/widget.js' data-title='年报问答' data-color='#1565c0' data-position='right'></script>"
        f"</body></html>", encoding="utf-8")
    server = HTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(d)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def test_widget_on_another_origin(browser, host_url):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    page.goto(host_url)
    button = page.locator("#ra-widget-button")
    button.wait_for()
    assert "年报问答" in button.inner_text()
    button.click()
    frame = page.frame_locator("#ra-widget-frame")
    frame.locator("#q").fill("2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？")
    frame.locator("button.send").click()
    answer = frame.locator(".a").last
    answer.locator(".cite").first.wait_for(timeout=20000)
    assert "47" in answer.inner_text()
    answer.locator(".cite").first.click()
    mark = answer.locator("mark")
    mark.wait_for(timeout=10000)
    assert "47" in mark.inner_text()
    page.screenshot(path=str(SHOTS / "widget_prose_citation.png"))

    frame.locator("#q").fill("2019年宁波市对口支援和区域合作局规范性文件对外公开总数量是多少？")
    frame.locator("button.send").click()
    answer = frame.locator(".a").last
    answer.locator(".cite").first.wait_for(timeout=20000)
    assert "45" in answer.inner_text()
    answer.locator(".cite").first.click()
    hit = answer.locator("td.hit")
    hit.wait_for(timeout=10000)
    assert hit.inner_text().strip() == "45"
    page.screenshot(path=str(SHOTS / "widget_table_cell.png"))
    page.close()


def test_gradio_chat(browser, app_url):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.goto(app_url + "/")
    box = page.locator("#question-box textarea")
    box.wait_for(timeout=30000)
    box.fill("不予公开中属于国家秘密的申请有几件？")
    page.locator("#ask-button").click()
    details = page.locator("#citations details").first
    details.wait_for(timeout=30000)
    details.locator("summary").click()
    hit = page.locator("#citations td.hit").first
    hit.wait_for(timeout=10000)
    assert hit.inner_text().strip() == "0"
    assert "国家秘密" in page.locator("#citations").inner_text()
    page.screenshot(path=str(SHOTS / "chat_table_cell.png"), full_page=True)
    box.fill("2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？")
    page.locator("#ask-button").click()
    page.wait_for_function("document.querySelector('#chat') && "
                           "document.querySelector('#chat').innerText.includes('47条')", timeout=30000)
    page.locator("#citations details").first.locator("summary").click()
    assert "47" in page.locator("#citations mark").first.inner_text()
    page.screenshot(path=str(SHOTS / "chat_prose.png"), full_page=True)
    page.close()
