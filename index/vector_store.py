"""The only module that talks to Chroma: a persistent store in the index folder, or a Chroma server.

Chroma's own default embedding function would download a model, so the collection always gets our
embedder through langchain-chroma, and vectors are computed by us.

The collection holds meanings, each once for the whole corpus: table-row meanings (kind
"row_meaning", id `row:<hash>`) and paragraph meanings (kind "paragraph_meaning", id `para:<hash>`:
the paragraph's words, its figures and agency name masked). Which reports' chunks have a meaning is
in the fact store, so filtering by report happens there. An index built before paragraph meanings
also holds per-report paragraph vectors (kind "paragraph", metadata report_id, agency, year); they
are still searched and removed with their reports.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

from langchain_core.embeddings import Embeddings

from .chunker import Chunk
from .errors import IndexStoreError

log = logging.getLogger(__name__)
COLLECTION = "report_chunks"
MEANING = "row_meaning"
PARAGRAPH_MEANING = "paragraph_meaning"
MEANING_KIND = {"table_row": MEANING, "paragraph": PARAGRAPH_MEANING}


class VectorStore(Protocol):
    def search(self, vector: list[float], k: int, report_ids: list[str] | None) -> list[tuple[str, float]]: ...


class ChromaVectorStore:
    def __init__(self, embeddings: Embeddings, persist_dir: Path | None = None, host: str = "", port: int = 8000,
                 collection: str = COLLECTION):
        self._args = (embeddings, persist_dir, host, port, collection)
        self._open()

    def _open(self) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        embeddings, persist_dir, host, port, collection = self._args
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if host:
                client = chromadb.HttpClient(host=host, port=port, settings=settings)
            else:
                if persist_dir is None:
                    raise IndexStoreError("a persist folder or a Chroma host is required")
                persist_dir.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(persist_dir), settings=settings)
        except IndexStoreError:
            raise
        except Exception as exc:
            where = f"server {host}:{port}" if host else str(persist_dir)
            raise IndexStoreError(f"cannot open Chroma at {where}: {exc}") from exc
        self._client = client
        self._store = Chroma(collection_name=collection, embedding_function=embeddings, client=client,
                             collection_metadata={"hnsw:space": "cosine"})

    def reopen(self) -> None:
        """Drop what this process holds of the store and open it again. A local Chroma keeps its
        vector index in memory: after another process (the CLI) rewrote the folder, the old copy
        names vectors that are gone ("Error finding id"). Chroma shares one system per folder in a
        process, so that system is forgotten first (not stopped: a search under way may finish)."""
        from chromadb.api.shared_system_client import SharedSystemClient

        if not self._args[2]:         # local folder; a server is always current
            SharedSystemClient._identifier_to_system.pop(self._client._identifier, None)
        self._open()
        log.info("reopened the vector store after the index changed")

    def add_meanings(self, chunks: list[Chunk], vectors: dict | None = None, fresh: int = 0) -> None:
        """One vector per meaning (the chunks given are one per meaning), embedded through the
        cached embedder, or given by chunk id (float32 bytes from a parse worker; `fresh` of them new,
        the rest came from the embedding cache)."""
        if not chunks:
            return
        vecs = None
        if vectors is not None:
            import numpy as np

            vecs = [np.frombuffer(vectors[c.chunk_id], dtype=np.float32).tolist() for c in chunks]
            remember = getattr(self._args[0], "remember", None)
            if remember is not None:
                remember([c.embed_text for c in chunks], vecs, fresh)
        for i in range(0, len(chunks), 4096):
            part = chunks[i:i + 4096]
            metadatas = [{"kind": MEANING_KIND[c.kind], "table": c.table or "", "row": c.row or ""} for c in part]
            if vecs is None:
                self._store.add_texts([c.embed_text for c in part], metadatas=metadatas, ids=[c.meaning for c in part])
            else:
                self._store._collection.upsert(ids=[c.meaning for c in part], embeddings=vecs[i:i + 4096],
                                               metadatas=metadatas, documents=[c.embed_text for c in part])

    def delete_meanings(self, meanings: list[str]) -> None:
        for i in range(0, len(meanings), 4096):
            self._store._collection.delete(ids=list(meanings[i:i + 4096]))

    def vectors_of(self, meanings: list[str]):
        """The stored vectors of these meanings: {id: unit numpy vector} (those the store holds)."""
        import numpy as np

        out = {}
        for i in range(0, len(meanings), 4096):
            got = self._store._collection.get(ids=list(meanings[i:i + 4096]), include=["embeddings"])
            for mid, vec in zip(got.get("ids") or [], got.get("embeddings") if got.get("embeddings") is not None else []):
                v = np.asarray(vec, dtype=np.float32)
                out[mid] = v / (np.linalg.norm(v) or 1.0)
        return out

    def delete_reports(self, report_ids: list[str]) -> None:
        if report_ids:
            self._store._collection.delete(where={"report_id": {"$in": list(report_ids)}})

    def meanings(self) -> set[str]:
        got = self._store._collection.get(where={"kind": MEANING}, include=[])
        return set(got.get("ids") or [])

    def report_ids(self) -> set[str]:
        """Every report id with vectors (used to sweep vectors a crashed run left behind)."""
        ids: set[str] = set()
        offset = 0
        while True:     # paged: one call for everything exceeds SQLite's variable limit on big stores
            got = self._store._collection.get(include=["metadatas"], limit=5000, offset=offset)
            metas = got.get("metadatas") or []
            ids |= {m.get("report_id") for m in metas if m and m.get("report_id")}
            if len(metas) < 5000:
                return ids
            offset += 5000

    def ids(self) -> set[str]:
        """Every vector id in the store (paged, as `report_ids`)."""
        out: set[str] = set()
        offset = 0
        while True:
            got = self._store._collection.get(include=[], limit=5000, offset=offset)
            out |= set(got.get("ids") or [])
            if len(got.get("ids") or []) < 5000:
                return out
            offset += 5000

    def count(self) -> int:
        return self._store._collection.count()

    def search(self, vector: list[float], k: int, report_ids: list[str] | None) -> list[tuple[str, float]]:
        """Paragraphs of the given reports (all when None): (chunk_id, similarity), best first."""
        flt: dict = {"kind": "paragraph"}
        if report_ids is not None:
            if not report_ids:
                return []
            flt = {"$and": [flt, {"report_id": {"$in": list(report_ids)}} if len(report_ids) > 1
                            else {"report_id": report_ids[0]}]}
        return self._query(vector, k, flt)

    def search_meanings(self, vector: list[float], k: int, kind: str = MEANING) -> list[tuple[str, float]]:
        """Meanings of one kind (table rows by default): (meaning id, similarity), best first."""
        return self._query(vector, k, {"kind": kind})

    def _query(self, vector: list[float], k: int, flt: dict) -> list[tuple[str, float]]:
        try:
            hits = self._store.similarity_search_by_vector_with_relevance_scores(vector, k=k, filter=flt)
        except Exception as first:                 # changed under us between the check and the search
            log.warning("vector search failed (%s); reopening the store once", first)
            try:
                self.reopen()
                hits = self._store.similarity_search_by_vector_with_relevance_scores(vector, k=k, filter=flt)
            except Exception as exc:
                raise IndexStoreError(f"the vector store cannot be searched: {exc}") from exc
        return [(doc.id, 1.0 - float(dist)) for doc, dist in hits]   # cosine distance -> similarity


def plain_langchain_chroma(embeddings: Embeddings, persist_dir: Path, collection: str):
    """A bare langchain Chroma store, as a general RAG pipeline would build it (the eval baseline)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    client = chromadb.PersistentClient(path=str(persist_dir), settings=ChromaSettings(anonymized_telemetry=False))
    return Chroma(collection_name=collection, embedding_function=embeddings, client=client)
