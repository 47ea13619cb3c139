"""Start the web app: Gradio chat at /, REST API at /api, widget at /widget.js, compact chat at /embed.

    python app.py [--host 127.0.0.1] [--port 7860] [--index DIR]

On first start with an empty index it indexes the bundled sample reports (with progress).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

STATIC = Path(__file__).resolve().parent / "assistant" / "web" / "static"
log = logging.getLogger("app")


def ensure_index(comp) -> None:
    """First start: build the index from the bundled sample corpus so the app answers at once."""
    if comp.facts.report_ids():
        return
    from tqdm import tqdm

    log.warning("index at %s is empty: indexing the sample reports in %s", comp.index_dir, comp.settings.sample_dir)
    summary = comp.indexer.index([comp.settings.sample_dir],
                                 progress=lambda files: tqdm(files, desc="indexing sample reports", file=sys.stderr))
    log.warning("indexed %d sample report(s)", len(summary.added))


def build_app(comp):
    import gradio as gr
    from fastapi_offline import FastAPIOffline
    from fastapi.middleware.cors import CORSMiddleware
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

    from assistant.web.api import build_router
    from assistant.web.chat_ui import CSS, HEAD, THEME, build_ui
    from assistant.web.doors import Doors
    from assistant.web.guard import Guard, GuardMiddleware
    from assistant.web.originals import PageLanguage, build_web_router

    settings = comp.settings
    guard = Guard(settings)
    # Swagger UI from the installed fastapi-offline package: the docs work on an intranet with no CDN
    app = FastAPIOffline(title="Report assistant API", version="0.1.0", docs_url="/api/docs", redoc_url=None,
                         openapi_url="/api/openapi.json", static_url="/api/docs-static")

    from starlette.exceptions import HTTPException as StarletteHTTPException

    from assistant.web import errors as web_errors

    @app.exception_handler(RequestValidationError)
    async def invalid(request, exc: RequestValidationError):
        # which field and why, in Chinese; never the submitted value (a 100,000-character question is not sent back)
        return web_errors.response(422, web_errors.validation_message(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def refused(request, exc: StarletteHTTPException):
        # one shape for every refusal: our own Chinese messages as they are, FastAPI's English ones by status
        text = exc.detail if isinstance(exc.detail, str) and any("\u4e00" <= ch <= "\u9fff" for ch in exc.detail) else None
        status = exc.status_code
        if status == 400 and text is None:          # a body FastAPI could not parse at all
            status, text = 422, "请求体无法解析（应为 JSON 对象）"
        headers = dict(exc.headers or {})
        retry = float(headers["Retry-After"]) if status == 429 and "Retry-After" in headers else None
        allow = [m.strip() for m in headers.get("Allow", "").split(",") if m.strip()] or None
        return web_errors.response(status, text, retry_after=retry, allow=allow)

    app.include_router(build_router(comp, settings, guard))
    app.include_router(build_web_router(comp))
    app.add_middleware(PageLanguage)

    @app.get("/widget.js", include_in_schema=False)
    def widget():
        return FileResponse(STATIC / "widget.js", media_type="application/javascript",
                            headers={"Cache-Control": "public, max-age=300"})

    @app.get("/embed", include_in_schema=False, response_class=HTMLResponse)
    def embed():
        return HTMLResponse((STATIC / "embed.html").read_text(encoding="utf-8"),
                            headers={"Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                                                "script-src 'self' 'unsafe-inline'; frame-ancestors *"})

    ui = build_ui(comp, settings, guard)
    doors = Doors()             # the allow-list: filled from the route table once Gradio is mounted
    # the guard sees every request first; CORS wraps it so refusals still carry CORS headers
    app.add_middleware(GuardMiddleware, guard=guard, doors=doors)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    # our own CORS middleware: only the allow-list gets CORS headers (Gradio would echo any Origin)
    app.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=False,
                       allow_methods=["GET", "POST", "DELETE"], allow_headers=["Content-Type", "X-API-Key"])
    app = gr.mount_gradio_app(app, ui, path="/", css=CSS, head=HEAD, theme=THEME, footer_links=[],
                              max_file_size=int(settings.max_upload_mb * 1024 * 1024))
    app.state.doors = doors.build(app, ui)
    _describe_limits(app, settings)
    return app


def _describe_limits(app, settings) -> None:
    """The OpenAPI document states the configured question cap (maxLength), so a client built from it
    sends only questions the app accepts."""
    make = app.openapi

    def openapi():
        if app.openapi_schema:
            return app.openapi_schema
        spec = make()
        q = spec.get("components", {}).get("schemas", {}).get("AskRequest", {}).get("properties", {}).get("question")
        if q is not None:
            q["maxLength"] = settings.max_question_chars
        # every 422 has the one error body (FastAPI documents its own list-shaped one by default)
        from assistant.web.errors import STATUS

        for ops in spec.get("paths", {}).values():
            for op in ops.values():
                r422 = op.get("responses", {}).get("422")
                if r422 is not None:
                    r422["description"] = STATUS[422][2]
                    r422["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        schemas = spec.get("components", {}).get("schemas", {})
        if "ErrorBody" not in schemas:
            from assistant.web.errors import ErrorBody

            schemas["ErrorBody"] = ErrorBody.model_json_schema()
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi


def create_app():
    """For `uvicorn app:create_app --factory --workers N`: every worker opens the index named by the
    settings (RA_INDEX_DIR, RA_DATABASE_URL, RA_CHROMA_HOST) and reads all it serves from the fact
    store and the vector store, so workers (and machines) share one index."""
    from assistant.components import Components

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    comp = Components.from_settings()
    comp.answerer.reports()          # warm the catalog before the first question
    return build_app(comp)


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    from assistant.components import Components

    ap = argparse.ArgumentParser(description="Report assistant web app")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=7860)
    ap.add_argument("--index", dest="index_dir", default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    comp = Components.from_settings(index_dir=Path(args.index_dir) if args.index_dir else None)
    ensure_index(comp)
    comp.answerer.reports()          # warm the catalog before the first question
    app = build_app(comp)
    print(f"report assistant on http://{args.host}:{args.port}/  (API /api/docs, widget /widget.js)", flush=True)
    # client addresses come from the socket; X-Forwarded-For only through RA_TRUSTED_PROXIES (the guard)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", proxy_headers=False)


if __name__ == "__main__":
    main()
