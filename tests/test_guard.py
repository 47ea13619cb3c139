"""One guard for every route that answers or accepts data (issue 12, defect 3 and the smaller ones):
the chat's own Gradio routes share the API's rate limit and length cap, Gradio's upload route is
limited, wrong admin keys are throttled, X-Forwarded-For is ignored unless a trusted proxy sent it,
and error bodies do not echo the request."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.components import Components

from .conftest import SAMPLE

Q = "2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("guard") / "index"
    Components.from_settings(index_dir=d).indexer.index([SAMPLE])
    return d


def _client(index_dir, **settings):
    import app as app_module

    comp = Components.from_settings(index_dir=index_dir, **settings)
    return TestClient(app_module.build_app(comp))


def _chat(c, question, route="/gradio_api/call/respond"):
    return c.post(route, json={"data": [question, [], "全部", "全部"]})


def test_chat_route_and_api_share_one_rate_limit(index_dir):
    with _client(index_dir, rate_limit_per_minute=3) as c:
        first = _chat(c, Q)
        assert first.status_code == 200, first.text
        # the chat route really answers (its event stream carries the figure)
        stream = c.get(f"/gradio_api/call/respond/{first.json()['event_id']}").text
        assert "47" in stream
        assert c.post("/api/ask", json={"question": Q}).status_code == 200
        assert _chat(c, Q).status_code == 200                       # third in the minute
        assert c.post("/api/ask", json={"question": Q}).status_code == 429
        assert _chat(c, Q).status_code == 429
        assert _chat(c, Q, "/gradio_api/run/respond").status_code == 429


def test_queue_join_of_the_answer_function_is_limited(index_dir):
    import app as app_module

    comp = Components.from_settings(index_dir=index_dir, rate_limit_per_minute=1)
    fastapi_app = app_module.build_app(comp)
    blocks = next(r.app.blocks for r in fastapi_app.routes if hasattr(getattr(r, "app", None), "blocks"))
    answer_ids = [i for i, f in blocks.fns.items() if f.name == "respond"]
    assert len(answer_ids) == 3                        # button click, Enter and a chosen example
    with TestClient(fastapi_app) as c:
        body = {"data": [Q, [], "全部", "全部", None], "fn_index": answer_ids[0], "session_hash": "s1",
                "event_data": None, "trigger_id": 1}
        assert c.post("/gradio_api/queue/join", json=body).status_code == 200
        for fn in answer_ids:                          # every way of asking shares the client's budget
            assert c.post("/gradio_api/queue/join", json={**body, "fn_index": fn}).status_code == 429
        assert c.post("/api/ask", json={"question": Q}).status_code == 429
        # a load event of another function is not a question
        other = next(i for i, f in blocks.fns.items() if f.name != "respond")
        assert c.post("/gradio_api/queue/join", json={**body, "fn_index": other}).status_code != 429


def test_question_length_cap_on_every_route_and_no_echo(index_dir):
    long_q = "政府信息" * 5000 + "MARKER-XYZ"
    with _client(index_dir, rate_limit_per_minute=0, max_question_chars=500) as c:
        r = _chat(c, long_q)
        assert r.status_code == 422 and "MARKER-XYZ" not in r.text and len(r.text) < 300
        r = c.post("/api/ask", json={"question": long_q})
        assert r.status_code == 422 and "MARKER-XYZ" not in r.text and len(r.text) < 300
        # a malformed body: FastAPI's default 422 would carry the input back
        r = c.post("/api/ask", json={"question": "MARKER-XYZ 问题", "year": "MARKER-XYZ"})
        assert r.status_code == 422 and "MARKER-XYZ" not in r.text
        # a body far over any question with its history is refused before it is read into Gradio
        r = c.post("/gradio_api/call/respond", content=b'{"data": ["' + b"x" * 400_000 + b'"]}',
                   headers={"content-type": "application/json"})
        assert r.status_code == 413
        assert _chat(c, Q).status_code == 200


def test_gradio_upload_route_is_limited(index_dir):
    with _client(index_dir, rate_limit_per_minute=0, admin_key="") as c:
        r = c.post("/gradio_api/upload", files={"files": ("a.txt", b"x" * 10, "text/plain")})
        assert r.status_code == 403                      # no admin key: the UI offers no upload
    with _client(index_dir, rate_limit_per_minute=0, admin_key="k", max_upload_mb=1) as c:
        small = {"files": ("a.txt", "报告".encode() * 10, "text/plain")}
        assert c.post("/gradio_api/upload", files=small).status_code == 403         # anyone: closed
        c.cookies.set("ra_upload", "9999999999.forged")
        assert c.post("/gradio_api/upload", files=small).status_code == 403
        assert c.post("/api/admin/session", headers={"X-API-Key": "wrong"}).status_code == 401
        r = c.post("/api/admin/session", headers={"X-API-Key": "k"})               # what the UI does with the key
        assert r.status_code == 204 and "httponly" in r.headers["set-cookie"].lower()
        c.cookies.clear()
        c.cookies.set("ra_upload", r.cookies["ra_upload"])
        r = c.post("/gradio_api/upload", files={"files": ("a.txt", b"x" * (3 * 1024 * 1024), "text/plain")})
        assert r.status_code == 413
        r = c.post("/gradio_api/upload", files=small)
        assert r.status_code == 200, r.text


def test_wrong_admin_keys_are_throttled(index_dir):
    with _client(index_dir, admin_key="right-key", key_failures_per_minute=5) as c:
        codes = [c.delete("/api/reports/x", headers={"X-API-Key": f"guess{i}"}).status_code for i in range(7)]
        assert codes == [401] * 5 + [429] * 2
        # even the right key waits out the window once the client has guessed too often
        assert c.delete("/api/reports/x", headers={"X-API-Key": "right-key"}).status_code == 429


def test_forwarded_for_ignored_unless_from_a_trusted_proxy(index_dir):
    with _client(index_dir, rate_limit_per_minute=2) as c:
        codes = [c.post("/api/ask", json={"question": Q}, headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code
                 for i in range(4)]
        assert codes == [200, 200, 429, 429]
    # the test client's socket peer is "testclient": trusted, its header names the client
    with _client(index_dir, rate_limit_per_minute=2, trusted_proxies="testclient") as c:
        ask = lambda xff: c.post("/api/ask", json={"question": Q}, headers={"X-Forwarded-For": xff}).status_code
        assert [ask("198.51.100.7"), ask("198.51.100.7"), ask("198.51.100.7")] == [200, 200, 429]
        assert ask("198.51.100.8") == 200
        # a client that prepends its own entries is still known by the address the proxy saw
        assert ask("1.1.1.1, 198.51.100.7") == 429


def test_not_found_does_not_echo_the_id(index_dir):
    with _client(index_dir) as c:
        r = c.get("/api/reports/MARKER-<script>")
        assert r.status_code == 404 and "MARKER" not in r.text
