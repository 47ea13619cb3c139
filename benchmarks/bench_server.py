"""Server mode: one PostgreSQL (a throwaway cluster, as the tests start it) and one `chroma run`;
the same files indexed by 1 and then by 2 indexer processes (each with one parse worker, the
embedder at one thread) taking files from the PostgreSQL work queue. Prints reports/s and the ratio.
With `--truths` (a bench_scale pool's truths.json, CORPUS_DIR its pool), the index the 2 processes
built is then served by `uvicorn app:create_app --factory --workers 2`, asked generated questions
by 4 concurrent clients: answer p50/p95 and accuracy through the API.

    python -m benchmarks.bench_server CORPUS_DIR [--reports 120] [--truths TRUTHS.json --questions 200]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DRIVER = """
import json, sys
from pathlib import Path
from assistant.components import Components
comp = Components.from_settings(index_dir=Path(sys.argv[1]))
s = comp.indexer.index([sys.argv[2]])
print(json.dumps({"added": len(s.added), "failed": len(s.failed), "failures": s.failed[:5]}, ensure_ascii=False))
"""


def _cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine: how many cores a run kept busy."""
    f = [float(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(f) - f[3] - f[4], sum(f)


def run(n_proc: int, folder: Path, pg_url: str, chroma_port: int, work: Path) -> dict:
    import chromadb
    import psycopg

    db = f"bench{n_proc}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db}")
        conn.execute(f"CREATE DATABASE {db}")
    remote = chromadb.HttpClient(host="127.0.0.1", port=chroma_port)
    if "report_chunks" in [c.name for c in remote.list_collections()]:
        remote.delete_collection("report_chunks")
    env = {**os.environ, "RA_CHROMA_HOST": "127.0.0.1", "RA_CHROMA_PORT": str(chroma_port), "HF_HUB_OFFLINE": "1",
           "RA_DATABASE_URL": pg_url.rsplit("/", 1)[0] + "/" + db, "RA_INDEX_WORKERS": "1"}
    t0, c0 = time.perf_counter(), _cpu()
    procs = [subprocess.Popen([sys.executable, "-c", DRIVER, str(work / f"m{n_proc}-{k}"), str(folder)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(n_proc)]
    outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    took, c1 = time.perf_counter() - t0, _cpu()
    added = sum(o["added"] for o in outs)
    busy = (c1[0] - c0[0]) / (c1[1] - c0[1]) * (os.cpu_count() or 1)
    # between the first and the last commit: the rate once every process has started (start-up,
    # a few seconds a process, weighs on a short run's wall time but not on a long job's)
    with psycopg.connect(pg_url.rsplit("/", 1)[0] + "/" + db, autocommit=True) as conn:
        first, last, n = conn.execute("SELECT MIN(indexed_at), MAX(indexed_at), COUNT(*) FROM reports").fetchone()
    return {"processes": n_proc, "s": round(took, 1), "added": added, "per_process": [o["added"] for o in outs],
            "failed": sum(o["failed"] for o in outs), "failures": [f for o in outs for f in o["failures"]][:5],
            "reports_per_s": round(added / took, 2),
            "steady_reports_per_s": round((n - 1) / (last - first), 2) if n > 1 and last > first else None,
            "cores_busy": round(busy, 2)}


def serve(pg_url: str, chroma_port: int, work: Path, qs: list[dict]) -> dict:
    """The 2-process index served by 2 uvicorn workers; questions from 4 client threads."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from assistant.evaluate import judge
    from tests.servers import free_port, wait_port

    port = free_port()
    env = {**os.environ, "RA_CHROMA_HOST": "127.0.0.1", "RA_CHROMA_PORT": str(chroma_port), "HF_HUB_OFFLINE": "1",
           "RA_DATABASE_URL": pg_url.rsplit("/", 1)[0] + "/bench2", "RA_INDEX_DIR": str(work / "web"),
           "RA_RATE_LIMIT_PER_MINUTE": "0", "RA_REQUEST_LIMIT_PER_MINUTE": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app:create_app", "--factory", "--workers", "2",
                             "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not wait_port(port, 180):
            raise SystemExit("uvicorn did not start: " + proc.stderr.read().decode()[-2000:])
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(timeout=60) as client:
            for _ in range(8):                      # both workers warm (connections land on either)
                client.post(base + "/api/ask", json={"question": qs[0]["question"]})

            def ask(g: dict) -> tuple[float, str]:
                t0 = time.perf_counter()
                r = client.post(base + "/api/ask", json={"question": g["question"]})
                took = (time.perf_counter() - t0) * 1000
                return took, judge(g, r.json())[0] if r.status_code == 200 else f"http {r.status_code}"

            with ThreadPoolExecutor(4) as pool:
                got = list(pool.map(ask, qs))
    finally:
        proc.terminate()
        proc.wait(20)
    ms = sorted(t for t, _ in got)
    outcomes = [o for _, o in got]
    return {"web_workers": 2, "questions": len(qs), "answer_p50_ms": round(ms[len(ms) // 2], 1),
            "answer_p95_ms": round(ms[int(len(ms) * 0.95)], 1), "passed": outcomes.count("pass"),
            "wrong": outcomes.count("wrong"), "other": sorted(set(outcomes) - {"pass", "wrong"})}


def main() -> None:
    from tests.servers import start_chroma, start_postgres

    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--reports", type=int, default=120)
    ap.add_argument("--truths", help="the pool's truths.json: also serve the index with 2 web workers")
    ap.add_argument("--questions", type=int, default=200)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-server-"))
    folder = work / "files"
    folder.mkdir()
    for f in sorted(Path(a.corpus).iterdir())[:a.reports]:
        shutil.copy(f, folder / f.name)
    url, stop = start_postgres()
    chroma, port = start_chroma(work / "chroma")
    try:
        rows = [run(n, folder, url, port, work) for n in (1, 2)]
        if a.truths:
            import random

            from benchmarks.generate_corpus import Truth, questions

            names = {f.name for f in folder.iterdir()}
            truths = [Truth(**t) for t in json.loads(Path(a.truths).read_text(encoding="utf-8")) if t["file"] in names]
            qs = questions(truths)
            rows.append(serve(url, port, work, random.Random(3).sample(qs, min(a.questions, len(qs)))))
    finally:
        chroma.terminate()
        chroma.wait(20)
        stop()
    for r in rows:
        print(json.dumps(r, ensure_ascii=False))
    print(json.dumps({"ratio_2_vs_1": round(rows[1]["reports_per_s"] / rows[0]["reports_per_s"], 2),
                      "steady_ratio_2_vs_1": round(rows[1]["steady_reports_per_s"] / rows[0]["steady_reports_per_s"], 2)
                      if rows[0].get("steady_reports_per_s") and rows[1].get("steady_reports_per_s") else None}))


if __name__ == "__main__":
    main()
