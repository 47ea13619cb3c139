"""Every door into the app (issue 19): uploads are checked before their body is read and streamed
into the upload folder with a running limit; every route that answers or writes is on one allow-list
built from the app's own route table; uploads run off the event loop; errors are short."""
from __future__ import annotations

import asyncio
import threading
import time

import pytest
from fastapi.testclient import TestClient

from assistant.components import Components

from .conftest import SAMPLE

Q = "2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？"
MB = 1024 * 1024


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("doors") / "index"
    Components.from_settings(index_dir=d).indexer.index([SAMPLE])
    return d


def _app(index_dir, **settings):
    import app as app_module

    comp = Components.from_settings(index_dir=index_dir, **settings)
    fastapi_app = app_module.build_app(comp)
    fastapi_app.comp = comp
    return fastapi_app


def _raw(app, path, headers, chunks, method="POST"):
    """One request straight through the ASGI app: the status sent, and how many body bytes the app
    pulled from the connection (what a server would have had to receive and store)."""
    pulled = {"bytes": 0}
    sent = []
    queue = list(chunks)

    async def receive():
        if queue:
            chunk = queue.pop(0)
            pulled["bytes"] += len(chunk)
            return {"type": "http.request", "body": chunk, "more_body": bool(queue)}
        await asyncio.sleep(0.01)
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("203.0.113.9", 5000), "server": ("testserver", 80), "scheme": "http",
             "root_path": "", "http_version": "1.1", "asgi": {"version": "3.0"}}
    asyncio.run(app(scope, receive, send))
    status = next((m["status"] for m in sent if m["type"] == "http.response.start"), None)
    return status, pulled["bytes"]


# --- 1. uploads are checked before they are read ------------------------------------------------------

def test_upload_refused_before_its_body_is_read(index_dir):
    """Wrong key, a throttled client, no Content-Length or one over the limit: refused without
    reading a byte of the body (the disk-fill attempt of the issue)."""
    app = _app(index_dir, admin_key="k", max_upload_mb=1, key_failures_per_minute=2, rate_limit_per_minute=0)
    big = [b"x" * MB] * 8
    multipart = {"content-type": "multipart/form-data; boundary=XyZ"}
    length = {"content-length": str(8 * MB)}
    assert _raw(app, "/api/reports", {**multipart, **length, "x-api-key": "wrong"}, big) == (401, 0)
    assert _raw(app, "/api/reports", {**multipart, **length, "x-api-key": "wrong"}, big) == (401, 0)
    assert _raw(app, "/api/reports", {**multipart, **length, "x-api-key": "wrong"}, big) == (429, 0)
    app = _app(index_dir, admin_key="k", max_upload_mb=1, rate_limit_per_minute=0)
    assert _raw(app, "/api/reports", {**multipart, "x-api-key": "k"}, big) == (411, 0)
    assert _raw(app, "/api/reports", {**multipart, **length, "x-api-key": "k"}, big) == (413, 0)


def test_upload_body_longer_than_its_content_length_is_cut_off(index_dir):
    """A body that keeps coming past the limit is stopped by the running count, not stored."""
    app = _app(index_dir, admin_key="k", max_upload_mb=1, rate_limit_per_minute=0)
    head = b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
    chunks = [head] + [b"x" * (256 * 1024)] * 40          # 10 MB behind a 1 MB Content-Length
    status, pulled = _raw(app, "/api/reports", {"content-type": "multipart/form-data; boundary=XyZ",
                                                "content-length": str(MB), "x-api-key": "k"}, chunks)
    assert status == 413 and pulled <= MB + 512 * 1024
    assert not list((app.comp.index_dir / "uploads").glob("*"))


def test_upload_streams_into_the_upload_folder_not_a_temp_spool(index_dir, tmp_path, monkeypatch):
    """The accepted body goes to the upload folder as it arrives: no spooled copy in /tmp."""
    import starlette.formparsers as formparsers

    def no_spool(*a, **k):
        raise AssertionError("the upload was spooled to a temporary file")

    monkeypatch.setattr(formparsers, "SpooledTemporaryFile", no_spool)
    import shutil

    shutil.copytree(index_dir, tmp_path / "index")
    app = _app(tmp_path / "index", admin_key="k", max_upload_mb=1, rate_limit_per_minute=0)
    text = SAMPLE.read_text(encoding="utf-8").replace("宁波市对口支援和区域合作局", "宁波市测试上传局")
    with TestClient(app) as c:
        r = c.post("/api/reports", headers={"X-API-Key": "k"},
                   files={"file": ("上传.txt", text.encode(), "text/plain")})
        assert r.status_code == 201, r.text
        assert [p.suffix for p in (tmp_path / "index" / "uploads").iterdir()] == [".txt"]


# --- 2. one allow-list, from the route table ----------------------------------------------------------

def _blocks(app):
    return next(r.app.blocks for r in app.routes if hasattr(getattr(r, "app", None), "blocks"))


def test_every_gradio_way_to_the_answer_function_shares_the_budget(index_dir):
    app = _app(index_dir, rate_limit_per_minute=1, request_limit_per_minute=0)
    blocks = _blocks(app)
    answer = [i for i, f in blocks.fns.items() if f.name == "respond"]
    names = [blocks.fns[i].api_name for i in answer]
    other = next(f for f in blocks.fns.values() if f.name != "respond" and f.api_name)
    data = {"data": [Q, [], "全部", "全部", None]}
    with TestClient(app) as c:
        assert c.post("/api/ask", json={"question": Q}).status_code == 200
        for name in names:
            for prefix in ("api", "run", "call"):
                r = c.post(f"/gradio_api/{prefix}/{name}", json=data)
                assert r.status_code == 429, (prefix, name, r.status_code)
        join = {**data, "session_hash": "s1", "event_data": None, "trigger_id": 1}
        for fn_index in (answer[0], str(answer[0]), float(answer[0])):
            r = c.post("/gradio_api/queue/join", json={**join, "fn_index": fn_index})
            assert r.status_code == 429, (fn_index, r.status_code)
        # Gradio runs the fn_index of the body, whatever name the path gives
        r = c.post(f"/gradio_api/run/{other.api_name}", json={**data, "fn_index": answer[0]})
        assert r.status_code == 429


def test_every_mounted_route_is_on_the_allow_list(index_dir):
    """Enumerates the app's routes (FastAPI and Gradio's) and Gradio's functions: each has a policy;
    each route that can run a function resolves it by the same rule Gradio does."""
    from assistant.web.doors import ANSWER, FN, OPEN, UPLOAD, WRITE, all_routes

    import re

    app = _app(index_dir, request_limit_per_minute=0)
    with TestClient(app) as c:
        doors = app.state.doors
        routes = list(all_routes(app))
        assert len(routes) > 40
        refused = []
        for route, methods in routes:
            for method in methods - {"HEAD"}:
                policy = doors.policy_of(method, route.path)
                assert policy in (ANSWER, WRITE, OPEN, FN, UPLOAD, None), (method, route.path)
                if policy is None:          # not on the list: refused before it runs
                    url = re.sub(r"\{[^}]*\}", "x", route.path)
                    assert c.request(method, url, json={}).status_code == 403, (method, route.path)
                    refused.append(route.path)
        assert "/gradio_api/vibe-edit" in refused and not any(p.startswith("/api/") for p in refused)
        for path in ("/api/ask", "/gradio_api/queue/join", "/gradio_api/api/{api_name}", "/gradio_api/run/{api_name}",
                     "/gradio_api/call/{api_name}", "/gradio_api/call/v2/{api_name}"):
            assert doors.policy_of("POST", path) in (ANSWER, "fn"), path
        for path in ("/api/reports", "/api/admin/session"):
            assert doors.policy_of("POST", path) == WRITE
        assert doors.policy_of("DELETE", "/api/reports/{report_id}") == WRITE
        blocks = _blocks(app)
        for i, fn in blocks.fns.items():
            assert doors.fn_policy(i) in (ANSWER, WRITE, OPEN), (i, fn.name)
        assert {doors.fn_policy(i) for i, f in blocks.fns.items() if f.name == "respond"} == {ANSWER}
        assert {doors.fn_policy(i) for i, f in blocks.fns.items() if f.name in ("upload", "delete")} == {WRITE}


def test_a_burst_on_any_route_ends_in_429(index_dir):
    app = _app(index_dir, request_limit_per_minute=20, rate_limit_per_minute=0)
    with TestClient(app) as c:
        codes = [c.get("/api/health").status_code for _ in range(25)]
        assert codes[:20] == [200] * 20 and set(codes[20:]) == {429}
        assert c.get("/config").status_code == 200          # pages and assets have their own, larger budget
        assert {c.get("/config").status_code for _ in range(200)} == {200, 429}


# --- 3. uploads run off the event loop -----------------------------------------------------------------

def test_a_slow_upload_does_not_hold_up_questions(index_dir, tmp_path, monkeypatch):
    import shutil

    shutil.copytree(index_dir, tmp_path / "index")
    app = _app(tmp_path / "index", admin_key="k", rate_limit_per_minute=0)
    real = app.comp.indexer.index

    def slow_index(*a, **k):
        time.sleep(3)
        return real(*a, **k)

    monkeypatch.setattr(app.comp.indexer, "index", slow_index)
    text = SAMPLE.read_text(encoding="utf-8").replace("47条", "46条")
    with TestClient(app) as c:
        c.post("/api/ask", json={"question": Q})           # warm
        up = threading.Thread(target=lambda: c.post("/api/reports", headers={"X-API-Key": "k"},
                                                     files={"file": ("r.txt", text.encode(), "text/plain")}))
        up.start()
        time.sleep(0.5)
        t0 = time.perf_counter()
        r = c.post("/api/ask", json={"question": Q})
        took = time.perf_counter() - t0
        up.join()
    assert r.status_code == 200 and took < 1.5, took


# --- 5. short errors, no server paths ------------------------------------------------------------------

def test_gradio_errors_are_short_and_do_not_echo(index_dir):
    app = _app(index_dir, admin_key="k", rate_limit_per_minute=0)
    blocks = _blocks(app)
    delete = next(f for f in blocks.fns.values() if f.name == "delete")
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post(f"/gradio_api/api/{delete.api_name}", json={"data": ["MARKER-<bad id>" * 50, "k"]})
        assert r.status_code in (400, 422, 500) and "MARKER" not in r.text and len(r.text) < 200, r.text


def test_a_forged_filter_value_is_no_error_that_echoes_it(index_dir):
    """Review of issue 19: a value outside the filter's choices made Gradio stream an error with the
    value in it. The filters take any value and apply only the index's own."""
    app = _app(index_dir, rate_limit_per_minute=0, request_limit_per_minute=0)
    blocks = _blocks(app)
    respond = next(f for f in blocks.fns.values() if f.name == "respond")
    with TestClient(app) as c:
        r = c.post(f"/gradio_api/call/{respond.api_name}", json={"data": [Q, [], "MARKER<x>" * 30, "MARKER", None]})
        assert r.status_code == 200
        stream = c.get(f"/gradio_api/call/{respond.api_name}/{r.json()['event_id']}").text
    assert "MARKER" not in stream and "event: error" not in stream and "47" in stream


def test_page_assets_have_a_budget_of_their_own(index_dir):
    """Review of issue 19: one page load fetches ~80 assets, which spent the request budget of a
    whole office behind one address. GETs outside the API count against a budget ten times larger."""
    app = _app(index_dir, request_limit_per_minute=5, rate_limit_per_minute=0)
    with TestClient(app) as c:
        assert {c.get("/config").status_code for _ in range(30)} == {200}
        assert [c.get("/api/health").status_code for _ in range(6)][-1] == 429
        assert c.get("/config").status_code == 200 and c.post("/api/ask", json={"question": Q}).status_code == 429


def test_upload_warnings_name_no_server_path(index_dir, tmp_path):
    """Issue 19: an upload of a second report of the same agency and year warned with the server's
    absolute upload path."""
    import shutil

    shutil.copytree(index_dir, tmp_path / "index")
    app = _app(tmp_path / "index", admin_key="k", rate_limit_per_minute=0)
    other = SAMPLE.read_text(encoding="utf-8").replace("47条", "46条")
    with TestClient(app) as c:
        r = c.post("/api/reports", headers={"X-API-Key": "k"},
                   files={"file": ("第二份.txt", other.encode(), "text/plain")})
        assert r.status_code == 201, r.text
        warnings = " ".join(r.json()["warnings"])
        assert warnings and "第二份.txt" in warnings, warnings
        assert str(tmp_path) not in warnings and "uploads" not in warnings, warnings


def test_unrecognised_agency_is_said_so_with_the_senders_file_name(index_dir, tmp_path):
    """Issue 19: a report whose agency was not recognised was named after the server-chosen file name."""
    import shutil

    from assistant.citations import report_name

    shutil.copytree(index_dir, tmp_path / "index")
    app = _app(tmp_path / "index", admin_key="k", rate_limit_per_minute=0)
    text = (SAMPLE.read_text(encoding="utf-8").replace("宁波市对口支援和区域合作局", "")
            .replace("宁波市支援合作局", "我们").replace("市对口支援和区域合作局", "我们"))
    with TestClient(app) as c:
        r = c.post("/api/reports", headers={"X-API-Key": "k"}, files={"file": ("年报.txt", text.encode(), "text/plain")})
        assert r.status_code == 201, r.text
        assert any("年报.txt" in w and "recognised" in w for w in r.json()["warnings"]), r.json()
        report = app.comp.facts.report(r.json()["report_id"])
    stored = next((tmp_path / "index" / "uploads").iterdir()).stem
    assert report["source"] == "年报.txt"
    assert report_name(report) == "未识别单位（年报.txt）" and stored not in report_name(report)


def test_chat_answers_write_no_csv_until_asked(index_dir, tmp_path, monkeypatch):
    """Issue 19: every chat answer wrote a CSV into the shared temp folder, for anonymous users too."""
    import tempfile
    from pathlib import Path

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    temp = Path(tempfile.gettempdir())
    before = set(temp.glob("ra-csv-*"))
    app = _app(index_dir, rate_limit_per_minute=0)
    with TestClient(app) as c:
        for _ in range(3):
            r = c.post("/gradio_api/call/respond", json={"data": [Q, [], "全部", "全部", None]})
            stream = c.get(f"/gradio_api/call/respond/{r.json()['event_id']}").text
            assert "47" in stream
    assert set(temp.glob("ra-csv-*")) == before
    assert not list((tmp_path / "gradio").rglob("*.csv"))
    from assistant.web.chat_ui import CsvFolder, figures_csv

    res = app.comp.answerer.ask(Q)
    exports = CsvFolder(cap=3)
    paths = [figures_csv(res, exports.folder()) for _ in range(5)]
    assert len(list(exports.folder().glob("*.csv"))) <= 3 and Path(paths[-1]).exists()
    shutil_rm = __import__("shutil").rmtree
    shutil_rm(exports.folder())
