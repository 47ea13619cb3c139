"""App start-up and API latency on the sample corpus.

- ready: seconds from launching `app.py` on an empty index (it indexes the sample first) and on a
  built index, until GET / answers 200;
- /api/ask under 20 concurrent clients on loopback, a bounded number of requests each;
- a mixed load: 50 concurrent clients, half asking through the chat's own Gradio route
  (POST /gradio_api/call/respond, then its event stream to the end), half through /api/ask, over
  the mixed question set (figures, prose, follow-up-free refusals).

    python -m benchmarks.bench_api [--clients 20] [--requests 25] [--mixed-clients 50] [--mixed-requests 6]
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？", "政府网站公开信息多少条？",
             "规范性文件对外公开总数量是多少？", "不予公开中属于国家秘密的申请有几件？",
             "哪个处室负责牵头协调政府信息公开工作？", "2020年主动公开了多少条政府信息？"]
MIXED = QUESTIONS + ["2019年宁波市对口支援和区域合作局收到多少件政府信息公开申请？", "行政复议结果纠正的有几件？",
                     "存在哪些不足？", "北京市2019年主动公开了多少条政府信息？"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(index_dir: Path) -> tuple[subprocess.Popen, str, float]:
    port = _port()
    env = {**os.environ, "RA_RATE_LIMIT_PER_MINUTE": "0", "HF_HUB_OFFLINE": "1"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--index", str(index_dir)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            if httpx.get(url + "/", timeout=2).status_code == 200:
                return proc, url, time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        if time.perf_counter() - t0 > 120:
            proc.kill()
            raise SystemExit("app did not become ready in 120 s")
        time.sleep(0.1)


def stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def load_test(url: str, clients: int, per_client: int) -> dict:
    lat: list[float] = []
    errors = 0
    lock = threading.Lock()

    def worker(k: int) -> None:
        nonlocal errors
        with httpx.Client(timeout=30) as c:
            for i in range(per_client):
                q = QUESTIONS[(k + i) % len(QUESTIONS)]
                body = {"question": q}
                if i % 3 == 2:          # every third question is a follow-up carrying the earlier turns
                    body = {"question": "那2020年呢？", "history": [{"role": "user", "content": QUESTIONS[0]},
                                                                   {"role": "assistant", "content": "……47条。[1]"}]}
                t = time.perf_counter()
                r = c.post(url + "/api/ask", json=body)
                dt = time.perf_counter() - t
                with lock:
                    lat.append(dt)
                    errors += r.status_code != 200

    wall = run_clients(worker, clients)
    return {**latency_summary(lat, errors), "throughput_rps": round(len(lat) / wall, 1)}


def ask_chat(c: httpx.Client, url: str, question: str) -> bool:
    """One answer through the chat's Gradio route: the call, then its event stream to the end."""
    r = c.post(url + "/gradio_api/call/respond", json={"data": [question, [], "全部", "全部"]})
    if r.status_code != 200:
        return False
    with c.stream("GET", f"{url}/gradio_api/call/respond/{r.json()['event_id']}") as events:
        if events.status_code != 200:
            return False
        last = ""
        for line in events.iter_lines():
            if line.startswith("event:"):
                last = line.split(":", 1)[1].strip()
        return last == "complete"


def mixed_load(url: str, clients: int, per_client: int) -> dict:
    """Half the clients on the chat route, half on the API, each over the mixed question set."""
    lat = {"chat": [], "api": []}
    errors = {"chat": 0, "api": 0}
    lock = threading.Lock()

    def worker(k: int) -> None:
        route = "chat" if k % 2 else "api"
        with httpx.Client(timeout=60) as c:
            for i in range(per_client):
                q = MIXED[(k + i) % len(MIXED)]
                t = time.perf_counter()
                try:
                    ok = ask_chat(c, url, q) if route == "chat" else \
                        c.post(url + "/api/ask", json={"question": q}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                dt = time.perf_counter() - t
                with lock:
                    lat[route].append(dt)
                    errors[route] += not ok

    wall = run_clients(worker, clients)
    out = {route: latency_summary(values, errors[route]) for route, values in lat.items()}
    every = lat["chat"] + lat["api"]
    out["all"] = {**latency_summary(every, errors["chat"] + errors["api"]),
                  "throughput_rps": round(len(every) / wall, 1)}
    return out


def run_clients(worker, clients: int) -> float:
    """Run `worker(k)` for each client in its own thread, all at once; the wall time in seconds."""
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def latency_summary(seconds: list[float], errors: int) -> dict:
    values = sorted(seconds)
    if not values:          # every request failed: no latency to quote
        return {"requests": 0, "errors": errors, "p50_ms": None, "p95_ms": None}
    return {"requests": len(values), "errors": errors, "p50_ms": round(1000 * statistics.median(values), 1),
            "p95_ms": round(1000 * values[int(0.95 * (len(values) - 1))], 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=25)
    ap.add_argument("--mixed-clients", type=int, default=50)
    ap.add_argument("--mixed-requests", type=int, default=6)
    a = ap.parse_args()
    index_dir = Path(tempfile.mkdtemp(prefix="bench-api-")) / "index"
    proc, url, first = start(index_dir)          # empty index: builds it from the sample first
    stop(proc)
    proc, url, warm = start(index_dir)
    try:
        res = load_test(url, a.clients, a.requests)
        mixed = mixed_load(url, a.mixed_clients, a.mixed_requests)
    finally:
        stop(proc)
    print("| measure | value |\n|---|---|")
    print(f"| ready, first start (indexes the sample) | {first:.1f} s |")
    print(f"| ready, index already built | {warm:.1f} s |")
    print(f"| /api/ask, {a.clients} concurrent clients × {a.requests} requests | p50 {res['p50_ms']} ms, "
          f"p95 {res['p95_ms']} ms, {res['throughput_rps']} req/s, {res['errors']} errors |")
    m = mixed
    print(f"| mixed, {a.mixed_clients} concurrent clients × {a.mixed_requests} questions (chat route and API) | "
          f"p50 {m['all']['p50_ms']} ms, p95 {m['all']['p95_ms']} ms, {m['all']['throughput_rps']} req/s, "
          f"{m['all']['errors']} errors |")
    for route in ("chat", "api"):
        print(f"| … of which {route} ({m[route]['requests']} requests) | p50 {m[route]['p50_ms']} ms, "
              f"p95 {m[route]['p95_ms']} ms, {m[route]['errors']} errors |")


if __name__ == "__main__":
    main()
