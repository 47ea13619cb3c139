"""Web routes besides the question API: the original file of an indexed report (what a citation links
to), the first-screen overview (coverage and examples, for the widget), and the page language.

The file route serves only files the index knows, looked up by report id, never a path from the
request. HTML from a portal is served sandboxed (no script runs on our origin).
"""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import FileResponse, Response

from ..meta import coverage, coverage_lines, coverage_text, examples
from .api_models import Overview
from .errors import responses as errors

FILE_CONTENT = {m: {"schema": {"type": "string", "format": "binary"}} for m in
                ("text/plain", "text/html", "application/pdf",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document")}
MEDIA = {".pdf": "application/pdf", ".html": "text/html", ".htm": "text/html",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


FIND_MAX = 200


def file_url(citation_or_report: dict) -> str:
    """Where the original file of a cited report is served; a PDF opens at the cited page, a text or
    HTML original at the cited passage (`find`: the quote, marked and scrolled to)."""
    from urllib.parse import quote

    url = f"/api/reports/{citation_or_report['report_id']}/file"
    page = citation_or_report.get("page")
    if page:
        return f"{url}#page={page}"
    find = passage_key(citation_or_report)
    source = (citation_or_report.get("source") or "").lower()
    if find and not source.endswith((".pdf", ".docx")):
        return f"{url}?find={quote(find[:FIND_MAX])}#cited"
    return url


def passage_key(c: dict) -> str:
    """What to look for in the original: the quote (for a cell, the row as text)."""
    return " ".join((c.get("quote") or "").split())


def _squeezed(text: str) -> tuple[str, list[int]]:
    """The text without whitespace, and where each of its characters is in the text."""
    chars, where = [], []
    for i, ch in enumerate(text):
        if not ch.isspace():
            chars.append(ch)
            where.append(i)
    return "".join(chars), where


def locate(text: str, find: str) -> tuple[int, int] | None:
    """Where the cited passage is in the original's text, whitespace aside: the whole quote, else its
    longest beginning (at least 6 characters; a table row's label and first cells), else None."""
    hay, where = _squeezed(text)
    needle = "".join(find.split())
    n = len(needle)
    while n >= 6:
        i = hay.find(needle[:n])
        if i >= 0:
            return where[i], where[i + n - 1] + 1
        n = n - max(1, n // 8)
    return None


PAGE = ("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{title}</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<style>body{{font-family:'WenQuanYi Zen Hei','Microsoft YaHei',sans-serif;margin:0;padding:12px;"
        "line-height:1.6;color:#1f1f1f}} pre{{white-space:pre-wrap;font-family:inherit}}"
        " #ra-note{{position:sticky;top:0;background:#fff8e1;border-bottom:1px solid #e0c060;padding:6px 10px;"
        "margin:-12px -12px 12px;font-size:14px}} mark#cited{{background:#ffe082;color:#000;outline:2px solid #b45309;"
        "scroll-margin-top:60px}}</style></head><body><div id='ra-note'>{note}</div>{body}</body></html>")


def marked_text(data: bytes, find: str, title: str) -> str:
    """A text original as a page with the cited passage marked (id="cited", the URL's fragment)."""
    import html as h

    text = data.decode(_text_charset(data), errors="replace")
    at = locate(text, find)
    if at is None:
        body = f"<pre>{h.escape(text)}</pre>"
        note = "原文（没有找到引用的文字，显示全文）"
    else:
        s, e = at
        body = (f"<pre>{h.escape(text[:s])}<mark id='cited'>{h.escape(text[s:e])}</mark>"
                f"{h.escape(text[e:])}</pre>")
        note = "原文：引用的文字已用黄色标出"
    return PAGE.format(title=h.escape(title), note=note, body=body)


def marked_html(data: bytes, find: str, title: str) -> str:
    """An HTML original with the element holding the cited passage marked and given id="cited"
    (served sandboxed: the portal's scripts never run)."""
    import html as h

    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    for bad in soup(["script", "iframe", "object", "embed"]):
        bad.decompose()
    nodes = [t for t in soup.find_all(string=True) if t.parent and t.parent.name not in ("style", "title", "head")]
    text, starts, pos = [], [], 0
    for t in nodes:
        starts.append(pos)
        text.append(str(t))
        pos += len(str(t))
    whole = "".join(text)
    at = locate(whole, find)
    note = "原文（没有找到引用的文字，显示全文）"
    if at is not None:
        import bisect

        first = bisect.bisect_right(starts, at[0]) - 1
        last = bisect.bisect_right(starts, max(at[0], at[1] - 1)) - 1
        for k in range(first, last + 1):
            node = nodes[k]
            if not str(node).strip():
                continue
            mark = soup.new_tag("mark")
            if k == first:
                mark["id"] = "cited"
            node.wrap(mark)
        note = "原文：引用的文字已用黄色标出"
    style = soup.new_tag("style")
    style.string = ("mark{background:#ffe082;color:#000} mark#cited{outline:2px solid #b45309;scroll-margin-top:60px}"
                    "#ra-note{position:sticky;top:0;z-index:9;background:#fff8e1;border-bottom:1px solid #e0c060;"
                    "padding:6px 10px;font-size:14px;font-family:sans-serif}")
    head = soup.head or soup.new_tag("head")
    if soup.head is None and soup.html is not None:
        soup.html.insert(0, head)
    head.append(style)
    bar = soup.new_tag("div", id="ra-note")
    bar.string = note
    if soup.body is not None:
        soup.body.insert(0, bar)
    return str(soup)


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
    def original_file(report_id: str, find: str | None = Query(
            default=None, max_length=FIND_MAX, description="text or HTML originals: the cited passage to mark "
                                                           "(the page opens at #cited); PDFs open at #page=N")):
        r = comp.facts.report(report_id)
        path = Path(r["path"]) if r and r.get("path") else None
        if path is None or not path.is_file():
            raise HTTPException(404, "没有这份报告的原文件")
        suffix = path.suffix.lower()
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"}
        if suffix in (".html", ".htm"):
            headers["Content-Security-Policy"] = "sandbox"       # a portal page: shown, never run
        if find and find.strip() and suffix in (".txt", ".md", ".html", ".htm"):
            data = path.read_bytes()
            title = f"{r.get('agency') or ''}{r.get('year') or ''}年报告原文"
            page = marked_html(data, find, title) if suffix in (".html", ".htm") else marked_text(data, find, title)
            headers["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"
            return Response(page, media_type="text/html; charset=utf-8", headers=headers)
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
