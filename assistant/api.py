"""REST API under /api: ask, reports (list, detail, upload, delete), health.

Security at this edge: write endpoints need the admin key (X-API-Key), uploads are size- and
type-checked and saved under a generated name inside the upload folder, /api/ask is rate-limited
per client, and errors become HTTP codes with a one-line message.
"""
from __future__ import annotations

import hmac
import re
import threading
import time
import uuid
from collections import defaultdict, deque
from pathlib import Path

from fastapi import APIRouter, Depends, File, Header, HTTPException, Request, UploadFile
from pydantic import BaseModel, Field

from index.errors import InputError, ReportAssistantError
from index.loaders import SUPPORTED

MAGIC = {".pdf": (b"%PDF",), ".docx": (b"PK\x03\x04",)}


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=500)
    agency: str | None = Field(default=None, max_length=100)
    year: int | None = Field(default=None, ge=1990, le=2100)


class RateLimiter:
    """Sliding one-minute window per client key; thread-safe, in memory (one process)."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._hits: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        if self.per_minute <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            q = self._hits[key]
            while q and now - q[0] > 60:
                q.popleft()
            if len(q) >= self.per_minute:
                return False
            q.append(now)
            return True


def safe_upload_name(filename: str) -> str:
    """A server-chosen name that keeps only the suffix and a readable stem: no path can escape."""
    base = Path(filename.replace("\\", "/")).name
    suffix = Path(base).suffix.lower()
    if suffix not in SUPPORTED:
        raise InputError(f"unsupported file type '{suffix or '(none)'}' (supported: {', '.join(SUPPORTED)})")
    stem = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", Path(base).stem)[:80].strip("._") or "report"
    return f"{stem}-{uuid.uuid4().hex[:8]}{suffix}"


def check_content_type(name: str, data: bytes) -> None:
    suffix = Path(name).suffix.lower()
    if suffix in MAGIC and not data.startswith(MAGIC[suffix]):
        raise InputError(f"the file content is not a {suffix[1:].upper()} file")
    if suffix in (".txt", ".md", ".html", ".htm") and b"\x00" in data[:4096]:
        raise InputError("the file content is binary, not text")


class UploadRejected(InputError):
    """An upload refused at the edge, with the HTTP status that says why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def save_upload(comp, filename: str, data: bytes, max_upload_mb: float, progress=None) -> dict:
    """Check, save under a server-chosen name inside the upload folder, and index one uploaded
    report (used by the API and the chat). Raises UploadRejected; a refused file is not kept."""
    if len(data) > max_upload_mb * 1024 * 1024:
        raise UploadRejected(413, f"file is over the {max_upload_mb:g} MB upload limit")
    try:
        name = safe_upload_name(filename or "")
        check_content_type(name, data)
    except InputError as exc:
        raise UploadRejected(415, str(exc)) from exc
    folder = (comp.index_dir / "uploads").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    target = (folder / name).resolve()
    if target.parent != folder:
        raise UploadRejected(400, "invalid file name")
    target.write_bytes(data)
    with _WRITE_LOCK:
        summary = comp.indexer.index([target], progress=progress)
    if summary.failed:
        target.unlink(missing_ok=True)
        raise UploadRejected(422, summary.failed[0][1])
    rid = next((r["report_id"] for r in comp.facts.reports() if r["path"] == str(target)), None)
    if rid is None:      # same content as a report already indexed
        target.unlink(missing_ok=True)
        raise UploadRejected(409, "this report is already indexed")
    return {"report_id": rid, "summary": {"added": len(summary.added), "chunks": summary.chunks}}


_WRITE_LOCK = threading.Lock()


def build_router(comp, settings) -> APIRouter:
    router = APIRouter(prefix="/api")
    limiter = RateLimiter(settings.rate_limit_per_minute)

    def require_key(x_api_key: str | None = Header(default=None)) -> None:
        if not settings.admin_key:
            raise HTTPException(403, "uploads and deletes are disabled: no admin key is configured")
        if not x_api_key or not hmac.compare_digest(x_api_key.encode(), settings.admin_key.encode()):
            raise HTTPException(401, "a valid X-API-Key header is required")

    @router.get("/health")
    def health():
        return {"status": "ok", "reports": len(comp.facts.report_ids())}

    @router.post("/ask")
    def ask(req: AskRequest, request: Request):
        client = request.client.host if request.client else "unknown"
        if not limiter.allow(client):
            raise HTTPException(429, "too many questions; try again in a minute")
        try:
            return comp.answerer.ask(req.question, agency=req.agency, year=req.year)
        except ReportAssistantError as exc:
            raise HTTPException(400, str(exc)) from exc

    @router.post("/source")
    def source(citation: dict):
        """The cited row or paragraph, for showing a citation in place."""
        from .sources import source_view

        if not citation.get("report_id") or comp.facts.report(str(citation["report_id"])) is None:
            raise HTTPException(404, "no such report")
        return source_view(comp.facts, citation)

    @router.get("/reports")
    def reports():
        checks = comp.facts.checks()
        failed: dict[str, int] = defaultdict(int)
        for c in checks:
            failed[c["report_id"]] += c["passed"] is False
        return [{k: r[k] for k in ("report_id", "agency", "year", "title", "source", "format")}
                | {"failed_checks": failed[r["report_id"]], "warnings": r["warnings"], "reading": r["reading"]}
                for r in comp.facts.reports()]

    @router.get("/reports/{report_id}")
    def report(report_id: str):
        r = comp.facts.report(report_id)
        if r is None:
            raise HTTPException(404, f"no report {report_id}")
        out = {k: v for k, v in r.items() if k != "path"}
        out["checks"] = comp.facts.checks([report_id])
        return out

    @router.post("/reports", status_code=201, dependencies=[Depends(require_key)])
    async def upload(file: UploadFile = File(...)):
        limit = int(settings.max_upload_mb * 1024 * 1024)
        data = await file.read(limit + 1)
        try:
            return save_upload(comp, file.filename or "", data, settings.max_upload_mb)
        except UploadRejected as exc:
            raise HTTPException(exc.status, str(exc)) from exc

    @router.delete("/reports/{report_id}", dependencies=[Depends(require_key)])
    def delete(report_id: str):
        if comp.facts.report(report_id) is None:
            raise HTTPException(404, f"no report {report_id}")
        with _WRITE_LOCK:
            comp.indexer.index([], remove=[report_id])
        return {"deleted": report_id}

    return router
