"""Incremental, atomic indexing of report files into the three stores.

Order of writes for one file: vectors first (under the new report id), then one SQL transaction
that makes the report visible and retires the one it replaces, then the old vectors are dropped.
A kill at any point leaves readers on the previous state; leftovers are swept on the next run.
"""
from __future__ import annotations

import fcntl
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .bm25 import BM25Index, tokenize
from .chunker import chunk_report
from .errors import IndexStoreError, ReportAssistantError
from .fact_store import FactStore
from .loaders import SUPPORTED, load
from .parser import ensure_report, parse_document
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
    """One writer at a time per index folder (readers never wait)."""

    def __init__(self, index_dir: Path):
        index_dir.mkdir(parents=True, exist_ok=True)
        self._fh = open(index_dir / "write.lock", "w")

    def __enter__(self):
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexStoreError("another indexing run holds this index; try again when it ends") from exc
        return self

    def __exit__(self, *exc):
        fcntl.flock(self._fh, fcntl.LOCK_UN)
        self._fh.close()


BATCH_FILES = 32
BATCH_CHUNKS = 2000


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


class Indexer:
    def __init__(self, index_dir: Path, facts: FactStore, vectors: Callable[[], ChromaVectorStore], max_bytes: int):
        """`vectors` opens the vector store; it is called only when vectors are written or swept, so
        a run with nothing to do never pays for opening a large store."""
        self.index_dir = index_dir
        self.facts = facts
        self._open_vectors = vectors
        self._vectors: ChromaVectorStore | None = None
        self.max_bytes = max_bytes

    @property
    def vectors(self) -> ChromaVectorStore:
        if self._vectors is None:
            self._vectors = self._open_vectors()
        return self._vectors

    @property
    def bm25_path(self) -> Path:
        return self.index_dir / "bm25.pkl"

    def index(self, paths: list[str | Path], remove: list[str] = (), progress=None) -> IndexSummary:
        summary = IndexSummary()
        self._pending: list[_Pending] = []
        files, missing = expand_paths(paths)
        summary.failed += missing
        with IndexLock(self.index_dir):
            self._sweep_orphans()
            for key in remove:
                self._remove(key, summary)
            manifest = self.facts.manifest()
            bar = progress(files) if progress else files
            for f in bar:
                if hasattr(bar, "set_postfix_str"):
                    bar.set_postfix_str(f.name[:40])
                try:
                    self._index_file(f, manifest, summary)
                except ReportAssistantError as exc:
                    summary.failed.append((str(f), str(exc)))
                except Exception as exc:          # a broken file never stops the run
                    log.exception("failed to index %s", f)
                    summary.failed.append((str(f), f"{type(exc).__name__}: {exc}"))
            self._flush(summary)
            if summary.changed or BM25Index.saved_generation(self.bm25_path) != self.facts.generation():
                self.rebuild_bm25()
        return summary

    def _index_file(self, path: Path, manifest: dict, summary: IndexSummary) -> None:
        key = str(path.resolve())
        stat = path.stat()
        old = manifest.get(key)
        if old and old["size"] == stat.st_size and old["mtime"] == stat.st_mtime:
            summary.unchanged.append(str(path))        # cheap path: size and mtime unchanged
            return
        doc = load(path, max_bytes=self.max_bytes)
        if old and old["sha256"] == doc.sha256:
            self.facts.touch_manifest(key, doc.sha256, old["report_id"], stat.st_size, stat.st_mtime)
            summary.unchanged.append(str(path))
            return
        report = ensure_report(parse_document(doc))
        if not old and (self.facts.has_report(report.meta.report_id)
                        or any(p.report.meta.report_id == report.meta.report_id for p in self._pending)):
            self.facts.touch_manifest(key, doc.sha256, report.meta.report_id, stat.st_size, stat.st_mtime)
            summary.unchanged.append(f"{path} (same content as an indexed report)")
            return
        chunks = chunk_report(report)
        tokens = [tokenize(c.text) for c in chunks]
        self._pending.append(_Pending(path, key, report, chunks, tokens, old["report_id"] if old else None,
                                      stat.st_size, stat.st_mtime))
        if len(self._pending) >= BATCH_FILES or sum(len(p.chunks) for p in self._pending) >= BATCH_CHUNKS:
            self._flush(summary)

    def _flush(self, summary: IndexSummary) -> None:
        """Vectors of a batch of files in one upsert (far cheaper than one per file), then each
        report's SQL transaction, then the vectors of the reports they replaced."""
        batch, self._pending = self._pending, []
        if not batch:
            return
        self.facts.mark_vectors_pending([p.report.meta.report_id for p in batch])
        try:
            self.vectors.add([(c, p.report.meta.agency, p.report.meta.year) for p in batch for c in p.chunks])
        except Exception as exc:
            for p in batch:
                summary.failed.append((str(p.path), f"vector store: {exc}"))
            return
        for p in batch:
            try:
                self.facts.put_report(p.report, p.chunks, p.tokens, p.key, p.size, p.mtime, p.replaces)
            except Exception as exc:
                summary.failed.append((str(p.path), f"fact store: {exc}"))
                continue
            if p.replaces and p.replaces != p.report.meta.report_id:
                self.vectors.delete_reports([p.replaces])
                self.facts.clear_pending([p.replaces])
            (summary.updated if p.replaces else summary.added).append(str(p.path))
            summary.chunks += len(p.chunks)

    def _remove(self, key: str, summary: IndexSummary) -> None:
        targets = [r["report_id"] for r in self.facts.reports()
                   if key in (r["report_id"], r["source"], r["path"]) or Path(r["path"] or "").name == key]
        if not targets:
            summary.failed.append((key, "no indexed report with that id or source"))
        for rid in targets:
            self.facts.remove_report(rid)
            self.vectors.delete_reports([rid])
            self.facts.clear_pending([rid])
            summary.removed.append(rid)

    def _sweep_orphans(self) -> None:
        """Vectors of reports that never committed (a killed run) or whose replacement committed."""
        orphans = self.facts.pending_vectors()
        if orphans:
            log.info("sweeping vectors of %d uncommitted or replaced report(s)", len(orphans))
            self.vectors.delete_reports(orphans)
            self.facts.clear_pending(orphans)

    def rebuild_bm25(self) -> BM25Index:
        idx = BM25Index.build(self.facts.all_chunk_tokens(), self.facts.generation())
        idx.save(self.bm25_path)
        return idx
