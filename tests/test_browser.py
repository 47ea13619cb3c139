"""End to end in headless Chromium (Debian's binary, driven by Playwright; no browser download).

One app on the real golden reports: the chat's first screen, answers that keep their own sources,
a 15-column row of table 四 readable, the warning of a failed check inside the answer on a phone,
the widget on another origin (follow-up through the API, close by ✕ and Escape), the API docs
with every non-local request blocked, the reports tab (refusal of a non-report in Chinese, detail
view, delete), and an axe-core accessibility check. Screenshots go to artifacts/screenshots/.
"""
from __future__ import annotations

import os
import re
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
N_REPORTS = 10                                  # the nine sample reports and the seed said for 2020
TREND_Q = "宁波市对口支援和区域合作局历年主动公开政府信息多少条？"
HUAIAN_Q = "2024年淮安市人民政府本年新收政府信息公开申请总计多少件？"
SHANGHAI_Q = "2019年上海市人民政府办公厅本年新收政府信息公开申请数量是多少？"
HZQ_Q = "2023年洪泽区行政复议总计是多少？"
pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_app(reports, index, **env_extra):
    port = _free_port()
    env = {**os.environ, "RA_SAMPLE_DIR": str(reports), "RA_CORS_ORIGINS": "", "HF_HUB_OFFLINE": "1",
           "RA_ADMIN_KEY": KEY, "RA_RATE_LIMIT_PER_MINUTE": "1000", **env_extra}
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--index", str(index)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    t0 = time.time()
    while time.time() - t0 < 180:
        try:
            if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("app did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    return proc, url


def _stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """The bundled sample corpus (the nine real reports) and the seed report said again for 2020 with
    another figure, so one agency has a series over years (a trend and its chart)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is required for the browser test (.ci/run installs it)")
    d = tmp_path_factory.mktemp("e2e")
    reports = d / "reports"
    reports.mkdir()
    for f in sorted(SHARED_REPORTS.iterdir()):
        shutil.copy(need_shared(f), reports / f.name)
    (reports / "ningbo-2020.txt").write_text(
        SAMPLE.read_text(encoding="utf-8").replace("2019", "2020").replace("47条", "52条"), encoding="utf-8")
    proc, url = _start_app(reports, d / "index")
    yield url
    _stop(proc)


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
    chat.get_by_text(f"目前收录{N_REPORTS}份报告").wait_for(timeout=10000)
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
    # the label names the section (or the cell) the figure comes from; the report's title is inside
    assert "宁波市对口支援和区域合作局 · 2019年 · 章节：（一）主动公开的信息量" in summary, summary
    assert "000_3eedd7fad4cbaa0c" not in summary and "《" in own.locator(".ra-where").inner_text()

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
    assert "应为11" in warn.inner_text() and "注意" in warn.inner_text()
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
    # an example of the first screen asks at once; the ranking is inside its answer, every line with its unit
    page.locator("#chat button.example", has_text="排名｜").click()
    ranking = page.locator("#chat .ra-answer").first
    ranking.wait_for(timeout=30000)
    text = ranking.locator(".ra-text").inner_text()
    assert "859件" in text                                             # 上海市人民政府办公厅 2019, table 三
    lines = [x for x in text.splitlines() if re.match(r"\d+\. ", x)]
    assert len(lines) == 3 and all(re.search(r"：\d+件\[\d+\]$", x) for x in lines), lines   # all of them
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
    assert page.get_by_text("请求太频繁（按用户或客户端计数）").first.is_visible()
    assert outside == []
    page.screenshot(path=str(SHOTS / "api_docs_offline.png"))
    page.close()


def _reports_tab(page, app_url):
    page.goto(app_url + "/")
    page.get_by_role("tab", name="报告").click()
    page.locator("#reports .ra-rcard").first.wait_for(timeout=20000)
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


# --- issue 21: the chat staff trust at a glance ------------------------------------------------------

EMOJI = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff]")         # symbols an office PC's fonts lack


def _in_view(box, size) -> bool:
    return box is not None and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= size["width"] \
        and box["y"] + box["height"] <= size["height"]


def _contrast(rgb1, rgb2) -> float:
    def lum(rgb):
        c = [x / 255 for x in rgb]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted((lum(rgb1), lum(rgb2)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_copy_an_answer_with_its_sources(browser, app_url, tmp_path):
    ctx = browser.new_context(locale="zh-CN", viewport=DESKTOP, accept_downloads=True)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"])
    page = ctx.new_page()
    page.goto(app_url + "/")
    answer = _ask(page, HUAIAN_Q, 1)
    answer.locator("a.ra-copy", has_text="复制").first.click()
    page.wait_for_timeout(300)
    text = page.evaluate("navigator.clipboard.readText()")
    assert text.startswith("2024年，淮安市人民政府") and "3119" in text and "<" not in text, text
    lines = text.splitlines()
    assert "出处：" in lines
    src = lines[lines.index("出处：") + 1]
    assert src.startswith("[1] 淮安市人民政府 · 2024年 · 表：收到和处理政府信息公开申请情况 / 一、本年新收政府信息公开申请数量 / 总计")
    assert "原文：“" in src and "3119" in src
    # several figures: 复制表格 is tab-separated rows with a header, 下载CSV the same figures with 计量单位 and 单位名称
    trend = _ask(page, TREND_Q, 2)
    trend.locator("a.ra-copy-table").click()
    page.wait_for_timeout(300)
    rows = [r.split("\t") for r in page.evaluate("navigator.clipboard.readText()").splitlines()]
    assert rows[0][:3] == ["数值", "计量单位", "指标"] and len(rows) >= 3
    assert {r[0] for r in rows[1:]} >= {"47", "52"} and all(len(r) == len(rows[0]) for r in rows)
    with page.expect_download() as dl:
        trend.locator("a.ra-csv").click()
    path = tmp_path / "answer.csv"
    dl.value.save_as(path)
    import csv

    table = list(csv.reader(open(path, encoding="utf-8-sig")))
    assert "计量单位" in table[0] and "单位名称" in table[0] and "单位" not in table[0]
    assert [r[0] for r in table[1:3]] == ["47", "52"] and table[1][table[0].index("单位名称")] == "宁波市对口支援和区域合作局"
    # no Gradio copy button that copies markup; no English labels on the buttons people see
    assert page.get_by_role("button", name="Copy message").count() == 0
    for b in page.locator("button").all():
        if b.is_visible():
            for label in (b.get_attribute("aria-label"), b.get_attribute("title"), b.inner_text()):
                assert not re.search(r"[A-Za-z]{3,}", label or ""), label
    ctx.close()


def test_cited_cell_scrolled_into_view(browser, app_url):
    size = {"width": 1280, "height": 800}
    page = browser.new_page(locale="zh-CN", viewport=size)
    page.goto(app_url + "/")
    answer = _ask(page, HUAIAN_Q, 1)
    cite_label = answer.locator("details.ra-cite summary").first.inner_text()
    assert "一、本年新收政府信息公开申请数量 × 总计" in cite_label, cite_label          # the label names its cell
    answer.locator(".ra-text a.ra-ref", has_text="[1]").click()
    hit = answer.locator("details.ra-cite").first.locator("td.hit")
    page.wait_for_timeout(500)
    assert hit.inner_text().strip() == "3119"
    box, scroller = hit.bounding_box(), answer.locator("details.ra-cite").first.locator(".src-scroll").bounding_box()
    assert _in_view(box, size), box                                     # inside the screen
    assert scroller["x"] <= box["x"] and box["x"] + box["width"] <= scroller["x"] + scroller["width"] + 1, (box, scroller)
    page.screenshot(path=str(SHOTS / "chat_cited_cell_desktop.png"))
    page.close()


def test_html_original_opened_at_the_passage(browser, app_url):
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    page.goto(app_url + "/")
    answer = _ask(page, SHANGHAI_Q, 1)
    assert "859" in answer.locator(".ra-text").inner_text()
    href = answer.locator("a.ra-file").first.get_attribute("href")
    assert "?find=" in href and href.endswith("#cited"), href
    original = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    original.goto(app_url + href)
    cited = original.locator("mark#cited")
    cited.wait_for(timeout=10000)
    assert "本年新收" in cited.inner_text()
    assert _in_view(cited.bounding_box(), DESKTOP)                      # opened at the passage, not the top
    assert original.evaluate("window.scrollY") > 0
    original.screenshot(path=str(SHOTS / "original_html_at_passage.png"))
    # a text original too
    first = _ask(page, NINGBO_Q, 2).locator("a.ra-file").first.get_attribute("href")
    original.goto(app_url + first)
    assert "47条" in original.locator("mark#cited").inner_text()
    original.close()
    page.close()


@pytest.mark.parametrize("size", [DESKTOP | {"height": 800, "width": 1280}, PHONE], ids=["desktop", "phone"])
def test_trend_chart_inside_the_first_screen(browser, app_url, size):
    page = browser.new_page(locale="zh-CN", viewport=size)
    page.goto(app_url + "/")
    answer = _ask(page, TREND_Q, 1)
    chart = answer.locator(".ra-chart")
    chart.wait_for(timeout=10000)
    page.wait_for_timeout(600)
    assert _in_view(chart.bounding_box(), size), chart.bounding_box()
    rows = chart.locator(".ra-bar-row").all_inner_texts()
    assert len(rows) == 2 and "47条" in rows[0] and "52条" in rows[1], rows      # every line with its unit
    text = answer.locator(".ra-text").inner_text()
    assert "2019年：47条" in text and "2020年：52条" in text
    page.screenshot(path=str(SHOTS / f"chat_trend_chart_{'phone' if size == PHONE else 'desktop'}.png"))
    page.close()


def test_first_screen_at_the_top_with_one_set_of_examples(browser, app_url):
    for size in (DESKTOP, PHONE):
        page = browser.new_page(locale="zh-CN", viewport=size)
        page.goto(app_url + "/")
        page.locator("#chat button.example").first.wait_for(timeout=30000)
        page.wait_for_timeout(800)
        assert page.evaluate("window.scrollY") == 0
        hello = page.locator("#chat").get_by_text("你好！")
        assert _in_view(hello.bounding_box(), size), hello.bounding_box()
        assert _in_view(page.locator("#chat").get_by_text(f"目前收录{N_REPORTS}份报告").bounding_box(), size)
        assert page.get_by_text("示例问题（点一下填入）").count() == 0        # one set of examples, not two
        texts = page.locator("#chat button.example").all_inner_texts()
        assert len(texts) == len(set(texts)) >= 4
        assert not EMOJI.search(page.locator("body").inner_text())
        page.close()


def test_focus_ring_contrast(browser, app_url):
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    page.goto(app_url + "/")
    box = page.locator("#question-box textarea")
    box.focus()
    page.wait_for_timeout(300)
    color = box.evaluate("e => getComputedStyle(e).borderTopColor")
    rgb = [int(x) for x in re.findall(r"\d+", color)[:3]]
    assert _contrast(rgb, (255, 255, 255)) >= 3, color
    page.close()


def test_reports_tab_on_a_phone_speaks_to_staff(browser, app_url):
    page = browser.new_page(locale="zh-CN", viewport=PHONE)
    page.goto(app_url + "/")
    page.get_by_role("tab", name="报告").click()
    reports = page.locator("#reports")
    reports.locator(".ra-rcard").first.wait_for(timeout=20000)
    assert reports.locator(".ra-rcard").count() == N_REPORTS
    text = reports.inner_text()
    for word in ("digit run", "pinned", "dropped", "items[", "grid", "runs-split", "words", "unread", "value rows"):
        assert word not in text, word
    assert not re.search(r"[A-Za-z]{4,}", text.replace("CSV", "")), re.findall(r"[A-Za-z]{4,}", text)[:5]
    assert "数字连在一起" in text and "没有读取" in text                      # what was not read, and why
    assert not EMOJI.search(text)
    # nothing wider than the phone: every card fits, no column hidden in an overflow
    width = reports.evaluate("e => e.scrollWidth")
    assert width <= PHONE["width"], width
    for card in reports.locator(".ra-rcard").all()[:3]:
        b = card.bounding_box()
        assert b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"], b
    # the developer detail is one click away
    dev = reports.locator("details.ra-dev").nth(4)
    dev.locator("summary").click()
    assert "读取方式" in dev.inner_text()
    page.screenshot(path=str(SHOTS / "reports_tab_phone.png"), full_page=True)
    page.close()
    desk = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    desk.goto(app_url + "/")
    desk.get_by_role("tab", name="报告").click()
    desk.locator("#reports .ra-rcard").first.wait_for(timeout=20000)
    desk.screenshot(path=str(SHOTS / "reports_tab_desktop.png"))
    desk.close()


def test_widget_keeps_the_conversation_and_asks_before_clearing(browser, host_url):
    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        ctx = browser.new_context(locale="zh-CN", viewport=size)
        page = ctx.new_page()
        page.goto(host_url)
        page.locator("#ra-widget-button").click()
        frame = page.frame_locator("#ra-widget-frame")
        frame.locator("button.ex").first.wait_for(timeout=10000)
        frame.locator("#q").fill(NINGBO_Q)
        frame.locator("button.send").click()
        frame.locator(".a .text", has_text="47").wait_for(timeout=20000)
        # the host page reloads: the conversation is still there, and a follow-up still leans on it
        page.reload()
        page.locator("#ra-widget-button").click()
        frame = page.frame_locator("#ra-widget-frame")
        frame.locator(".a .text", has_text="47").wait_for(timeout=10000)
        assert frame.locator(".q", has_text=NINGBO_Q).count() == 1
        # the close target: at least 44 px, apart from 清空
        close, clear = frame.locator("#close").bounding_box(), frame.locator("#clear").bounding_box()
        assert close["width"] >= 44 and close["height"] >= 44, close
        assert close["x"] - (clear["x"] + clear["width"]) >= 8, (clear, close)
        # the placeholder fits the input at this size
        fits = frame.locator("#q").evaluate("""e => { const c = document.createElement('canvas').getContext('2d');
            const s = getComputedStyle(e); c.font = s.fontSize + ' ' + s.fontFamily;
            const room = e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
            return c.measureText(e.placeholder).width <= room; }""")
        assert fits
        page.screenshot(path=str(SHOTS / f"widget_kept_{name}.png"))
        # 清空 asks first: 取消 keeps everything, 清空 clears it and the kept copy
        frame.locator("#clear").click()
        frame.locator("#confirm-yes").wait_for(timeout=5000)
        frame.locator("#confirm-no").click()
        assert frame.locator(".q").count() == 1
        frame.locator("#clear").click()
        frame.locator("#confirm-yes").click()
        assert frame.locator(".q").count() == 0
        page.reload()
        page.locator("#ra-widget-button").click()
        page.frame_locator("#ra-widget-frame").locator("button.ex").first.wait_for(timeout=10000)
        assert page.frame_locator("#ra-widget-frame").locator(".q").count() == 0
        assert not EMOJI.search(page.locator("#ra-widget-button").inner_text())
        ctx.close()


@pytest.fixture(scope="module")
def limited_url(tmp_path_factory):
    """An app that allows two questions a minute per client."""
    d = tmp_path_factory.mktemp("limited")
    reports = d / "reports"
    reports.mkdir()
    shutil.copy(SAMPLE, reports / SAMPLE.name)
    proc, url = _start_app(reports, d / "index", RA_RATE_LIMIT_PER_MINUTE="2")
    yield url
    _stop(proc)


def test_too_many_questions_said_in_chinese_with_retry_after(browser, limited_url):
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    page.goto(limited_url + "/embed")
    page.locator("button.ex").first.wait_for(timeout=10000)
    for i in range(2):
        page.locator("#q").fill(NINGBO_Q)
        page.locator("button.send").click()
        page.locator(".a .text", has_text="47").nth(i).wait_for(timeout=20000)
    with page.expect_response(lambda r: r.url.endswith("/api/ask")) as refused:
        page.locator("#q").fill(NINGBO_Q)
        page.locator("button.send").click()
    r = refused.value
    assert r.status == 429 and 1 <= int(r.headers["retry-after"]) <= 60
    body = r.json()
    assert set(body) == {"detail", "code"} and body["code"] == "rate_limited"
    err = page.locator(".a.err")
    err.wait_for(timeout=10000)
    assert f"{r.headers['retry-after']}秒后再试" in err.inner_text() or "秒后再试" in err.inner_text()
    assert not re.search(r"[A-Za-z]{3,}", err.inner_text())
    page.screenshot(path=str(SHOTS / "widget_429.png"))
    # the chat: the same budget, the refusal said in Chinese (Gradio's toast title too)
    chat = browser.new_page(locale="en-US", viewport=DESKTOP)
    chat.goto(limited_url + "/")
    chat.locator("#question-box textarea").fill(NINGBO_Q)
    chat.locator("#ask-button").click()
    chat.get_by_text("提问太频繁").first.wait_for(timeout=15000)
    chat.wait_for_timeout(300)
    toast = chat.locator("body").inner_text()
    assert "Error" not in toast and "秒后再试" in toast
    chat.screenshot(path=str(SHOTS / "chat_429.png"))
    chat.close()
    page.close()
