"""REST API and web edge: contract, keys, uploads, escaping, CORS allow-list, rate limit."""
from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from assistant.components import Components

from .conftest import SAMPLE

XSS_REPORT = """某某市测试局2022年政府信息公开工作年度报告
一、总体情况
2022年，某某市测试局网站栏目<img src=x onerror=alert(1)>整改完成，全年主动公开政府信息12条<script>alert('x')</script>。
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    import app as app_module

    d = tmp_path_factory.mktemp("api")
    reports = d / "reports"
    reports.mkdir()
    shutil.copy(SAMPLE, reports / SAMPLE.name)
    (reports / "xss.txt").write_text(XSS_REPORT, encoding="utf-8")
    comp = Components.from_settings(index_dir=d / "index", admin_key="s3cret", cors_origins="http://allowed.example",
                                    rate_limit_per_minute=1000, max_upload_mb=1)
    comp.indexer.index([reports])
    with TestClient(app_module.build_app(comp)) as c:
        c.comp = comp
        yield c


def test_health_and_ask_contract(client):
    assert client.get("/api/health").json() == {"status": "ok", "reports": 2}
    r = client.post("/api/ask", json={"question": "2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？"})
    assert r.status_code == 200
    body = r.json()
    assert body["grounded"] and body["figures"][0]["value"] == "47" and "47" in body["citations"][0]["quote"]
    assert client.post("/api/ask", json={"question": ""}).status_code == 422
    assert client.post("/api/ask", json={"question": "x" * 501}).status_code == 422


def test_ask_with_filters(client):
    r = client.post("/api/ask", json={"question": "主动公开了多少条政府信息？", "agency": "某某市测试局", "year": 2022})
    assert [f["value"] for f in r.json()["figures"]] == ["12"]


def test_reports_list_detail_and_openapi(client):
    reports = client.get("/api/reports").json()
    assert {r["agency"] for r in reports} == {"宁波市对口支援和区域合作局", "某某市测试局"}
    rid = next(r["report_id"] for r in reports if r["year"] == 2019)
    detail = client.get(f"/api/reports/{rid}").json()
    assert detail["checks"] and "path" not in detail
    assert client.get("/api/reports/nope").status_code == 404
    assert "/api/ask" in client.get("/api/openapi.json").json()["paths"]


def test_write_endpoints_need_the_key(client):
    files = {"file": ("r.txt", SAMPLE.read_bytes(), "text/plain")}
    assert client.post("/api/reports", files=files).status_code == 401
    assert client.post("/api/reports", files=files, headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.delete("/api/reports/abc", headers={"X-API-Key": "wrong"}).status_code == 401


def test_upload_limits_types_and_names(client):
    key = {"X-API-Key": "s3cret"}
    big = {"file": ("big.txt", b"a" * (1024 * 1024 + 10), "text/plain")}
    assert client.post("/api/reports", files=big, headers=key).status_code == 413
    exe = {"file": ("evil.exe", b"MZ....", "application/octet-stream")}
    assert client.post("/api/reports", files=exe, headers=key).status_code == 415
    fake_pdf = {"file": ("fake.pdf", b"not a pdf at all", "application/pdf")}
    assert client.post("/api/reports", files=fake_pdf, headers=key).status_code == 415
    text = XSS_REPORT.replace("某某市测试局", "某某县上传局").encode()
    r = client.post("/api/reports", files={"file": ("../../../etc/passwd.txt", text, "text/plain")}, headers=key)
    assert r.status_code == 201, r.text
    uploads = client.comp.index_dir / "uploads"
    saved = list(uploads.iterdir())
    assert len(saved) == 1 and saved[0].resolve().parent == uploads.resolve() and "passwd" in saved[0].name
    rid = r.json()["report_id"]
    again = client.post("/api/reports", files={"file": ("again.txt", text, "text/plain")}, headers=key)
    assert again.status_code == 409
    assert client.delete(f"/api/reports/{rid}", headers=key).json() == {"deleted": rid}
    assert client.get(f"/api/reports/{rid}").status_code == 404


def test_report_text_is_escaped_in_the_ui(client):
    from assistant.chat_ui import citations_html

    res = client.comp.answerer.ask("某某市测试局2022年网站栏目整改情况如何？")
    assert res["grounded"], res
    page = citations_html(client.comp.facts, res)
    assert "onerror" in page and "<img" not in page and "<script" not in page and "&lt;img" in page


def test_source_view_of_a_cell_and_a_paragraph(client):
    res = client.post("/api/ask", json={"question": "规范性文件对外公开总数量是多少？", "agency": "宁波市对口支援和区域合作局"}).json()
    view = client.post("/api/source", json=res["citations"][0]).json()
    assert view["kind"] == "row" and view["highlight"] == "对外公开总数量"
    assert {"column": "对外公开总数量", "value": "45"} in view["cells"]
    res = client.post("/api/ask", json={"question": "哪个处室负责牵头协调政府信息公开工作？", "agency": "宁波市对口支援和区域合作局"}).json()
    view = client.post("/api/source", json=res["citations"][0]).json()
    assert view["kind"] == "paragraph" and "组织人事处" in view["text"][view["start"]:view["end"]]


def test_cors_allow_list(client):
    ok = client.options("/api/ask", headers={"Origin": "http://allowed.example", "Access-Control-Request-Method": "POST"})
    assert ok.headers.get("access-control-allow-origin") == "http://allowed.example"
    for path in ("/api/ask", "/config", "/gradio_api/info"):
        bad = client.options(path, headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
        assert bad.headers.get("access-control-allow-origin") is None, path
        got = client.get(path if path != "/api/ask" else "/api/health", headers={"Origin": "http://evil.example",
                                                                                 "Host": "reports.intranet.example"})
        assert got.headers.get("access-control-allow-origin") is None, path
        assert got.headers.get("access-control-allow-credentials") is None, path


def test_widget_and_embed(client):
    js = client.get("/widget.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "data-title" in js.text and "X-API-Key" not in js.text and "s3cret" not in js.text
    page = client.get("/embed")
    assert page.status_code == 200 and "/api/ask" in page.text and "s3cret" not in page.text
    assert "textContent" in page.text and "innerHTML" not in page.text
    assert client.get("/").status_code == 200


def test_rate_limit(tmp_path):
    import app as app_module

    comp = Components.from_settings(index_dir=tmp_path / "i", rate_limit_per_minute=3)
    comp.indexer.index([SAMPLE])
    with TestClient(app_module.build_app(comp)) as c:
        codes = [c.post("/api/ask", json={"question": "政策解读有几条？"}).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_followup_reuses_agency_and_metric(client):
    from assistant.conversation import context_of, resolve_followup

    a = client.comp.answerer
    q0 = a.understand("2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？")
    follow = "那2022年呢？"
    rewritten = resolve_followup(follow, a.understand(follow), context_of(q0))
    assert rewritten == "2022年宁波市对口支援和区域合作局主动公开了多少条政府信息？"
    res = a.ask(rewritten)
    assert res["grounded"] is False and "2022" in res["answer"]
