"""Hybrid retrieval: metadata filter first, then BM25 and dense candidates fused by reciprocal rank.

The lexical side is the fact store's own full-text index (FTS5 bm25() in SQLite, ts_rank_cd in
PostgreSQL) over the chunks' jieba tokens; nothing is loaded into this process."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from index.bm25 import tokenize
from index.errors import IndexStoreError
from index.fact_store import FactStore
from index.vector_store import PARAGRAPH_MEANING

log = logging.getLogger(__name__)

RRF_K = 60
EXACT_PARAGRAPHS = 5000     # a filter to at most this many paragraphs is scored exactly, not searched


@dataclass
class Hit:
    chunk: dict
    score: float
    bm25_rank: int | None
    dense_rank: int | None


class Retriever:
    def __init__(self, facts: FactStore, vectors, embeddings):
        self.facts = facts
        self.vectors = vectors          # the store, or a callable returning the current store
        self.embeddings = embeddings

    def search(self, query: str, report_ids: list[str] | None = None, k: int = 8, candidates: int = 30,
               kinds: set[str] | None = None) -> list[Hit]:
        ids = None if report_ids is None else sorted(set(report_ids))
        if ids == []:
            return []
        lexical = self.facts.lexical_search(tokenize(query), k=candidates, report_ids=ids)
        chunks = self.facts.chunks([cid for cid, _ in lexical])
        store = self.vectors() if callable(self.vectors) and not hasattr(self.vectors, "search") else self.vectors
        try:
            dense = self._dense(store, query, ids, candidates, kinds, chunks)
        except IndexStoreError as exc:      # keyword evidence still answers; never a failed request
            log.warning("dense retrieval unavailable, using BM25 only: %s", exc)
            dense = []
        fused: dict[str, list] = {}
        for rank, (cid, _) in enumerate(lexical):
            fused.setdefault(cid, [0.0, None, None])
            fused[cid][0] += 1.0 / (RRF_K + rank + 1)
            fused[cid][1] = rank
        for rank, cids in enumerate(dense):         # a row meaning's rows share its rank
            for cid in cids:
                fused.setdefault(cid, [0.0, None, None])
                fused[cid][0] += 1.0 / (RRF_K + rank + 1)
                fused[cid][2] = rank
        chunks |= self.facts.chunks([cid for cid in fused if cid not in chunks])   # only committed chunks exist
        hits = [Hit(chunk=chunks[cid], score=s, bm25_rank=b, dense_rank=d)
                for cid, (s, b, d) in fused.items() if cid in chunks
                and (kinds is None or chunks[cid]["kind"] in kinds)]
        hits.sort(key=lambda h: -h.score)
        return hits[:k]

    def _dense(self, store, query: str, ids: list[str] | None, candidates: int, kinds: set[str] | None,
               lexical: dict[str, dict]) -> list[list[str]]:
        """The dense ranking, as chunk ids per rank: a meaning standing for its chunks in the reports
        (the fact store knows which). Paragraphs of a few reports are scored exactly against their
        meanings' vectors; otherwise the vector store's nearest meanings are mapped to the reports'
        chunks: the rows the lexical side found, then others up to `candidates` in all."""
        vector = self.embeddings.embed_query(query)
        items: list[tuple[float, list[str]]] = []
        if kinds is None or "paragraph" in kinds:
            items += self._dense_paragraphs(store, vector, ids, candidates)
        if (kinds is None or "table_row" in kinds) and hasattr(store, "search_meanings"):
            items += self._by_meaning(store.search_meanings(vector, k=candidates), ids, candidates, lexical)
        items.sort(key=lambda x: -x[0])
        return [cids for _, cids in items[:candidates]]

    def _dense_paragraphs(self, store, vector: list[float], ids: list[str] | None,
                          candidates: int) -> list[tuple[float, list[str]]]:
        items: list[tuple[float, list[str]]] = []
        mine = self.facts.paragraph_meanings(ids, EXACT_PARAGRAPHS) if ids is not None else None
        if mine is not None:           # every paragraph of these reports, scored against its meaning
            by_meaning: dict[str, list[str]] = {}
            for cid, m in mine:
                by_meaning.setdefault(m, []).append(cid)
            found = store.vectors_of(list(by_meaning))
            q = np.asarray(vector, dtype=np.float32)
            q /= np.linalg.norm(q) or 1.0
            items = sorted(((float(found[m] @ q), cids) for m, cids in by_meaning.items() if m in found),
                           key=lambda x: -x[0])[:candidates]
        else:        # many reports (or all): the nearest meanings, then their paragraphs in those reports
            items = self._by_meaning(store.search_meanings(vector, k=candidates, kind=PARAGRAPH_MEANING), ids,
                                     candidates, {})
        if self.facts.has_unshared_paragraphs(ids):     # an index built before paragraph meanings
            items += [(sim, [cid]) for cid, sim in store.search(vector, k=candidates, report_ids=ids)]
        return items

    def _by_meaning(self, hits: list[tuple[str, float]], ids: list[str] | None, candidates: int,
                    lexical: dict[str, dict]) -> list[tuple[float, list[str]]]:
        """Nearest meanings -> their chunks in the reports: those the lexical side found first, then
        others, at most `candidates` chunks added in all."""
        found: dict[str, list[str]] = {}
        for cid, c in lexical.items():
            if c.get("meaning"):
                found.setdefault(c["meaning"], []).append(cid)
        items, budget = [], candidates
        for m, sim in hits:
            chunks = list(found.get(m, []))
            if budget > 0:
                more = [cid for _, cid in self.facts.chunks_of_meanings([m], ids, budget + len(chunks))
                        if cid not in chunks][:budget]
                budget -= len(more)
                chunks += more
            if chunks:
                items.append((sim, chunks))
        return items
