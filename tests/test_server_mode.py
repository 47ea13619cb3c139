"""Server mode: a real Chroma server and a PostgreSQL fact store, shared by two app processes."""
from __future__ import annotations

import json
import os
import shutil
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
    assert remote.count() == len(comp.facts.vector_ids()) <= s.chunks     # each meaning once
    res = comp.answerer.ask(Q)
    assert [f["value"] for f in res["figures"]] == ["47"]
    assert comp.retriever.search("组织人事处 牵头协调", k=3)
    assert comp.facts.meaning_count() == remote.count()
    comp.indexer.index([], remove=[SAMPLE.name])
    assert remote.count() == comp.facts.meaning_count() == 0    # meanings no report holds any more go


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


DRIVER = """
import json, sys
from pathlib import Path
from assistant.components import Components
comp = Components.from_settings(index_dir=Path(sys.argv[1]))
s = comp.indexer.index([sys.argv[2]])
print(json.dumps({"added": len(s.added), "added_paths": s.added, "unchanged": len(s.unchanged), "failed": s.failed,
                  "locked_at": s.locked_at, "released_at": s.released_at}))
"""


def test_two_indexers_on_two_machines_share_the_work(tmp_path, chroma, postgres):
    """Issue 22: two indexers with different local folders (two machines) share one Chroma server and
    one PostgreSQL; started together on the same files, they take them from the work queue (each
    file goes to one of them), commit concurrently, and the shared stores equal those of a single
    clean run. Files of the same content (two names) are one report whoever writes it: writers of
    one report cannot both win."""
    import chromadb
    import psycopg

    from .conftest import SHARED_REPORTS, need_shared

    need_shared(SHARED_REPORTS)
    folder = tmp_path / "reports"             # the plain-text reports: enough for several write batches
    folder.mkdir()
    for p in SHARED_REPORTS.iterdir():
        if p.suffix in (".txt", ".md"):
            (folder / p.name).write_bytes(p.read_bytes())
            (folder / f"copy_{p.name}").write_bytes(p.read_bytes())      # the same report under a second name
    with psycopg.connect(postgres, autocommit=True) as conn:       # a database of its own for this test
        conn.execute("CREATE DATABASE writers")
    url = postgres.rsplit("/", 1)[0] + "/writers"
    remote = chromadb.HttpClient(host="127.0.0.1", port=chroma)
    if "report_chunks" in [c.name for c in remote.list_collections()]:
        remote.delete_collection("report_chunks")
    env = {**os.environ, "RA_CHROMA_HOST": "127.0.0.1", "RA_CHROMA_PORT": str(chroma), "RA_DATABASE_URL": url,
           "HF_HUB_OFFLINE": "1", "RA_INDEX_WORKERS": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", DRIVER, str(tmp_path / f"machine{k}"), str(folder)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k in (1, 2)]
    runs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
        runs.append(json.loads(out.strip().splitlines()[-1]))
    files = sorted(str(f.resolve()) for f in folder.iterdir())
    assert not runs[0]["failed"] and not runs[1]["failed"]
    added = runs[0]["added_paths"] + runs[1]["added_paths"]
    assert len(added) == len(set(added)) == len(files) // 2        # each content added once, by one of them
    assert runs[0]["added"] + runs[0]["unchanged"] >= 1 and runs[1]["added"] + runs[1]["unchanged"] >= 1
    with psycopg.connect(url, autocommit=True) as conn:
        states = conn.execute("SELECT state, COUNT(*) FROM work_queue GROUP BY state").fetchall()
        sources = conn.execute("SELECT COUNT(*) FROM manifest").fetchone()[0]
    assert states == [("done", len(files))] and sources == len(files)
    # the shared stores equal a single clean run (local SQLite and local Chroma in a folder of its own)
    (tmp_path / "reference").mkdir()           # the embedding cache (text -> vector) spares computing them again
    # only the machine that wrote first computed vectors (the other found every report unchanged)
    cache = next(c for k in (1, 2) if (c := tmp_path / f"machine{k}" / "embedding_cache.sqlite").exists())
    shutil.copy(cache, tmp_path / "reference" / "embedding_cache.sqlite")
    ref = Components.from_settings(index_dir=tmp_path / "reference", chroma_host="", database_url="")
    ref.indexer.index([folder])
    shared = Components.from_settings(index_dir=tmp_path / "machine1", chroma_host="127.0.0.1", chroma_port=chroma,
                                      database_url=url)
    assert shared.facts.report_ids() == ref.facts.report_ids()
    for rid in ref.facts.report_ids():
        assert len(shared.facts.facts([rid])) == len(ref.facts.facts([rid]))
    assert shared.facts.pending_vectors() == []
    chunk_ids = {c for c, _, _ in ref.facts.all_chunk_tokens()}
    assert {c for c, _, _ in shared.facts.all_chunk_tokens()} == chunk_ids
    vector_ids = ref.facts.vector_ids()
    assert shared.facts.vector_ids() == vector_ids
    stored = remote.get_collection("report_chunks").get(include=[])["ids"]
    assert len(stored) == len(vector_ids) and set(stored) == vector_ids
    assert ref.vectors.count() == len(vector_ids)
    remote.delete_collection("report_chunks")


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


def test_identical_files_on_two_machines_stay_two_sources(tmp_path, postgres, hash_embeddings):
    """Issue 19 defect 4 across two index folders sharing PostgreSQL: machine B indexes a copy of the
    report machine A indexed; A's copy is then edited: B's content stays, as does A's new one; B
    removing its copy leaves A's report alone."""
    text = SAMPLE.read_text(encoding="utf-8").replace("宁波市对口支援和区域合作局", "宁波市双机测试局")
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a_dir.mkdir()
    b_dir.mkdir()
    (a_dir / "r.txt").write_text(text, encoding="utf-8")
    (b_dir / "copy.txt").write_text(text, encoding="utf-8")
    a = Components.from_settings(index_dir=tmp_path / "ia", database_url=postgres, embeddings=hash_embeddings)
    b = Components.from_settings(index_dir=tmp_path / "ib", database_url=postgres, embeddings=hash_embeddings)
    assert len(a.indexer.index([a_dir]).added) == 1
    rid = a.facts.report_id_of_path(str((a_dir / "r.txt").resolve()))
    assert b.indexer.index([b_dir]).unchanged                # same content: a second source of rid
    (a_dir / "r.txt").write_text(text.replace("47条", "48条"), encoding="utf-8")
    assert len(a.indexer.index([a_dir]).updated) == 1
    ours = {r["report_id"]: r for r in b.facts.reports() if r["agency"] == "宁波市双机测试局"}
    assert rid in ours and len(ours) == 2 and ours[rid]["source"] == "copy.txt"
    assert b.indexer.index([b_dir]).unchanged and rid in b.facts.report_ids()
    b.indexer.index([], remove=["copy.txt"])
    assert rid not in a.facts.report_ids() and len([r for r in a.facts.reports() if r["agency"] == "宁波市双机测试局"]) == 1
    a.indexer.index([], remove=["r.txt"])


def test_uvicorn_workers_share_one_index(tmp_path):
    """Stateless web workers: `uvicorn app:create_app --factory --workers 2` over one index; a report
    the CLI changes meanwhile is what every later answer shows, whichever worker answers."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "seed.txt")
    index_dir = tmp_path / "index"
    env = {**os.environ, "RA_INDEX_DIR": str(index_dir), "HF_HUB_OFFLINE": "1", "RA_RATE_LIMIT_PER_MINUTE": "0",
           "RA_REQUEST_LIMIT_PER_MINUTE": "0"}
    subprocess.run([sys.executable, "-m", "assistant", "index", str(folder)], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app:create_app", "--factory", "--workers", "2",
                             "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_port(port, 180), "uvicorn did not start"

        def ask() -> list[str]:
            for _ in range(240):
                try:
                    r = httpx.post(base + "/api/ask", json={"question": Q}, timeout=60)
                    if r.status_code == 200:
                        return [f["value"] for f in r.json()["figures"]]
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            raise AssertionError("no answer")

        assert [ask() for _ in range(6)] == [["47"]] * 6
        seed = folder / "seed.txt"
        seed.write_text(seed.read_text(encoding="utf-8").replace("主动公开政府信息47条", "主动公开政府信息48条"),
                        encoding="utf-8")
        out = subprocess.run([sys.executable, "-m", "assistant", "index", str(folder)], cwd=ROOT, env=env,
                             capture_output=True, text=True)
        assert out.returncode == 0 and "updated 1" in out.stdout, out.stdout + out.stderr
        assert [ask() for _ in range(8)] == [["48"]] * 8
        assert httpx.get(base + "/api/health").json()["reports"] == 1
        assert not list(index_dir.glob("bm25*"))
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
