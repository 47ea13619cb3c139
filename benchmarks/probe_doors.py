"""Probe the doors of a running app (issue 19), as a reviewer would, and print the numbers.

    python benchmarks/probe_doors.py http://127.0.0.1:7860 [--key ADMIN_KEY] [--fill-mb 1500]

1. disk fill: a large multipart upload with a wrong key, without Content-Length, and (with --key)
   with a Content-Length over the limit: each must be refused before the body is stored; prints how
   much the temp folders' filesystem grew while it was sent (must stay under RA_MAX_UPLOAD_MB)
2. slow upload (needs --key): a large report is uploaded while /api/ask is asked again and again;
   prints the questions' p50/p95 (p95 must stay under 1 s); the uploaded report is deleted after
3. burst: every route the app mounts that a client can reach (the API's routes from its OpenAPI
   document, the chat's Gradio routes, pages and assets) is called until it answers 429; prints
   after how many requests. Run it last: it spends the client's budgets for a minute.

Run it on the server's machine for step 1 (it measures the local temp filesystem).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_reports" / "000_3eedd7fad4cbaa0c.txt"
Q = "2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？"
MB = 1024 * 1024


def temp_folders() -> list[str]:
    folders = {tempfile.gettempdir(), os.environ.get("GRADIO_TEMP_DIR") or str(Path(tempfile.gettempdir()) / "gradio")}
    return sorted(f for f in folders if Path(f).exists())


class DiskWatch:
    """The largest growth of the temp folders' filesystems while it runs (polled every 50 ms)."""

    def __enter__(self):
        self.base = {f: shutil.disk_usage(f).used for f in temp_folders()}
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._poll, daemon=True)
        self._t.start()
        return self

    def _poll(self):
        while not self._stop.is_set():
            for f, used in self.base.items():
                self.peak = max(self.peak, shutil.disk_usage(f).used - used)
            time.sleep(0.05)

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def _body(total_mb: int, boundary: str = "probe"):
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n").encode()
    yield head
    block = b"%PDF" + b"\0" * (MB - 4)
    for _ in range(total_mb):
        yield block
    yield f"\r\n--{boundary}--\r\n".encode()


def disk_fill(base: str, key: str | None, fill_mb: int) -> None:
    print(f"\n## 1. disk fill: {fill_mb} MB sent as an upload  (temp folders: {', '.join(temp_folders())})")
    print(f"{'attempt':<42} {'status':>6} {'seconds':>8} {'temp growth MB':>15}")
    attempts = [("wrong key, Content-Length", {"X-API-Key": "wrong-key"}, True),
                ("no key, no Content-Length (chunked)", {}, False)]
    if key:
        attempts += [("right key, Content-Length over the limit", {"X-API-Key": key}, True),
                     ("right key, no Content-Length (chunked)", {"X-API-Key": key}, False)]
    for name, headers, with_length in attempts:
        headers = {**headers, "Content-Type": "multipart/form-data; boundary=probe"}
        if with_length:
            headers["Content-Length"] = str(sum(len(c) for c in _body(0)) + fill_mb * MB)
        t0 = time.perf_counter()
        with DiskWatch() as watch:
            try:
                with httpx.Client(timeout=120) as c:
                    status = c.post(f"{base}/api/reports", headers=headers, content=_body(fill_mb)).status_code
            except httpx.HTTPError as exc:        # the server answered and closed while we were sending
                status = f"closed ({type(exc).__name__})"
        print(f"{name:<42} {status!s:>6} {time.perf_counter() - t0:>8.2f} {watch.peak / MB:>15.1f}")


def slow_upload(base: str, key: str, asks: int = 50) -> None:
    print("\n## 2. questions while a large report is parsed and indexed")
    text = SAMPLE.read_text(encoding="utf-8").replace("宁波市对口支援和区域合作局", "探针测试局")
    filler = "\n".join(f"（{i}）探针测试局本年度继续推进政务公开工作，进一步规范信息发布流程，共发布信息{i}条。"
                       for i in range(4000))
    data = (text + "\n六、其他需要报告的事项\n" + filler).encode()
    with httpx.Client(base_url=base, timeout=120) as c:
        c.post("/api/ask", json={"question": Q})
        result = {}

        def upload():
            t0 = time.perf_counter()
            try:
                r = c.post("/api/reports", headers={"X-API-Key": key},
                           files={"file": ("probe-slow.txt", data, "text/plain")})
                result.update(status=r.status_code, report_id=r.json().get("report_id") if r.status_code == 201 else None)
            except httpx.HTTPError as exc:
                result.update(status=type(exc).__name__)
            result["seconds"] = time.perf_counter() - t0

        t = threading.Thread(target=upload)
        t.start()
        time.sleep(0.3)
        times = []
        while t.is_alive() and len(times) < asks:
            t0 = time.perf_counter()
            r = c.post("/api/ask", json={"question": Q})
            times.append(time.perf_counter() - t0)
            if r.status_code != 200:
                print(f"  /api/ask answered {r.status_code}")
                break
            time.sleep(0.2)
        t.join()
        if result.get("report_id"):
            c.delete(f"/api/reports/{result['report_id']}", headers={"X-API-Key": key})
    if not times:
        print("  the upload ended before a question was asked")
        return
    p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
    print(f"upload: {result.get('status')} in {result.get('seconds', 0):.1f} s ({len(data) / MB:.1f} MB); "
          f"{len(times)} questions meanwhile: p50 {statistics.median(times) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, max {max(times) * 1000:.0f} ms  -> {'OK' if p95 < 1 else 'TOO SLOW'}")


def routes(base: str, c: httpx.Client) -> list[tuple[str, str, dict]]:
    """(method, path, request kwargs) for every route a client can reach."""
    out = []
    body = {"data": [Q, [], "全部", "全部", None]}
    info = c.get("/gradio_api/info").json() if c.get("/gradio_api/info").status_code == 200 else {}
    answer = [n.lstrip("/") for n in info.get("named_endpoints", {}) if n.lstrip("/").startswith("respond")] or ["respond"]
    for name in answer:
        for prefix in ("call", "run", "api"):
            out.append(("POST", f"/gradio_api/{prefix}/{name}", {"json": body}))
    config = c.get("/config").json()
    ids = [d.get("id") for d in config.get("dependencies", []) if str(d.get("api_name", "")).startswith("respond")]
    for fn_index in ids[:1] + [str(i) for i in ids[:1]]:         # Gradio takes the index as an int or a string
        out.append(("POST", "/gradio_api/queue/join", {"json": {**body, "fn_index": fn_index, "session_hash": "probe"}}))
    out.append(("POST", "/api/ask", {"json": {"question": Q}}))
    spec = c.get("/api/openapi.json").json()
    for path, ops in spec.get("paths", {}).items():
        for method in ops:
            if path == "/api/ask":
                continue
            url = path.replace("{report_id}", "probe")
            kwargs = {"headers": {"X-API-Key": "wrong-key"}} if method in ("post", "delete") else {}
            if path == "/api/source":
                kwargs = {"json": {"report_id": "probe"}}
            out.append((method.upper(), url, kwargs))
    for path in ("/", "/config", "/gradio_api/info", "/widget.js", "/embed", "/api/docs", "/theme.css",
                 "/gradio_api/upload", "/gradio_api/cancel", "/gradio_api/vibe-edit"):
        out.append(("POST" if path.startswith(("/gradio_api/upload", "/gradio_api/cancel", "/gradio_api/vibe"))
                    else "GET", path, {}))
    return out


def burst(base: str, cap: int) -> None:
    print(f"\n## 3. burst on every route (until 429, at most {cap} requests each)")
    with httpx.Client(base_url=base, timeout=30) as c:
        doors = routes(base, c)
        answering = [d for d in doors if d[1] == "/api/ask" or "respond" in d[1] or d[1].endswith("queue/join")]
        rest = [d for d in doors if d not in answering]
        print("  answering routes: one question budget per client, shared by all of them")
        _burst(c, answering, cap)
        print("  (waiting 61 s for a fresh window)\n  every other route: the request budget per client")
        time.sleep(61)
        _burst(c, rest, cap)


def _burst(c: httpx.Client, doors, cap: int) -> None:
    print(f"{'route':<52} {'requests':>8} {'first 429 at':>12} {'other codes'}")
    for method, path, kwargs in doors:
        codes = []
        for _ in range(cap):
            codes.append(c.request(method, path, **kwargs).status_code)
            if codes[-1] == 429:
                break
        first = codes.index(429) + 1 if 429 in codes else "never"
        print(f"{method + ' ' + path:<52} {len(codes):>8} {first!s:>12} {sorted(set(codes) - {429})}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("url")
    ap.add_argument("--key", help="the admin key (steps 1b and 2)")
    ap.add_argument("--fill-mb", type=int, default=1500)
    ap.add_argument("--burst-cap", type=int, default=700, help="requests per route at most (the default "
                    "request budget is 600 a minute)")
    args = ap.parse_args()
    base = args.url.rstrip("/")
    disk_fill(base, args.key, args.fill_mb)
    if args.key:
        slow_upload(base, args.key)
    burst(base, args.burst_cap)


if __name__ == "__main__":
    main()
