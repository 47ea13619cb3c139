"""End to end in headless Chromium (Debian's binary, driven by Playwright; no browser download).

One app on the real golden reports: the chat's first screen, answers that keep their own sources,
a 15-column row of table 四 readable, the warning of a failed check inside the answer on a phone,
the widget on another origin (follow-up through the API, close by ✕ and Escape), the API docs
with every non-local request blocked, the reports tab (refusal of a non-report in Chinese, detail
view, delete), and an axe-core accessibility check. Screenshots go to artifacts/screenshots/.
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
from urllib.parse import urlparse

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import HZQ, KEWEI, ROOT, SAMPLE, SHARED_REPORTS, need_shared

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "artifacts" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
KEY = "e2e-admin-key"
NINGBO_Q = "2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？"
HZQ_Q = "2023年洪泽区行政复议总计是多少？"
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
    need_shared(HZQ)
    d = tmp_path_factory.mktemp("e2e")
    reports = d / "reports"
    reports.mkdir()
    for f in (SAMPLE, HZQ, KEWEI, SHARED_REPORTS / "szfgs2024.pdf",
              SHARED_REPORTS / "2019年上海市人民政府办公厅政府信息公开工作年度报告.html"):
        shutil.copy(need_shared(f), reports / f.name)
    port = _free_port()
    env = {**os.environ, "RA_SAMPLE_DIR": str(reports), "RA_CORS_ORIGINS": "", "HF_HUB_OFFLINE": "1",
           "RA_ADMIN_KEY": KEY, "RA_RATE_LIMIT_PER_MINUTE": "1000"}
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
        f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>内网首页</title></head><body>"
        f"<main><h1>某单位内网</h1><p>这里是内网页面。</p></main>"
        f"<script src='{app_url}/widget.js' data-title='年报问答' data-color='#1565c0' data-position='right'></script>"
        f"</body></html>", encoding="utf-8")
    server = HTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(d)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _ask(page, question: str, n: int):
    """Ask in the Gradio chat and wait for the n-th finished answer (1-based)."""
    box = page.locator("#question-box textarea")
    box.fill(question)
    page.locator("#ask-button").click()
    answer = page.locator("#chat .ra-answer").nth(n - 1)
    answer.wait_for(timeout=30000)
    return answer


def test_first_screen_and_sources_per_message(browser, app_url):
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    page.goto(app_url + "/")
    page.locator("#question-box textarea").wait_for(timeout=30000)
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    chat = page.locator("#chat")
    chat.get_by_text("目前收录5份报告").wait_for(timeout=10000)
    for kind in ("数值｜", "表格单元格｜", "比较｜", "排名｜"):          # examples of each kind, above the fold
        ex = chat.locator("button.example", has_text=kind)
        assert ex.count() == 1 and ex.bounding_box()["y"] < DESKTOP["height"]
    assert page.locator("#coverage").bounding_box()["x"] > DESKTOP["width"] / 2     # the width is used
    page.screenshot(path=str(SHOTS / "chat_first_screen_desktop.png"))

    first = _ask(page, NINGBO_Q, 1)
    assert "47" in first.locator(".ra-text").inner_text()
    second = _ask(page, HZQ_Q, 2)
    # the first answer's [1] still opens its own source, in place, after a second question
    first.locator("a.ra-ref", has_text="[1]").click()
    own = first.locator("details.ra-cite").first
    assert own.evaluate("d => d.open") and "47" in own.locator("mark").inner_text()
    assert not second.locator("details.ra-cite").first.evaluate("d => d.open")
    summary = own.locator("summary").inner_text()
    assert "宁波市对口支援和区域合作局 · 2019年 · 《" in summary and "000_3eedd7fad4cbaa0c" not in summary

    # the second answer: table 四 row (15 columns) readable, warning inside the answer, the PDF at its page
    second.locator("a.ra-ref", has_text="[1]").click()
    cite = second.locator("details.ra-cite").first
    assert cite.evaluate("d => d.open")
    heads = cite.locator(".src-row th")
    assert heads.count() == 15
    widths = [heads.nth(i).bounding_box()["width"] for i in range(15)]
    assert min(widths) >= 48, widths                       # no header squeezed to one character per line
    assert "结果维持" in heads.nth(0).inner_text() and "总计" in heads.nth(14).inner_text()
    scroller = cite.locator(".src-scroll")
    assert scroller.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    assert cite.locator("td.hit").inner_text().strip() == "0"
    warn = second.locator(".ra-warn")
    assert "应为11" in warn.inner_text() and "⚠" in warn.inner_text()
    assert "复议后起诉" not in warn.inner_text()         # a failed check of another block is not about [1]
    link = cite.locator("a.ra-file")
    href = link.get_attribute("href")
    assert href.endswith("#page=4"), href
    r = httpx.get(app_url + href.split("#")[0])
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    page.screenshot(path=str(SHOTS / "chat_sources_desktop.png"), full_page=True)

    # clearing the chat clears the follow-up context: "那2020年呢？" is no longer read as a follow-up
    _ask(page, NINGBO_Q, 3)
    page.locator("#clear-button").click()
    page.wait_for_function("document.querySelectorAll('#chat .ra-answer').length === 0", timeout=10000)
    after = _ask(page, "那2020年呢？", 1)
    assert "按上文理解为" not in after.inner_text()
    # a meta question is answered from the index, with its reading shown under the answer
    meta = _ask(page, "有哪些报告？", 2)
    assert "淮安市洪泽区人民政府：2023年" in meta.locator(".ra-text").inner_text()
    assert meta.locator(".ra-interp").inner_text() == "理解为：询问收录了哪些报告"
    page.close()


def test_phone_warning_inside_answer(browser, app_url):
    page = browser.new_page(locale="zh-CN", viewport=PHONE)
    page.goto(app_url + "/")
    page.locator("#question-box textarea").wait_for(timeout=30000)
    page.locator("#chat").get_by_text("目前收录").wait_for(timeout=10000)
    assert page.locator("#chat button.example").first.bounding_box()["y"] < PHONE["height"]
    page.screenshot(path=str(SHOTS / "chat_first_screen_phone.png"))
    # an example of the first screen asks at once; the ranking's figures table keeps 数值 on the screen
    page.locator("#chat button.example", has_text="排名｜").click()
    ranking = page.locator("#chat .ra-answer").first
    ranking.wait_for(timeout=30000)
    assert "859" in ranking.locator(".ra-text").inner_text()         # 上海市人民政府办公厅 2019, table 三
    fig = page.locator("#figures")
    fig.wait_for(timeout=10000)
    head = fig.locator("th", has_text="数值").first
    hb = head.bounding_box()
    assert hb["x"] >= 0 and hb["x"] + hb["width"] <= PHONE["width"]
    answer = _ask(page, HZQ_Q, 2)
    warn = answer.locator(".ra-warn")
    warn.scroll_into_view_if_needed()
    box = warn.bounding_box()
    assert warn.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert "一致性校验未通过" in warn.inner_text()
    bubble = answer.bounding_box()                       # the warning sits inside the answer itself
    assert bubble["y"] <= box["y"] and box["y"] + box["height"] <= bubble["y"] + bubble["height"]
    page.screenshot(path=str(SHOTS / "chat_warning_phone.png"))
    page.close()


def test_widget_follow_up_escape_and_close(browser, host_url):
    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = browser.new_page(locale="zh-CN", viewport=size)
        page.goto(host_url)
        button = page.locator("#ra-widget-button")
        button.wait_for()
        assert button.get_attribute("aria-expanded") == "false"
        button.click()
        assert button.get_attribute("aria-expanded") == "true"
        frame = page.frame_locator("#ra-widget-frame")
        frame.locator("button.ex", has_text="排名｜").wait_for(timeout=10000)     # a greeting with examples
        if name == "phone":
            box = page.locator("#ra-widget-frame").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            frame.locator("#q").fill(HZQ_Q)
            frame.locator("button.send").click()
            answer = frame.locator(".a").last
            answer.locator(".warn").wait_for(timeout=20000)
            answer.locator("a.ref").first.click()
            answer.locator("td.hit").wait_for(timeout=10000)
            assert answer.locator(".src-row th").count() == 15
            page.screenshot(path=str(SHOTS / "widget_phone.png"))
        else:
            frame.locator("#q").fill(NINGBO_Q)
            frame.locator("button.send").click()
            answer = frame.locator(".a").nth(1)                    # after the greeting
            answer.locator("a.ref").first.wait_for(timeout=20000)
            assert "47" in answer.locator(".text").inner_text()
            # a follow-up through the API: the widget sends the earlier turns as history
            frame.locator("#q").fill("那2020年呢？")
            frame.locator("button.send").click()
            follow = frame.locator(".a").nth(2)
            expect(follow).not_to_have_text("…", timeout=20000)
            text = follow.inner_text()
            assert "宁波市对口支援和区域合作局" in text and "2020" in text, text
            answer.locator("a.ref").first.click()                  # the first answer's source, in place
            assert "47" in answer.locator("mark").inner_text()
            page.screenshot(path=str(SHOTS / "widget_desktop.png"))
        frame.locator("#q").press("Escape")
        page.wait_for_function("getComputedStyle(document.querySelector('#ra-widget-frame')).display === 'none'")
        assert button.get_attribute("aria-expanded") == "false"
        button.click()
        frame.locator("#close").click()
        page.wait_for_function("getComputedStyle(document.querySelector('#ra-widget-frame')).display === 'none'")
        assert button.get_attribute("aria-expanded") == "false"
        page.close()


def test_api_docs_render_with_no_network(browser, app_url):
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    outside: list[str] = []

    def only_local(route):
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(app_url + "/api/docs")
    page.locator(".swagger-ui .opblock-summary-path", has_text="/api/ask").first.wait_for(timeout=20000)
    assert page.locator(".swagger-ui button.authorize").count() == 1        # the API key as a security scheme
    page.locator(".swagger-ui .opblock-summary-path", has_text="/api/ask").first.click()
    page.locator(".swagger-ui .response-col_status", has_text="429").first.wait_for(timeout=10000)
    assert page.get_by_text("too many requests from this client").first.is_visible()
    assert outside == []
    page.screenshot(path=str(SHOTS / "api_docs_offline.png"))
    page.close()


def _reports_tab(page, app_url):
    page.goto(app_url + "/")
    page.get_by_role("tab", name="报告").click()
    page.locator("#reports table").wait_for(timeout=20000)
    page.get_by_text("管理：上传或删除报告").click()
    page.locator("#admin-key input").wait_for(timeout=10000)
    page.locator("#admin-key input").fill(KEY)
    # the key is checked first: that sets the cookie Gradio's upload route asks for
    with page.expect_response(lambda resp: "api/admin/session" in resp.url) as checked:
        page.locator("#admin-key input").press("Enter")
    assert checked.value.status == 204


def _upload(page, path):
    page.locator("#upload-file button.upload-container").wait_for(timeout=10000)
    with page.expect_file_chooser() as chooser:
        page.locator("#upload-file button.upload-container").click()
    chooser.value.set_files(str(path))
    page.locator("#upload-file").get_by_text(path.stem, exact=True).first.wait_for(timeout=10000)
    page.locator("#upload-button").click()


def test_reports_tab_refuses_non_report_in_chinese(browser, app_url, tmp_path):
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    _reports_tab(page, app_url)
    before = httpx.get(app_url + "/api/health").json()["reports"]
    hello = tmp_path / "hello.txt"
    hello.write_text("hello world 你好", encoding="utf-8")
    _upload(page, hello)
    status = page.locator("#admin-status")
    status.get_by_text("不像政府信息公开工作年度报告").wait_for(timeout=30000)
    assert "单位名称和年份" in status.inner_text()
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"hello, not a pdf")
    _upload(page, fake)
    status.get_by_text("文件内容不是 PDF 文件").wait_for(timeout=30000)
    assert "the file" not in status.inner_text()
    assert httpx.get(app_url + "/api/health").json()["reports"] == before
    page.screenshot(path=str(SHOTS / "reports_upload_refused.png"), full_page=True)
    page.close()


def test_reports_detail_upload_and_delete_refresh_filters(browser, app_url, tmp_path):
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    _reports_tab(page, app_url)
    listing = page.locator("#reports").inner_text()
    assert "应为11，表中为0" in listing                                    # full check text
    assert "模板有23行" in listing and "value rows" not in listing          # parser warnings in Chinese too
    chooser = page.locator("#report-chooser input")
    chooser.click()
    page.get_by_role("option", name="淮安市洪泽区人民政府", exact=False).first.click()
    detail = page.locator("#report-detail")
    detail.locator("td.failed").first.wait_for(timeout=10000)
    assert detail.locator("td.failed").count() == 10              # two failed sums of five cells each in 表四
    page.screenshot(path=str(SHOTS / "report_detail.png"), full_page=True)

    other = tmp_path / "other.txt"
    other.write_text(SAMPLE.read_text(encoding="utf-8").replace("宁波市对口支援和区域合作局", "宁波市测试上传局"),
                     encoding="utf-8")
    _upload(page, other)
    page.locator("#admin-status").get_by_text("已收录").wait_for(timeout=60000)

    def agency_options():
        page.get_by_role("tab", name="问答").click()
        page.locator("#agency-filter input").click()
        names = page.get_by_role("option").all_inner_texts()
        page.keyboard.press("Escape")
        page.get_by_role("tab", name="报告").click()
        return names

    assert any("宁波市测试上传局" in n for n in agency_options())
    page.locator("#report-chooser input").click()
    page.get_by_role("option", name="宁波市测试上传局", exact=False).first.click()
    page.locator("#delete-button").click()
    page.locator("#admin-status").get_by_text("已删除").wait_for(timeout=60000)
    assert not any("宁波市测试上传局" in n for n in agency_options())
    page.close()


def test_accessibility_axe(browser, app_url, host_url):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    found = {}
    for name, url in (("/", app_url + "/"), ("/embed", app_url + "/embed"), ("host", host_url)):
        page.goto(url)
        if name == "/":
            page.locator("#chat button.example").first.wait_for(timeout=30000)
            _ask(page, HZQ_Q, 1).locator("a.ra-ref").first.click()      # an answer with its source open
        elif name == "/embed":
            page.locator("button.ex").first.wait_for(timeout=10000)
        else:
            page.locator("#ra-widget-button").click()
            page.frame_locator("#ra-widget-frame").locator("button.ex").first.wait_for(timeout=10000)
        result = axe.run(page)
        found[name] = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                       for v in result.response["violations"] if v["impact"] in ("serious", "critical")]
    page.close()
    assert found == {"/": [], "/embed": [], "host": []}, found
