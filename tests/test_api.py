"""REST API and web edge: contract, keys, uploads, escaping, CORS allow-list, rate limit."""
from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from assistant.components import Components

from .conftest import SAMPLE, SHARED_REPORTS, need_shared

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
    from assistant.web.present import answer_html

    res = client.comp.answerer.ask("某某市测试局2022年网站栏目整改情况如何？")
    assert res["grounded"], res
    page = answer_html(res, client.comp.facts, msg=1)
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
    from assistant.understand.conversation import context_of, resolve_followup

    a = client.comp.answerer
    q0 = a.understand("2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？")
    follow = "那2022年呢？"
    rewritten = resolve_followup(follow, a.understand(follow), context_of(q0))
    assert rewritten == "2022年宁波市对口支援和区域合作局主动公开了多少条政府信息？"
    res = a.ask(rewritten)
    assert res["grounded"] is False and "2022" in res["answer"]


NINGBO = "宁波市对口支援和区域合作局"


def test_meta_questions_answered_from_the_index(client):
    listing = client.post("/api/ask", json={"question": "有哪些报告？"}).json()
    assert listing["grounded"] is True and listing["figures"] == [] and listing["citations"] == []
    assert "目前收录2份报告" in listing["answer"] and f"{NINGBO}：2019年" in listing["answer"]
    assert "某某市测试局：2022年" in listing["answer"] and listing["interpretation"]["text"].startswith("理解为")
    hello = client.post("/api/ask", json={"question": "你好"}).json()
    assert hello["answer"].startswith("你好") and "2019年" in hello["answer"] and hello["grounded"]
    can = client.post("/api/ask", json={"question": "你能做什么？"}).json()
    assert "排名" in can["answer"] and "目前收录2份报告" in can["answer"]
    english = client.post("/api/ask", json={"question": "How many items were disclosed in 2019?"}).json()
    assert "in Chinese" in english["answer"] and "主动公开" in english["answer"] and english["figures"] == []
    # a question about report content is not a meta question, even when it says 有哪些
    real = client.post("/api/ask", json={"question": f"2019年{NINGBO}主动公开了多少条政府信息？"}).json()
    assert [f["value"] for f in real["figures"]] == ["47"]


def test_cli_answers_meta_questions_too(client, capsys):
    import json

    from assistant.cli import main

    assert main(["--index", str(client.comp.index_dir), "ask", "你能做什么", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["grounded"] and "目前收录2份报告" in out["answer"]


def test_follow_up_through_the_api_history(client):
    first = "某某市测试局主动公开了多少条政府信息？"
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": "……12条。[1]"}]
    r = client.post("/api/ask", json={"question": "那2022年呢？", "history": history}).json()
    assert [f["value"] for f in r["figures"]] == ["12"] and r["citations"][0]["agency"] == "某某市测试局"
    alone = client.post("/api/ask", json={"question": "那2022年呢？"}).json()
    assert "12" not in [f["value"] for f in alone["figures"]]
    bad = client.post("/api/ask", json={"question": "那2022年呢？", "history": [{"role": "system", "content": "x"}]})
    assert bad.status_code == 422


def test_citations_carry_the_report_title(client):
    r = client.post("/api/ask", json={"question": f"2019年{NINGBO}主动公开了多少条政府信息？"}).json()
    assert r["citations"][0]["title"] == f"{NINGBO}2019年政府信息公开工作年度报告"


def test_openapi_documents_the_contract(client):
    spec = client.get("/api/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert any(s["type"] == "apiKey" and s["name"] == "X-API-Key" and s["in"] == "header" for s in schemes.values())
    ask = spec["paths"]["/api/ask"]["post"]
    assert {"200", "422", "429"} <= set(ask["responses"])
    upload = spec["paths"]["/api/reports"]["post"]
    assert {"401", "403", "413", "429"} <= set(upload["responses"]) and upload.get("security")
    answer = spec["components"]["schemas"]["AskResponse"]["properties"]
    for field in ("answer", "grounded", "figures", "citations", "warnings", "interpretation"):
        assert answer[field].get("description"), field
    assert "history" in spec["components"]["schemas"]["AskRequest"]["properties"]


def test_docs_served_from_the_installed_package(client):
    page = client.get("/api/docs").text
    assert "/api/docs-static/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    js = client.get("/api/docs-static/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000


def test_original_file_served_only_for_indexed_reports(client):
    rid = next(r["report_id"] for r in client.get("/api/reports").json() if r["agency"] == NINGBO)
    r = client.get(f"/api/reports/{rid}/file")
    assert r.status_code == 200 and r.content == SAMPLE.read_bytes() and r.headers["content-type"].startswith("text/plain")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert client.get("/api/reports/nope/file").status_code == 404
    assert client.get("/api/reports/..%2F..%2Fetc%2Fpasswd/file").status_code == 404


def test_upload_of_a_non_report_is_refused_with_the_reason(client):
    key = {"X-API-Key": "s3cret"}
    before = client.get("/api/health").json()["reports"]
    r = client.post("/api/reports", files={"file": ("hello.txt", "hello world 你好".encode(), "text/plain")}, headers=key)
    assert r.status_code == 422 and "不像政府信息公开工作年度报告" in r.json()["detail"]
    assert client.get("/api/health").json()["reports"] == before
    assert not any("hello" in p.name for p in (client.comp.index_dir / "uploads").glob("*"))


def test_upload_messages_in_chinese():
    from assistant.web.admission import upload_message_zh

    assert upload_message_zh("the file content is not a PDF file") == "文件内容不是 PDF 文件（扩展名与内容不符）"
    assert upload_message_zh("file is over the 20 MB upload limit") == "文件超过20 MB 的上传上限"
    assert upload_message_zh("unsupported file type '.exe' (supported: .txt)").startswith("不支持的文件类型“.exe”")
    assert upload_message_zh("这份报告已经收录") == "这份报告已经收录"


def test_warnings_limited_to_the_cited_cells(tmp_path):
    """洪泽区 2023's table 四 fails two checks (行政复议 and 行政诉讼 / 复议后起诉 do not add up to
    their 总计). An answer citing a 行政复议 cell carries the 行政复议 check only and marks that
    citation; an answer from the report's text carries neither; nothing is parsed back from text."""
    from assistant.dialogue import warned_citations


    comp = Components.from_settings(index_dir=tmp_path / "index")
    comp.indexer.index([need_shared(SHARED_REPORTS / "hzq2023_working.pdf")])
    res = comp.answerer.ask("洪泽区2023年行政复议结果维持的有几件？")
    assert [f["value"] for f in res["figures"]] == ["10"]
    checks = [w for w in res["warnings"] if "一致性校验未通过" in w]
    assert len(checks) == 1 and "行政复议: 四项结果之和 = 总计" in checks[0] and "复议后起诉" not in checks[0]
    assert warned_citations(res) == {res["figures"][0]["citation"]}
    lawsuit = comp.answerer.ask("洪泽区2023年行政诉讼复议后起诉结果维持几件？")
    assert any("复议后起诉: 四项结果之和" in w for w in lawsuit["warnings"])
    assert not any("行政复议: 四项结果之和" in w for w in lawsuit["warnings"])
    quiet = comp.answerer.ask("洪泽区2023年规章现行有效件数？")        # table 二 passes its checks
    assert not any("一致性校验未通过" in w for w in quiet["warnings"]) and warned_citations(quiet) == set()


def test_first_screen_examples_are_answered(client):
    """The examples are built from the index; each one must get a grounded answer with figures."""
    overview = client.get("/api/overview").json()
    assert overview["text"] == "目前收录2份报告，来自2个单位，覆盖2019–2022年。"
    kinds = [e["kind"] for e in overview["examples"]]
    assert kinds[:2] == ["数值", "表格单元格"] and "排名" in kinds
    for e in overview["examples"]:
        res = client.post("/api/ask", json={"question": e["question"]}).json()
        assert res["grounded"] and res["figures"], (e, res["answer"])


# --- issue 21: one error shape, in Chinese --------------------------------------------------------

def _is_error(r, status: int, code: str) -> dict:
    body = r.json()
    assert r.status_code == status, (r.status_code, r.text)
    assert set(body) == {"detail", "code"} and body["code"] == code and isinstance(body["detail"], str), body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body      # said in Chinese
    return body


def test_one_error_shape_in_chinese(client):
    assert _is_error(client.post("/api/ask", json={"question": ""}), 422, "invalid_request")["detail"] == "问题不能为空"
    assert _is_error(client.post("/api/ask", json={"question": "   \u3000 "}), 422, "invalid_request")["detail"] == "问题不能为空"
    assert _is_error(client.post("/api/ask", json={}), 422, "invalid_request")["detail"] == "问题不能为空"
    assert "500" in _is_error(client.post("/api/ask", json={"question": "问" * 501}), 422, "invalid_request")["detail"]
    assert "年份" in _is_error(client.post("/api/ask", json={"question": "问题", "year": "x"}), 422, "invalid_request")["detail"]
    not_json = client.post("/api/ask", content=b"{not json", headers={"Content-Type": "application/json"})
    _is_error(not_json, 422, "invalid_request")
    _is_error(client.get("/api/reports/nope"), 404, "not_found")
    _is_error(client.delete("/api/reports/abc"), 401, "unauthorized")
    _is_error(client.delete("/api/reports/abc", headers={"X-API-Key": "wrong"}), 401, "unauthorized")


def test_wrong_method_is_405_with_allow(client):
    for method, path, allow in (("GET", "/api/ask", "POST"), ("PUT", "/api/health", "GET"),
                                ("PATCH", "/api/reports", "GET"), ("TRACE", "/api/source", "POST"),
                                ("POST", "/api/reports/x/file", "GET")):
        r = client.request(method, path)
        _is_error(r, 405, "method_not_allowed")
        assert allow in r.headers["allow"], (method, path, r.headers.get("allow"))
    assert client.get("/api/no-such-route").status_code == 404


def test_429_says_when_to_come_back(tmp_path):
    import app as app_module

    comp = Components.from_settings(index_dir=tmp_path / "i", rate_limit_per_minute=2)
    comp.indexer.index([SAMPLE])
    with TestClient(app_module.build_app(comp)) as c:
        for _ in range(2):
            assert c.post("/api/ask", json={"question": "政策解读有几条？"}).status_code == 200
        r = c.post("/api/ask", json={"question": "政策解读有几条？"})
        body = _is_error(r, 429, "rate_limited")
        wait = int(r.headers["retry-after"])
        assert 1 <= wait <= 60 and f"{wait}秒后再试" in body["detail"] and "每分钟最多2个问题" in body["detail"]


def test_rate_limit_per_user_behind_a_trusted_proxy(tmp_path):
    """Behind an intranet proxy every user shares its address: the user the proxy names is the key;
    the same header from anyone but the proxy is ignored."""
    import app as app_module

    comp = Components.from_settings(index_dir=tmp_path / "i", rate_limit_per_minute=2,
                                    trusted_proxies="testclient", user_header="X-Remote-User")
    comp.indexer.index([SAMPLE])
    q = {"question": "政策解读有几条？"}
    with TestClient(app_module.build_app(comp)) as c:          # TestClient's peer is "testclient": the proxy
        for user in ("zhang", "li"):
            codes = [c.post("/api/ask", json=q, headers={"X-Remote-User": user}).status_code for _ in range(3)]
            assert codes == [200, 200, 429], (user, codes)
    comp2 = Components.from_settings(index_dir=tmp_path / "i", rate_limit_per_minute=2, user_header="X-Remote-User")
    with TestClient(app_module.build_app(comp2)) as c:         # no trusted proxy: the header buys nothing
        codes = [c.post("/api/ask", json=q, headers={"X-Remote-User": f"u{i}"}).status_code for i in range(3)]
        assert codes == [200, 200, 429]


def test_openapi_documents_every_error(client):
    spec = client.get("/api/openapi.json").json()
    err = spec["components"]["schemas"]["ErrorBody"]
    assert set(err["required"]) == {"detail", "code"} and err["properties"]["detail"]["type"] == "string"
    ask = spec["paths"]["/api/ask"]["post"]["responses"]
    assert {"405", "413", "422", "429"} <= set(ask) and "Retry-After" in ask["429"]["headers"]
    assert spec["components"]["schemas"]["AskRequest"]["properties"]["question"]["maxLength"] == 500
    file_types = spec["paths"]["/api/reports/{report_id}/file"]["get"]["responses"]["200"]["content"]
    assert {"text/plain", "text/html", "application/pdf"} <= set(file_types)


def test_a_passage_candidate_goes_through_the_api(tmp_path):
    """A refusal that offers passages (value null) is a valid response, not a server error."""
    from fastapi.testclient import TestClient

    from app import build_app
    from assistant.components import Components

    from .conftest import SEED

    comp = Components.from_settings(index_dir=tmp_path / "index")
    comp.indexer.index([SEED])
    with TestClient(build_app(comp)) as client:
        r = client.post("/api/ask", json={"question": "宁波对口支援局2019年政务新媒体是怎么管的"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["grounded"] is False and body["candidates"] and body["candidates"][0]["value"] is None
