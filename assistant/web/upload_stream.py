"""An upload's multipart body read as it arrives, straight into a file inside the upload folder, with
a running limit: no spooled copy in a temporary folder, nothing kept past the limit. (Starlette's
form parser would spool the whole file to /tmp first; the key and size checks run before this, in
the guard.)"""
from __future__ import annotations

import time
import uuid
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

PARTIAL = ".incoming-"          # a body still arriving; swept when older than an hour
STALE_S = 3600


class StreamRejected(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


async def receive_upload(request, folder: Path, limit: int, field: str = "file") -> tuple[str, Path]:
    """(the client's file name, the partial file in `folder` holding its bytes). Raises
    StreamRejected (413 past `limit`, 422 for a form without the file); the partial file is removed
    on any failure, the caller removes it after use."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise StreamRejected(422, "a multipart form with a 'file' field is required")
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    target = folder / f"{PARTIAL}{uuid.uuid4().hex}"
    state = {"headers": [], "name": b"", "value": b"", "in_file": False, "filename": None, "size": 0,
             "pending": [], "done": False}

    def on_header_field(data, start, end):
        state["name"] += data[start:end]

    def on_header_value(data, start, end):
        state["value"] += data[start:end]

    def on_header_end():
        state["headers"].append((state["name"].lower(), state["value"]))
        state["name"], state["value"] = b"", b""

    def on_headers_finished():
        disposition = next((v for k, v in state["headers"] if k == b"content-disposition"), b"")
        _, opts = parse_options_header(disposition)
        state["headers"] = []
        wanted = opts.get(b"name") == field.encode() and b"filename" in opts and state["filename"] is None
        state["in_file"] = wanted
        if wanted:
            state["filename"] = opts[b"filename"].decode("utf-8", "replace")

    def on_part_data(data, start, end):
        if state["in_file"]:
            state["size"] += end - start
            if state["size"] > limit:
                raise StreamRejected(413, "over the limit")
            state["pending"].append(data[start:end])

    def on_part_end():
        state["in_file"] = False

    def on_end():
        state["done"] = True

    parser = MultipartParser(params[b"boundary"], {
        "on_header_field": on_header_field, "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data, "on_part_end": on_part_end,
        "on_end": on_end})
    fh = open(target, "wb")
    kept = False
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if state["pending"]:
                data, state["pending"] = b"".join(state["pending"]), []
                await run_in_threadpool(fh.write, data)
        parser.finalize()
        if state["filename"] is None:
            raise StreamRejected(422, "a multipart form with a 'file' field is required")
        kept = True
        return state["filename"], target
    except ClientDisconnect:
        raise StreamRejected(400, "the upload was cut off") from None
    except StreamRejected:
        raise
    except Exception as exc:             # a malformed body
        raise StreamRejected(400, "the upload could not be read as a multipart form") from exc
    finally:
        fh.close()
        if not kept:
            target.unlink(missing_ok=True)


def _sweep(folder: Path) -> None:
    """Partial files a killed server left behind."""
    now = time.time()
    for p in folder.glob(PARTIAL + "*"):
        try:
            if now - p.stat().st_mtime > STALE_S:
                p.unlink()
        except OSError:
            pass
