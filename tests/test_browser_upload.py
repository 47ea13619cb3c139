"""The chat's admin upload in headless Chromium: the key is checked first (it sets the cookie that
opens Gradio's upload route to this browser), then the file is sent and indexed. Without the key,
Gradio's upload route refuses the file."""
from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from .conftest import ROOT, SAMPLE
from .servers import free_port, stop_process, wait_port
from .test_browser import ARGS, CHROMIUM, SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_admin_upload_through_the_chat(tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is required for the browser test (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    report = tmp_path / "upload.txt"
    report.write_text(SAMPLE.read_text(encoding="utf-8").replace("宁波市对口支援和区域合作局", "宁波市测试上传局"),
                      encoding="utf-8")
    port = free_port()
    env = {**os.environ, "RA_ADMIN_KEY": "browser-key", "RA_SAMPLE_DIR": str(SAMPLE.parent), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--index", str(tmp_path / "index")],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_port(port, 120), "app did not start"
        httpx.get(url + "/api/health", timeout=60)
        # without the key's cookie, Gradio's own upload route takes nothing
        r = httpx.post(url + "/gradio_api/upload", files={"files": ("a.txt", b"x", "text/plain")})
        assert r.status_code == 403
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(url + "/")
            page.get_by_role("tab", name="报告").click()
            page.get_by_text("管理：上传或删除报告（需要管理密钥）").click()
            key = page.locator("#admin-key input")
            key.wait_for(timeout=30000)
            key.fill("browser-key")
            with page.expect_response(lambda resp: "api/admin/session" in resp.url) as checked:
                key.press("Enter")
            assert checked.value.status == 204
            with page.expect_response(lambda resp: "gradio_api/upload" in resp.url) as sent:
                page.locator("#upload-file input[type=file]").set_input_files(str(report))
            assert sent.value.status == 200
            page.locator("#upload-button").click()
            # the status line, not the listing's caption "已收录的报告（共1份）" that is there from the start
            page.locator("#admin-status").get_by_text("已收录", exact=True).wait_for(timeout=120000)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "admin_upload.png"), full_page=True)
            browser.close()
        assert any(r["agency"] == "宁波市测试上传局" for r in httpx.get(url + "/api/reports").json())
    finally:
        stop_process(proc)
