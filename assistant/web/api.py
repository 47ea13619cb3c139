"""REST API under /api: ask, reports (list, detail, upload, delete), health.

Security at this edge: write endpoints need the admin key (X-API-Key; wrong keys are throttled),
uploads are size- and type-checked, saved under a generated name inside the upload folder and
removed again when refused; /api/ask goes through the shared guard (rate limit per client, length
cap); errors become HTTP codes with a one-line message that never echoes the request.
"""
from __future__ import annotations

import re
import threading
import uuid
from collections import defaultdict
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request, Response, Security
from fastapi.security import APIKeyHeader

from index.errors import IndexBusy, IndexStoreError, InputError, ReportAssistantError
from index.loaders import SUPPORTED

from .admission import upload_message_zh
from .api_models import AskRequest, AskResponse, CitationRef, Health, ReportDetail, ReportSummary, errors

MAGIC = {".pdf": (b"%PDF",), ".docx": (b"PK\x03\x04",)}




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


MB = 1024 * 1024          # sizes are binary megabytes everywhere: a 50 MB limit is 50 × 1024 × 1024 bytes


def upload_folder(comp) -> Path:
    folder = (comp.index_dir / "uploads").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_upload(comp, filename: str, data: bytes | Path, max_upload_mb: float, progress=None) -> dict:
    """Check, save under a server-chosen name inside the upload folder, and index one uploaded
    report (used by the API and the chat). `data` is the file's bytes, or a file already streamed
    into the upload folder (moved into place). Raises UploadRejected; a refused file is not kept.
    Blocking (parse, embed, commit): the API calls it in a worker thread."""
    folder = upload_folder(comp)
    size = data.stat().st_size if isinstance(data, Path) else len(data)
    if size > max_upload_mb * MB:
        raise UploadRejected(413, f"file is over the {max_upload_mb:g} MB upload limit")
    if isinstance(data, Path):
        with open(data, "rb") as fh:
            head = fh.read(4096)
    else:
        head = data[:4096]
    shown = Path((filename or "").replace("\\", "/")).name or "report"     # for messages only
    try:
        name = safe_upload_name(filename or "")
        check_content_type(name, head)
    except InputError as exc:
        raise UploadRejected(415, str(exc)) from exc
    target = (folder / name).resolve()
    if target.parent != folder:
        raise UploadRejected(400, "invalid file name")
    if isinstance(data, Path):
        data.replace(target)
    else:
        target.write_bytes(data)
    kept = False
    try:
        if not _WRITE_LOCK.acquire(blocking=False):
            raise UploadRejected(409, "another upload is being indexed; try again when it ends")
        try:
            summary = comp.indexer.index([target], progress=progress, wait_s=0, names={target: shown})
        except IndexBusy as exc:
            raise UploadRejected(409, "the index is busy: another indexing run is writing it; "
                                      "try again when it ends") from exc
        except ReportAssistantError as exc:
            raise UploadRejected(503, f"the index cannot be written now: {exc}") from exc
        finally:
            _WRITE_LOCK.release()
        if summary.failed:
            raise UploadRejected(422, _without_folder(summary.failed[0][1], folder, name, shown))
        rid = comp.facts.report_id_of_path(str(target))
        if rid is None:      # same content as a report already indexed: this copy is no source of it
            with _WRITE_LOCK:
                comp.facts.forget_source(str(target))
            raise UploadRejected(409, "this report is already indexed")
        from .admission import not_a_report

        reason = not_a_report(comp.facts, rid)
        if reason:           # parsed, but not an annual report: take it out again, keep nothing
            with _WRITE_LOCK:
                comp.indexer.index([], remove=[rid])
            raise UploadRejected(422, reason)
        kept = True
        warnings = [_without_folder(c, folder, name, shown) for c in summary.conflicts]
        if not (comp.facts.report(rid) or {}).get("agency"):
            warnings.append(f"{shown}: the agency could not be recognised; the report is listed as 未识别单位")
        return {"report_id": rid, "summary": {"added": len(summary.added), "chunks": summary.chunks},
                "warnings": warnings}
    finally:
        if not kept:         # a refused or failed upload leaves nothing behind
            target.unlink(missing_ok=True)


def _without_folder(message: str, folder: Path, name: str | None = None, shown: str | None = None) -> str:
    """Errors and warnings name the file as the client sent it, never where or under what name the
    server keeps it."""
    message = message.replace(str(folder) + "/", "").replace(str(folder), "")
    return message.replace(name, shown) if name and shown else message


_WRITE_LOCK = threading.Lock()
STREAM_ZH = {"a multipart form with a 'file' field is required": "需要 multipart 表单中的 file 字段",
             "the upload was cut off": "上传中断，文件不完整",
             "the upload could not be read as a multipart form": "上传的内容不是有效的 multipart 表单"}
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "the report (txt/md/html/pdf/docx)"}}}}}}}


def build_router(comp, settings, guard=None) -> APIRouter:
    from .guard import Guard, Refused

    router = APIRouter(prefix="/api")
    guard = guard or Guard(settings)
    api_key = APIKeyHeader(name="X-API-Key", auto_error=False,
                           description="admin key (RA_ADMIN_KEY), needed to upload and delete reports")

    def require_key(request: Request, x_api_key: str | None = Security(api_key)) -> None:
        try:
            guard.admin_key(guard.client(request), x_api_key)
        except Refused as r:
            headers = {"Retry-After": str(int(r.retry_after or 60))} if r.status == 429 else None
            raise HTTPException(r.status, str(r), headers=headers) from None

    @router.post("/admin/session", status_code=204, dependencies=[Depends(require_key)], tags=["reports"],
                 responses=errors(401, 403, 405, 429))
    def admin_session(response: Response):
        """After a key check: a short-lived cookie that opens Gradio's upload route to this browser
        (the chat sends a chosen file before its upload button is pressed)."""
        from .guard import UPLOAD_COOKIE, UPLOAD_COOKIE_S

        response.set_cookie(UPLOAD_COOKIE, guard.upload_token(), max_age=UPLOAD_COOKIE_S, httponly=True,
                            samesite="strict", path="/")
        response.status_code = 204

    @router.get("/health", response_model=Health, tags=["ask"], responses=errors(405, 429))
    def health():
        return {"status": "ok", "reports": len(comp.facts.report_ids())}

    @router.post("/ask", response_model=AskResponse, response_model_exclude_unset=True, tags=["ask"],
                 responses=errors(400, 405, 413, 422, 429, 503))
    def ask(req: AskRequest, request: Request):
        """Answer one question with cited figures; `history` carries the earlier turns for follow-ups.
        (Rate limit and length cap: the guard, before the body reaches this route. A question that is
        empty or only spaces is 422, like a missing one; one over RA_MAX_QUESTION_CHARS is 422 too.
        Over the question budget: 429 with Retry-After.) Every error has the body
        `{"detail": "中文说明", "code": "…"}`."""
        try:
            from ..dialogue import answer_turn, context_from_history

            turns = [t.model_dump() for t in req.history]
            context = context_from_history(comp.answerer, turns, agency=req.agency, year=req.year)
            return answer_turn(comp.answerer, req.question, agency=req.agency, year=req.year, context=context).result
        except IndexStoreError as exc:
            raise HTTPException(503, "索引正在更新或暂时不可用，请稍后再试") from exc
        except ReportAssistantError as exc:
            raise HTTPException(400, "这个问题无法处理") from exc

    @router.post("/source", tags=["reports"], responses=errors(404, 405, 413, 422, 429))
    def source(citation: CitationRef):
        """The cited row or paragraph, for showing a citation in place (send a citation of an answer)."""
        from .sources import source_view

        if comp.facts.report(citation.report_id) is None:
            raise HTTPException(404, "没有这份报告")
        return source_view(comp.facts, citation.model_dump())

    @router.get("/reports", tags=["reports"], response_model=list[ReportSummary], responses=errors(405, 429))
    def reports():
        checks = comp.facts.checks()
        failed: dict[str, int] = defaultdict(int)
        for c in checks:
            failed[c["report_id"]] += c["passed"] is False
        return [{k: r[k] for k in ("report_id", "agency", "year", "title", "source", "format")}
                | {"failed_checks": failed[r["report_id"]], "warnings": r["warnings"], "reading": r["reading"]}
                for r in comp.facts.reports()]

    @router.get("/reports/{report_id}", tags=["reports"], response_model=ReportDetail,
                responses=errors(404, 405, 429))
    def report(report_id: str):
        r = comp.facts.report(report_id)
        if r is None:
            raise HTTPException(404, "没有这份报告")
        out = {k: v for k, v in r.items() if k != "path"}
        out["checks"] = comp.facts.checks([report_id])
        return out

    @router.post("/reports", status_code=201, dependencies=[Depends(require_key)], tags=["reports"],
                 responses=errors(400, 401, 403, 405, 409, 411, 413, 415, 422, 429, 503), openapi_extra=UPLOAD_BODY)
    async def upload(request: Request):
        """Index one report file (multipart field `file`). Key, rate limit and Content-Length are
        checked by the guard before the body is read; the body streams into the upload folder with
        a running limit; parsing and indexing run in a worker thread, so questions are answered
        meanwhile."""
        from starlette.concurrency import run_in_threadpool

        from .upload_stream import StreamRejected, receive_upload

        try:
            filename, part = await receive_upload(request, upload_folder(comp), int(settings.max_upload_mb * MB))
        except StreamRejected as exc:
            raise HTTPException(exc.status, f"文件超过{settings.max_upload_mb:g} MB 的上传上限"
                                if exc.status == 413 else STREAM_ZH.get(str(exc), "上传的内容无法读取")) from None
        try:
            return await run_in_threadpool(save_upload, comp, filename, part, settings.max_upload_mb)
        except UploadRejected as exc:
            raise HTTPException(exc.status, upload_message_zh(str(exc))) from exc
        finally:
            part.unlink(missing_ok=True)

    @router.delete("/reports/{report_id}", dependencies=[Depends(require_key)], tags=["reports"],
                   responses=errors(401, 403, 404, 405, 409, 429))
    def delete(report_id: str):
        if comp.facts.report(report_id) is None:
            raise HTTPException(404, "没有这份报告")
        if not _WRITE_LOCK.acquire(blocking=False):
            raise HTTPException(409, "正在收录其他报告，请稍后再删除")
        try:
            comp.indexer.index([], remove=[report_id], wait_s=0)
        except IndexBusy as exc:
            raise HTTPException(409, "索引正被另一个索引任务写入，请稍后再删除") from exc
        finally:
            _WRITE_LOCK.release()
        return {"deleted": report_id}

    return router
