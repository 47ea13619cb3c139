"""Web routes besides the question API: the original file of an indexed report (what a citation links
to), the first-screen overview (coverage and examples, for the widget), and the page language.

The file route serves only files the index knows, looked up by report id, never a path from the
request. HTML from a portal is served sandboxed (no script runs on our origin).
"""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, Response

from ..meta import coverage, coverage_lines, coverage_text, examples
from .api_models import Overview
from .errors import responses as errors

FILE_CONTENT = {m: {"schema": {"type": "string", "format": "binary"}} for m in
                ("text/plain", "text/html", "application/pdf",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document")}
MEDIA = {".pdf": "application/pdf", ".html": "text/html", ".htm": "text/html",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def file_url(citation_or_report: dict) -> str:
    """Where the original file of a cited report is served; a PDF opens at the cited page."""
    url = f"/api/reports/{citation_or_report['report_id']}/file"
    page = citation_or_report.get("page")
    return f"{url}#page={page}" if page else url


def _text_charset(data: bytes) -> str:
    for enc in ("utf-8", "gb18030"):
        try:
            data.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    return "utf-8"


def build_web_router(comp) -> APIRouter:
    router = APIRouter(prefix="/api")

    @router.get("/reports/{report_id}/file", tags=["reports"], summary="The original file of an indexed report",
                response_class=Response,
                responses={200: {"description": "the file as indexed: text (UTF-8 or GB18030), HTML (sandboxed), "
                                                "PDF or DOCX", "content": FILE_CONTENT},
                           **errors(404, 405, 429)})
    def original_file(report_id: str):
        r = comp.facts.report(report_id)
        path = Path(r["path"]) if r and r.get("path") else None
        if path is None or not path.is_file():
            raise HTTPException(404, "没有这份报告的原文件")
        suffix = path.suffix.lower()
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"}
        if suffix in (".html", ".htm"):
            headers["Content-Security-Policy"] = "sandbox"       # a portal page: shown, never run
        if suffix in MEDIA:
            return FileResponse(path, media_type=MEDIA[suffix], headers=headers,
                                content_disposition_type="inline", filename=path.name)
        data = path.read_bytes()
        return Response(data, media_type=f"text/plain; charset={_text_charset(data)}", headers=headers)

    @router.get("/overview", tags=["ask"], summary="What the index holds and example questions (first screen)",
                response_model=Overview, responses=errors(405, 429))
    def overview():
        reports = comp.answerer.reports()
        return {"text": coverage_text(reports), "coverage": coverage(reports), "lines": coverage_lines(reports),
                "examples": [{"kind": k, "question": q} for k, q in examples(reports)]}

    return router


class PageLanguage:
    """ASGI middleware: Gradio's page template says lang="en"; this chat is Chinese (screen readers,
    fonts and hyphenation follow the page language)."""

    def __init__(self, app, lang: str = "zh-CN"):
        self.app = app
        self.needle = b'lang="en"'               # the first one is the <html> element's
        self.repl = f'lang="{lang}"'.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] not in ("/", ""):
            return await self.app(scope, receive, send)
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks).replace(self.needle, self.repl, 1)
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, capture)
