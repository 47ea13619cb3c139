"""Server mode: one PostgreSQL (a throwaway cluster, as the tests start it) and one `chroma run`;
the same files indexed by 1 and then by 2 indexer processes (each with one parse worker, the
embedder at one thread) taking files from the PostgreSQL work queue. Prints reports/s and the ratio.

    python -m benchmarks.bench_server CORPUS_DIR [--reports 120]
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
print(json.dumps({"added": len(s.added), "failed": len(s.failed)}))
"""


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
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", DRIVER, str(work / f"m{n_proc}-{k}"), str(folder)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(n_proc)]
    outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    took = time.perf_counter() - t0
    added = sum(o["added"] for o in outs)
    return {"processes": n_proc, "s": round(took, 1), "added": added, "per_process": [o["added"] for o in outs],
            "failed": sum(o["failed"] for o in outs), "reports_per_s": round(added / took, 2)}


def main() -> None:
    from tests.servers import start_chroma, start_postgres

    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--reports", type=int, default=120)
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
    finally:
        chroma.terminate()
        chroma.wait(20)
        stop()
    for r in rows:
        print(json.dumps(r))
    print(json.dumps({"ratio_2_vs_1": round(rows[1]["reports_per_s"] / rows[0]["reports_per_s"], 2)}))


if __name__ == "__main__":
    main()
