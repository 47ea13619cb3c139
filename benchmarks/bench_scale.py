"""Benchmark on a generated corpus: indexing, re-indexing, answering, memory, accuracy; beside the
naive LangChain pipeline on the same corpus and questions. Prints a table; writes JSON results.

    python -m benchmarks.bench_scale --reports 100 1000 [--naive] [--questions 300]
    python -m benchmarks.bench_scale --stages 1000 10000 30000 100000 --work DIR   # one growing index

Each phase runs in its own process so peak RSS is that phase's alone.

`--stages` grows one index through the sizes given: the corpus is generated once for the largest
size (a pool), each stage links the next files into the corpus folder and indexes only those, then
measures re-indexing, answering (300 questions of the reports indexed so far) and the time to add,
replace and remove one report (the CLI's wall time, start-up included). Every finished phase is
written to DIR/state.json, so a killed run started again with the same arguments resumes where it
stopped (run it in the background: `nohup nice -n 10 python -m benchmarks.bench_scale --stages ... &`).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results"


def _rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_mb() -> float:
    """This process's own peak (VmHWM). Not ru_maxrss: across fork and exec Linux carries the
    forking parent's peak into it, so every phase reported the stage driver's memory."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def phase_index(corpus: Path, index_dir: Path) -> dict:
    from assistant.components import Components

    comp = Components.from_settings(index_dir=index_dir)
    t0 = time.perf_counter()
    s = comp.indexer.index([corpus])
    took = time.perf_counter() - t0
    n = len(s.added) + len(s.updated)
    reports = len(comp.facts.report_ids())
    vectors = comp.vectors.count()
    return {"index_s": round(took, 1), "reports_per_s": round(n / took, 2), "chunks_per_s": round(s.chunks / took, 1),
            "chunks": s.chunks, "failed": len(s.failed), "cache_hit_rate": round(comp.embeddings.hit_rate, 3),
            "index_peak_rss_mb": round(_peak_mb()), "indexed": n, "vectors": vectors,
            "vectors_per_report": round(vectors / max(reports, 1), 3), "disk_mb": round(_disk_mb(index_dir))}


def _disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def phase_ops(pool: Path, corpus: Path, index_dir: Path, spare: str) -> dict:
    """Add, replace and remove one report through the CLI (start-up included), on the grown index."""
    import shutil

    def cli(*args: str) -> float:
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "assistant", "index", *args, "--index", str(index_dir)],
                             capture_output=True, text=True, cwd=ROOT)
        if out.returncode != 0:
            raise SystemExit(f"index {args} failed: {out.stdout[-500:]} {out.stderr[-1500:]}")
        return round(time.perf_counter() - t0, 2)

    target = corpus / f"ops_{spare}"
    shutil.copy(pool / spare, target)
    add = cli(str(target))
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("年", "年 ", 1), encoding="utf-8")       # another content: a replacement
    replace = cli(str(target))
    remove = cli("--remove", target.name)
    target.unlink()
    return {"add_one_s": add, "replace_one_s": replace, "remove_one_s": remove}


def phase_reindex(corpus: Path, index_dir: Path) -> dict:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "assistant", "index", str(corpus), "--index", str(index_dir)],
                         capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    return {"reindex_unchanged_s": round(wall, 2), "reindex_summary": out.stdout.strip().splitlines()[-1]}


def _latency_stats(lat: list[float]) -> tuple[float, float]:
    lat = sorted(lat)
    return round(1000 * statistics.median(lat), 1), round(1000 * lat[min(len(lat) - 1, int(0.95 * len(lat)))], 1)


def phase_serve(index_dir: Path, questions: list[dict]) -> dict:
    from assistant.components import Components
    from assistant.evaluate import judge

    comp = Components.from_settings(index_dir=index_dir)
    t0 = time.perf_counter()
    comp.answerer.reports()                      # warm: catalog and caches, as a server does at start
    warm = time.perf_counter() - t0
    lat, outcomes = [], []
    for g in questions:
        t = time.perf_counter()
        res = comp.answerer.ask(g["question"])
        lat.append(time.perf_counter() - t)
        outcomes.append(judge(g, res)[0])
    p50, p95 = _latency_stats(lat)
    return {"warm_s": round(warm, 2), "answer_p50_ms": p50, "answer_p95_ms": p95,
            "accuracy": f"{outcomes.count('pass')}/{len(outcomes)}", "wrong_figures": outcomes.count("wrong"),
            "serving_rss_mb": round(_rss_mb()), "serving_peak_rss_mb": round(_peak_mb())}


def phase_naive(corpus: Path, index_dir: Path, questions: list[dict]) -> dict:
    from assistant.components import Components
    from assistant.evaluate import NaivePipeline, judge
    from index.loaders import load

    comp = Components.from_settings(index_dir=index_dir)
    t0 = time.perf_counter()
    docs = ((load(f).text, {"source": f.name}) for f in sorted(corpus.iterdir()) if f.suffix in (".txt", ".html"))
    naive = NaivePipeline(comp.embeddings, docs)
    took = time.perf_counter() - t0
    lat, outcomes = [], []
    for g in questions:
        t = time.perf_counter()
        res = naive.ask(g["question"])
        lat.append(time.perf_counter() - t)
        outcomes.append(judge(g, res)[0])
    p50, p95 = _latency_stats(lat)
    return {"index_s": round(took, 1), "chunks": naive.chunks, "answer_p50_ms": p50, "answer_p95_ms": p95,
            "accuracy": f"{outcomes.count('pass')}/{len(outcomes)}", "wrong_figures": outcomes.count("wrong"),
            "serving_rss_mb": round(_rss_mb()), "peak_rss_mb": round(_peak_mb())}


def _child(phase: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_scale", "--phase", phase, *args],
                         capture_output=True, text=True, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if out.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(n: int, work: Path, naive: bool, n_questions: int) -> dict:
    from benchmarks.generate_corpus import PORTAL_FORMATS, generate, questions

    corpus, index_dir = work / f"corpus-{n}", work / f"index-{n}"
    truths = generate(corpus, n, formats=PORTAL_FORMATS)
    qs = questions(truths)
    sample = random.Random(3).sample(qs, min(n_questions, len(qs)))
    qfile = work / f"questions-{n}.json"
    qfile.write_text(json.dumps(sample, ensure_ascii=False), encoding="utf-8")
    row = {"reports": n, **_child("index", str(corpus), str(index_dir))}
    row |= _child("reindex", str(corpus), str(index_dir))
    row |= _child("serve", str(index_dir), str(qfile))
    if naive:
        row["naive"] = _child("naive", str(corpus), str(index_dir), str(qfile))
    return row


def run_stages(sizes: list[int], work: Path, n_questions: int) -> list[dict]:
    """One index grown through `sizes`; each finished phase saved in work/state.json (resumable)."""
    import dataclasses

    from benchmarks.generate_corpus import PORTAL_FORMATS, Truth, all_agencies, generate, questions

    work.mkdir(parents=True, exist_ok=True)
    state_file = work / "state.json"
    state = json.loads(state_file.read_text(encoding="utf-8")) if state_file.exists() else {}

    def save() -> None:
        tmp = state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, state_file)

    pool, corpus, index_dir = work / "pool", work / "corpus", work / "index"
    need = max(sizes) + 1                              # one spare report for the add/replace/remove timing
    truths_file = work / "truths.json"
    if state.get("pool") != need or not truths_file.exists():
        per_year = len(all_agencies())           # past 5 years x every agency: later years (2026…) too
        years = tuple(range(2021, 2021 + max(5, -(-need // per_year))))
        truths = generate(pool, need, formats=PORTAL_FORMATS, years=years)
        truths_file.write_text(json.dumps([dataclasses.asdict(t) for t in truths], ensure_ascii=False), encoding="utf-8")
        state["pool"] = need
        save()
    truths = [Truth(**t) for t in json.loads(truths_file.read_text(encoding="utf-8"))]
    corpus.mkdir(exist_ok=True)
    rows = []
    for n in sorted(sizes):
        row = state.setdefault(str(n), {"reports": n})
        for t in truths[:n]:                           # the stage's files, linked (mtime kept: re-index skips them)
            if not (corpus / t.file).exists():
                os.link(pool / t.file, corpus / t.file)
        if "index_s" not in row:
            row |= _child("index", str(corpus), str(index_dir))
            save()
        if "reindex_unchanged_s" not in row:
            row |= _child("reindex", str(corpus), str(index_dir))
            save()
        if "answer_p50_ms" not in row:
            qs = questions(truths[:n])
            qfile = work / f"questions-{n}.json"
            qfile.write_text(json.dumps(random.Random(3).sample(qs, min(n_questions, len(qs))), ensure_ascii=False),
                             encoding="utf-8")
            row |= _child("serve", str(index_dir), str(qfile))
            save()
        if "add_one_s" not in row:
            row |= _child("ops", str(pool), str(corpus), str(index_dir), truths[-1].file)
            save()
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
        rows.append(row)
    return rows


def print_table(rows: list[dict]) -> None:
    cols = [("reports", "reports"), ("index_s", "index s"), ("reports_per_s", "reports/s"),
            ("chunks_per_s", "chunks/s"), ("cache_hit_rate", "cache hit"), ("reindex_unchanged_s", "re-index s"),
            ("answer_p50_ms", "p50 ms"), ("answer_p95_ms", "p95 ms"), ("accuracy", "accuracy"),
            ("wrong_figures", "wrong"), ("index_peak_rss_mb", "index RSS MB"), ("serving_rss_mb", "serve RSS MB"),
            ("vectors_per_report", "vectors/report"), ("disk_mb", "disk MB"), ("add_one_s", "add 1 s"),
            ("replace_one_s", "replace 1 s"), ("remove_one_s", "remove 1 s")]
    print("| system | " + " | ".join(c[1] for c in cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for r in rows:
        print("| assistant | " + " | ".join(str(r.get(k, "")) for k, _ in cols) + " |")
        if "naive" in r:
            nv = r["naive"] | {"reports": r["reports"], "index_peak_rss_mb": nv_peak(r)}
            print("| naive RAG | " + " | ".join(str(nv.get(k, "-")) for k, _ in cols) + " |")


def nv_peak(r: dict) -> object:
    return r["naive"].get("peak_rss_mb", "-")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, nargs="+", default=[100])
    ap.add_argument("--stages", type=int, nargs="+", help="grow one index through these sizes (resumable; needs --work)")
    ap.add_argument("--naive", action="store_true", help="also run the naive LangChain pipeline")
    ap.add_argument("--questions", type=int, default=300)
    ap.add_argument("--work", default=None, help="folder for corpora and indexes (default: a temp folder)")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.phase:
        p = [Path(x) for x in a.args]
        if a.phase == "index":
            res = phase_index(p[0], p[1])
        elif a.phase == "reindex":
            res = phase_reindex(p[0], p[1])
        elif a.phase == "ops":
            res = phase_ops(p[0], p[1], p[2], a.args[3])
        elif a.phase == "serve":
            res = phase_serve(p[0], json.loads(p[1].read_text(encoding="utf-8")))
        else:
            res = phase_naive(p[0], p[1], json.loads(p[2].read_text(encoding="utf-8")))
        print(json.dumps(res, ensure_ascii=False))
        return
    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix="bench-"))
    if a.stages:
        if not a.work:
            raise SystemExit("--stages needs --work DIR (where the run's state is kept)")
        rows = run_stages(a.stages, work, a.questions)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / ("stages-" + "-".join(map(str, sorted(a.stages))) + ".json")).write_text(
            json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        print_table(rows)
        return
    rows = []
    for n in a.reports:
        rows.append(run(n, work, a.naive, a.questions))
        print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr)
    OUT.mkdir(parents=True, exist_ok=True)
    name = "scale-" + "-".join(map(str, a.reports)) + (("-naive" if a.naive else "")) + ".json"
    (OUT / name).write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print_table(rows)


if __name__ == "__main__":
    main()
