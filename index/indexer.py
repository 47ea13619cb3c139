"""Incremental, atomic indexing of report files into the three stores.

Order of writes for one file: vectors first (under the new report id), then one SQL transaction
that makes the report visible and retires the one it replaces, then the old vectors are dropped.
A kill at any point leaves readers on the previous state; leftovers are swept on the next run.
Batches are small (a few files, or whatever is parsed before a big file), so a killed run keeps
what it committed. Files are parsed (and their paragraphs embedded) in a pool of capped worker
processes (`sandbox`, `workers` of them) ahead of one committer, which writes in file order.

With SQLite, one writer at a time (`IndexLock`, a file lock in the index folder). With PostgreSQL,
indexer processes on any number of machines run at once: each takes files from a work queue in
PostgreSQL (`FOR UPDATE SKIP LOCKED`) and commits its own reports; writers of the same report take
turns inside their transactions (an advisory lock per report id), and a process's uncommitted
vectors are swept only after its session is gone (`OwnerSession`).
"""
from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import logging
import threading
import time
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import IndexBusy, InputError, ReportAssistantError
from .fact_store import FactStore
from .loaders import SUPPORTED, size_message
from .parser import ensure_report
from .sandbox import EmbedSpec, SandboxedParser, SandboxLimits
from .vector_store import ChromaVectorStore

log = logging.getLogger(__name__)


@dataclass
class IndexSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    conflicts: list[str] = field(default_factory=list)   # one line per report that shares agency and year
    locked_at: float | None = None                        # when this run got the writer lock (time.time())
    released_at: float | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def expand_paths(paths: list[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files named, and the supported files inside folders named (recursively)."""
    files, missing = [], []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED)
        elif p.is_file():
            files.append(p)
        else:
            missing.append((str(p), "no such file or folder"))
    return files, missing


class IndexLock:
    """One writer at a time, readers never wait. The lock lives where the writers meet: in PostgreSQL
    (an advisory lock) when the fact store is shared there, so indexers on different machines with
    different local folders serialise; otherwise a file lock in the index folder.

    `wait_s`: how long to wait for another writer to finish (0: fail at once with IndexBusy)."""

    POLL_S = 0.25

    def __init__(self, index_dir: Path, facts: FactStore | None = None, wait_s: float = 0.0):
        self.index_dir = index_dir
        self.facts = facts
        self.wait_s = wait_s
        self._fh = None
        self._pg = None

    def _try(self) -> bool:
        if self.facts is not None and self.facts.dialect == "postgresql":
            self._pg = self._pg or self.facts.advisory_connection()
            return bool(self._pg.execute("SELECT pg_try_advisory_lock(%s)", (WRITER_LOCK_KEY,)).fetchone()[0])
        if self._fh is None:
            self._fh = open(self.index_dir / "write.lock", "w")
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def __enter__(self):
        self.index_dir.mkdir(parents=True, exist_ok=True)      # the local files (the embedding cache) live here
        deadline = time.monotonic() + self.wait_s
        while not self._try():
            if time.monotonic() >= deadline:
                self._close()
                raise IndexBusy("another indexing run holds this index; try again when it ends")
            time.sleep(self.POLL_S)
        return self

    def __exit__(self, *exc):
        if self._pg is not None:
            try:
                self._pg.execute("SELECT pg_advisory_unlock(%s)", (WRITER_LOCK_KEY,))
            except Exception:            # closing the session releases it anyway
                pass
        elif self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
        self._close()

    def _close(self) -> None:
        if self._pg is not None:
            self._pg.close()
            self._pg = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class OwnerSession:
    """PostgreSQL: an indexer process's identity, held as a session advisory lock for its run (gone
    when the process dies, wherever it runs), so others know its queue items and vectors are live."""

    def __init__(self, facts: FactStore):
        from .fact_store import OWNER_LOCK

        self.owner = uuid.uuid4().hex
        self._conn = facts.advisory_connection()
        self._conn.execute("SELECT pg_advisory_lock(%s::int, hashtext(%s))", (OWNER_LOCK, self.owner))

    def __enter__(self) -> OwnerSession:
        return self

    def __exit__(self, *exc) -> None:
        self._conn.close()           # ends the session: the lock goes with it


WRITER_LOCK_KEY = 727273
# small batches: a killed run keeps what it committed (one upsert per batch is still far cheaper
# than one per file); a slow or big next file first commits what is parsed
BATCH_FILES = 4
BATCH_CHUNKS = 2000
BATCH_SECONDS = 2.0
SMALL_RUN = 1000           # up to this many files, the manifest is read by key, not whole
BIG_FILE = 2 * 1024 * 1024


@dataclass
class _Pending:
    path: Path
    key: str
    report: object
    chunks: list
    tokens: list
    replaces: str | None
    size: int
    mtime: float
    vectors: dict | None = None       # paragraph vectors from the parse worker, by chunk id
    fresh: frozenset = frozenset()    # the chunk ids of those the worker computed (not in the cache)


@dataclass
class _Job:
    path: Path
    key: str
    stat: object
    old: dict | None
    future: Future | None = None


class ParsePool:
    """`workers` sandboxed parsers, each driven by a thread of its own (the threads only wait on
    their worker process), so files are parsed and embedded in parallel ahead of the committer."""

    def __init__(self, limits: SandboxLimits, workers: int, embed: EmbedSpec | None):
        self.limits, self.embed = limits, embed
        self._local = threading.local()
        self._parsers: list[SandboxedParser] = []
        self._lock = threading.Lock()
        self._exec = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="parse")

    def _parser(self) -> SandboxedParser:
        parser = getattr(self._local, "parser", None)
        if parser is None:
            parser = self._local.parser = SandboxedParser(self.limits, self.embed)
            with self._lock:
                self._parsers.append(parser)
        return parser

    def submit(self, path: Path, max_bytes: int) -> Future:
        return self._exec.submit(lambda: self._parser().parse(path, max_bytes))

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc) -> None:
        self._exec.shutdown(wait=True, cancel_futures=True)
        for parser in self._parsers:
            parser.close()


class Indexer:
    def __init__(self, index_dir: Path, facts: FactStore, vectors: Callable[[], ChromaVectorStore], max_bytes: int,
                 limits: SandboxLimits | None = None, wait_s: float = 0.0,
                 on_write: Callable[[bool], None] | None = None, workers: int = 1, embed: EmbedSpec | None = None):
        """`vectors` opens the vector store; it is called only when vectors are written or swept, so
        a run with nothing to do never pays for opening a large store. Files are parsed in a
        sandbox with `limits`; `wait_s` is how long a run waits for another writer; `on_write` is
        told when a run takes (True) and leaves (False) the writer lock. `workers` parse processes
        run ahead of the committer; with `embed` they also embed the paragraphs."""
        self.index_dir = index_dir
        self.facts = facts
        self._open_vectors = vectors
        self._vectors: ChromaVectorStore | None = None
        self.max_bytes = max_bytes
        self.limits = limits or SandboxLimits()
        self.wait_s = wait_s
        self.workers = max(1, workers)
        self.embed = embed
        self._pool: ParsePool | None = None
        self._owner: str | None = None
        self._batch_started = 0.0
        self._on_write = on_write or (lambda writing: None)
        self._names: dict[str, str] = {}

    @property
    def vectors(self) -> ChromaVectorStore:
        if self._vectors is None:
            self._vectors = self._open_vectors()
        return self._vectors

    def index(self, paths: list[str | Path], remove: list[str] = (), progress=None,
              wait_s: float | None = None, names: dict | None = None) -> IndexSummary:
        """Raises IndexBusy when another writer holds the index for longer than `wait_s`. `names`:
        the name to show as a file's source, by path (an upload saved under a server-chosen name
        is shown under the name its sender gave it)."""
        summary = IndexSummary()
        self._names = {str(Path(p).resolve()): n for p, n in (names or {}).items()}
        self._pending: list[_Pending] = []
        self._retired_meanings: set[str] = set()
        files, missing = expand_paths(paths)
        summary.failed += missing
        shared = self.facts.dialect == "postgresql"
        self._owner = None
        with (OwnerSession(self.facts) if shared else IndexLock(self.index_dir, self.facts,
                                                               self.wait_s if wait_s is None else wait_s)) as held, \
                ParsePool(self.limits, min(self.workers, max(1, len(files))), self.embed) as pool:
            summary.locked_at = time.time()
            self._owner = getattr(held, "owner", None)
            self._pool = pool
            self._vectors = None           # opened (and reopened if another writer changed it) on first use
            self._on_write(True)
            try:
                self._run(files, remove, progress, summary)
            finally:
                self._on_write(False)
                self._pool = None
            summary.released_at = time.time()
        return summary

    def _run(self, files: list[Path], remove, progress, summary: IndexSummary) -> None:
        self._sweep_orphans()
        for key in remove:
            self._remove(key, summary)
        if self._owner is not None:
            self._run_queue(files, progress, summary)
            return
        if len(files) <= SMALL_RUN:       # a few files (an upload, one changed report): key lookups
            manifest = self.facts.manifest_rows([str(f.resolve()) for f in files])
            self._known = {r["report_id"] for r in manifest.values() if self.facts.has_report(r["report_id"])}
        else:
            manifest = self.facts.manifest()
            self._known = self.facts.report_ids()
        bar = progress(files) if progress else files
        ahead: deque[_Job] = deque()
        for f in bar:
            if hasattr(bar, "set_postfix_str"):
                bar.set_postfix_str(f.name[:40])
            job = self._guard(f, summary, self._check, f, manifest, summary)
            if job is not None:
                job.future = self._pool.submit(f, self.max_bytes)
                ahead.append(job)
            while len(ahead) > 2 * self.workers:        # parsing runs ahead of the committer, bounded
                done = ahead.popleft()
                self._guard(done.path, summary, self._finish, done, summary)
        while ahead:
            done = ahead.popleft()
            self._guard(done.path, summary, self._finish, done, summary)
        self._flush(summary)
        self._sweep_meanings()

    def _run_queue(self, files: list[Path], progress, summary: IndexSummary) -> None:
        """PostgreSQL: queue the files, then take a few at a time until none is left; other
        processes given the same files take the others. Each taken file is finished (committed or
        failed) before it is marked done; a dead process's files are queued again."""
        by_key = {str(f.resolve()): f for f in files}
        self.facts.enqueue(list(by_key))
        self.facts.reclaim()
        bar = progress(files) if progress else None
        while taken := self.facts.take(self._owner, list(by_key), 2 * self.workers + 2):
            manifest = self.facts.manifest_rows(taken)
            self._known = {r["report_id"] for r in manifest.values() if self.facts.has_report(r["report_id"])}
            ahead: list[_Job] = []
            for key in taken:
                f = by_key[key]
                job = self._guard(f, summary, self._check, f, manifest, summary)
                if job is not None:
                    job.future = self._pool.submit(f, self.max_bytes)
                    ahead.append(job)
            for job in ahead:
                self._guard(job.path, summary, self._finish, job, summary)
            self._flush(summary)
            self.facts.finish(taken)
            if bar is not None and hasattr(bar, "update"):
                bar.update(len(taken))
        if bar is not None and hasattr(bar, "close"):
            bar.close()

    @staticmethod
    def _guard(path: Path, summary: IndexSummary, fn, *args):
        try:
            return fn(*args)
        except ReportAssistantError as exc:
            summary.failed.append((str(path), str(exc)))
        except Exception as exc:          # a broken file never stops the run
            log.exception("failed to index %s", path)
            summary.failed.append((str(path), f"{type(exc).__name__}: {exc}"))
        return None

    def _check(self, path: Path, manifest: dict, summary: IndexSummary) -> _Job | None:
        """What a file needs: None when it is unchanged, else a job to parse it."""
        key = str(path.resolve())
        stat = path.stat()
        old = manifest.get(key)
        if old and old["report_id"] not in self._known:     # its report is gone (a store an earlier version wrote)
            old = None
        if old and old["size"] == stat.st_size and old["mtime"] == stat.st_mtime:
            summary.unchanged.append(str(path))        # cheap path: size and mtime unchanged
            return None
        if stat.st_size > self.max_bytes:
            raise InputError(size_message(path.name, stat.st_size, self.max_bytes))
        if old and old["sha256"] == _sha256(path):
            self.facts.touch_manifest(key, old["sha256"], old["report_id"], stat.st_size, stat.st_mtime)
            summary.unchanged.append(str(path))
            return None
        return _Job(path, key, stat, old)

    def _finish(self, job: _Job, summary: IndexSummary) -> None:
        """The committer's part of one file, in file order: its parse result joins the batch."""
        path, key, stat, old = job.path, job.key, job.stat, job.old
        if self._pending and (stat.st_size >= BIG_FILE or time.monotonic() - self._batch_started >= BATCH_SECONDS):
            self._flush(summary)             # commit what is parsed before a file that may take long
        parsed = job.future.result()
        report = ensure_report(parsed.report)     # "hello world 你好" is refused, not indexed
        if self._names.get(key):
            report = dataclasses.replace(report, meta=dataclasses.replace(report.meta, source=self._names[key]))
        if not old and (self.facts.has_report(report.meta.report_id)
                        or any(p.report.meta.report_id == report.meta.report_id for p in self._pending)):
            self.facts.touch_manifest(key, report.meta.sha256, report.meta.report_id, stat.st_size, stat.st_mtime)
            summary.unchanged.append(f"{path} (same content as an indexed report)")
            return
        if not self._pending:
            self._batch_started = time.monotonic()
        self._pending.append(_Pending(path, key, report, parsed.chunks, parsed.tokens, old["report_id"] if old else None,
                                      stat.st_size, stat.st_mtime, getattr(parsed, "vectors", None),
                                      frozenset(getattr(parsed, "fresh", None) or ())))
        if len(self._pending) >= BATCH_FILES or sum(len(p.chunks) for p in self._pending) >= BATCH_CHUNKS:
            self._flush(summary)

    def _flag_conflicts(self, p: _Pending, summary: IndexSummary) -> None:
        """Another report of the same agency and year: say so in the summary and store it with the
        report, so readers see that two sources may give different figures."""
        m = p.report.meta
        if not m.agency or not m.year:
            return
        # the report this file replaces stays when another file still holds it: then it is another
        # report of the same agency and year too ("a.txt" edited, "b.txt" still the old content)
        gone = p.replaces if p.replaces and set(self.facts.sources(p.replaces)) <= {str(p.key)} else None
        others = [r for r in self.facts.reports_of(m.agency, m.year) if r["report_id"] not in (m.report_id, gone)]
        if not others:
            return
        def held_by(r: dict) -> str:      # the kept report is named after a file that still holds it
            return next((Path(x).name for x in self.facts.sources(r["report_id"]) if x != str(p.key)), r["source"])

        names = "、".join(f"{held_by(r)}（{r['report_id']}）" for r in others)
        note = f"同一单位同一年度另有报告：{names}；两者的数字可能不同"
        p.report = dataclasses.replace(p.report, warnings=tuple(p.report.warnings) + (note,))
        line = f"{p.path}: {m.agency} {m.year} is also in {', '.join(held_by(r) for r in others)}"
        summary.conflicts.append(line)
        log.warning("conflicting reports: %s", line)

    def _flush(self, summary: IndexSummary) -> None:
        """Vectors of a batch of files in one upsert (far cheaper than one per file), then each
        report's SQL transaction, then the vectors of the reports they replaced."""
        batch, self._pending = self._pending, []
        if not batch:
            return
        self.facts.mark_vectors_pending([p.report.meta.report_id for p in batch], self._owner)
        try:
            self._write_vectors(batch)
        except Exception as exc:
            for p in batch:
                summary.failed.append((str(p.path), f"vector store: {exc}"))
            return
        for p in batch:
            try:
                self._flag_conflicts(p, summary)
                if p.replaces:          # its meanings may go with it (swept at the end of the run)
                    self._retired_meanings |= self.facts.meanings_of([p.replaces])
                retired = self.facts.put_report(p.report, p.chunks, p.tokens, p.key, p.size, p.mtime, p.replaces)
            except Exception as exc:
                summary.failed.append((str(p.path), f"fact store: {exc}"))
                continue
            if retired is None:        # another writer committed the same content first
                summary.unchanged.append(f"{p.path} (same content as an indexed report)")
                continue
            if retired:        # the old content had no other source: its vectors go too
                self.vectors.delete_reports([p.replaces])
                self.facts.clear_pending([p.replaces])
            (summary.updated if p.replaces else summary.added).append(str(p.path))
            summary.chunks += len(p.chunks)

    def _write_vectors(self, batch: list[_Pending]) -> None:
        """One vector for each meaning (paragraph or table row) the store has not seen; its report's
        commit records it as written (vectors come first). Paragraph vectors come from the parse
        workers when they embed, else from the cached embedder."""
        given = {k: v for p in batch if p.vectors for k, v in p.vectors.items()}
        fresh = {cid for p in batch for cid in p.fresh}
        by_meaning = {c.meaning: c for p in batch for c in p.chunks if c.meaning}
        known = self.facts.known_meanings(list(by_meaning))
        new = [c for m, c in by_meaning.items() if m not in known]
        embedded = [c for c in new if c.chunk_id in given]
        self.vectors.add_meanings(embedded, vectors=given, fresh=sum(c.chunk_id in fresh for c in embedded))
        self.vectors.add_meanings([c for c in new if c.chunk_id not in given])

    def _sweep_meanings(self) -> None:
        """Vectors of meanings no report has any more: of those the run's replaced and removed
        reports had. Only with one writer at a time (SQLite's lock): with concurrent PostgreSQL
        writers another could be about to commit a report with that meaning, so there they stay
        (search maps them to no chunk)."""
        candidates, self._retired_meanings = self._retired_meanings, set()
        if self.facts.dialect == "postgresql" or not candidates:
            return
        gone = self.facts.orphan_meanings(candidates)
        if gone:
            self.facts.forget_meanings(gone)
            self.vectors.delete_meanings(gone)

    def _remove(self, key: str, summary: IndexSummary) -> None:
        """A report id removes the report (every source of it); a file (its path or name) removes
        that source only: a report whose content another file also holds stays indexed."""
        by_id = [key] if self.facts.report(key) else []            # key lookups: the same cost at any size
        manifest = self.facts.manifest_of_name(key)
        paths = list(manifest)
        paths += [r["path"] for r in self.facts.reports_with_source(key) if r["path"] and r["path"] not in paths]
        if not by_id and not paths:
            summary.failed.append((key, "no indexed report with that id or source"))
        held = [*by_id, *filter(None, (manifest[p]["report_id"] if p in manifest else self.facts.report_id_of_path(p)
                                       for p in paths))]
        self._retired_meanings |= self.facts.meanings_of(held)       # swept at the end of the run
        for rid in by_id:
            self.facts.remove_report(rid)
            self._drop_vectors(rid, summary)
        for path in paths:
            rid, dropped = self.facts.remove_source(path)
            if rid is None and (rid := self.facts.report_id_of_path(path)):   # a report with no manifest row
                self.facts.remove_report(rid)
                dropped = True
            if dropped:
                self._drop_vectors(rid, summary)

    def _drop_vectors(self, rid: str, summary: IndexSummary) -> None:
        self.vectors.delete_reports([rid])
        self.facts.clear_pending([rid])
        summary.removed.append(rid)

    def _sweep_orphans(self) -> None:
        """Vectors of reports that never committed (a killed run) or whose replacement committed."""
        orphans = self.facts.pending_vectors(self._owner)
        if orphans:
            log.info("sweeping vectors of %d uncommitted or replaced report(s)", len(orphans))
            self.vectors.delete_reports(orphans)
            self.facts.clear_pending(orphans)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
