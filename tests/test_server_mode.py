"""Server mode: a real Chroma server and a PostgreSQL fact store, shared by two app processes."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from assistant.components import Components

from .conftest import ROOT, SAMPLE, SHARED_REPORTS, need_shared
from .servers import free_port, start_chroma, start_postgres, wait_port

pytestmark = pytest.mark.slow
Q = "2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？"


@pytest.fixture(scope="module")
def chroma(tmp_path_factory):
    proc, port = start_chroma(tmp_path_factory.mktemp("chroma"))
    yield port
    proc.terminate()
    proc.wait(20)


@pytest.fixture(scope="module")
def postgres():
    url, stop = start_postgres()
    yield url
    stop()


def test_index_and_ask_against_chroma_server(tmp_path, chroma):
    import chromadb

    comp = Components.from_settings(index_dir=tmp_path / "local", chroma_host="127.0.0.1", chroma_port=chroma)
    s = comp.indexer.index([SAMPLE])
    assert len(s.added) == 1
    assert not (tmp_path / "local" / "chroma").exists()           # vectors live in the server
    remote = chromadb.HttpClient(host="127.0.0.1", port=chroma).get_collection("report_chunks")
    assert remote.count() == s.chunks
    res = comp.answerer.ask(Q)
    assert [f["value"] for f in res["figures"]] == ["47"]
    assert comp.retriever.search("组织人事处 牵头协调", k=3)
    comp.indexer.index([], remove=[SAMPLE.name])
    assert remote.count() == 0


def test_postgres_fact_store(tmp_path, postgres):
    comp = Components.from_settings(index_dir=tmp_path / "i", database_url=postgres)
    assert comp.facts.dialect == "postgresql"
    s = comp.indexer.index([SAMPLE])
    assert len(s.added) == 1 and not s.failed
    assert comp.indexer.index([SAMPLE]).unchanged
    res = comp.answerer.ask(Q)
    assert [f["value"] for f in res["figures"]] == ["47"] and "47" in res["citations"][0]["quote"]
    assert comp.answerer.ask("不予公开中属于国家秘密的申请有几件？")["citations"][0]["row"].endswith("1.属于国家秘密")
    comp.indexer.index([], remove=[SAMPLE.name])
    assert comp.facts.report_ids() == set()


def _start_app(index_dir, env):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--index", str(index_dir)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_port(port, 120), "app did not start"
    return proc, f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_two_app_processes_share_one_store(tmp_path, chroma, store, request):
    url = request.getfixturevalue("postgres") if store == "postgres" else f"sqlite:///{tmp_path / 'shared.sqlite'}"
    collection_env = {"RA_CHROMA_HOST": "127.0.0.1", "RA_CHROMA_PORT": str(chroma), "RA_DATABASE_URL": url,
                      "HF_HUB_OFFLINE": "1", "RA_SAMPLE_DIR": str(SAMPLE.parent)}
    env = {**os.environ, **collection_env}
    # the store is filled once (by an indexing run), then two app processes on their own machines' folders serve it
    subprocess.run([sys.executable, "-m", "assistant", "index", str(SAMPLE), "--index", str(tmp_path / "writer")],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    procs = [_start_app(tmp_path / f"app{k}", env) for k in (1, 2)]
    try:
        answers = []
        for _, base in procs:
            for _ in range(60):
                try:
                    r = httpx.post(base + "/api/ask", json={"question": Q}, timeout=30)
                    break
                except httpx.HTTPError:
                    time.sleep(0.5)
            assert r.status_code == 200
            answers.append(r.json())
            assert httpx.get(base + "/api/health").json()["reports"] == 1
        assert answers[0] == answers[1]
        assert [f["value"] for f in answers[0]["figures"]] == ["47"]
    finally:
        for p, _ in procs:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    comp = Components.from_settings(index_dir=tmp_path / "writer", chroma_host="127.0.0.1", chroma_port=chroma,
                                    database_url=url)
    comp.indexer.index([], remove=[SAMPLE.name])


def test_postgres_store_gains_the_new_columns(tmp_path, postgres):
    """A PostgreSQL store made before `layout`, `note` and `reading` is migrated when opened."""
    from index.fact_store import FactStore

    store = FactStore(postgres)
    for table, column in (("facts", "layout"), ("facts", "note"), ("reports", "reading")):
        store._sql.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    assert "layout" not in store._sql.columns("facts")
    store.close()
    comp = Components.from_settings(index_dir=tmp_path / "i", database_url=postgres)
    assert {"layout", "note"} <= comp.facts._sql.columns("facts") and "reading" in comp.facts._sql.columns("reports")
    page = SHARED_REPORTS / "80595_平潭综合实验区2020年度政府信息公开工作年度报告_page.txt"
    s = comp.indexer.index([need_shared(page)])
    assert len(s.added) == 1 and not s.failed
    rid = next(iter(comp.facts.report_ids()))
    notes = [f for f in comp.facts.facts([rid]) if f["note"]]
    assert len(notes) == 16 and all(f["layout"] == "runs-split" and f["number"] is None for f in notes)
    assert sum(t["read"] for t in comp.facts.report(rid)["reading"]) == 182
    comp.indexer.index([], remove=[rid])
