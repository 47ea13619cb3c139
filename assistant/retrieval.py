"""Hybrid retrieval: metadata filter first, then BM25 and dense candidates fused by reciprocal rank.

The lexical side is the fact store's own full-text index (FTS5 bm25() in SQLite, ts_rank_cd in
PostgreSQL) over the chunks' jieba tokens; nothing is loaded into this process."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from index.bm25 import tokenize
from index.errors import IndexStoreError
from index.fact_store import FactStore

log = logging.getLogger(__name__)

RRF_K = 60


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
        store = self.vectors() if callable(self.vectors) and not hasattr(self.vectors, "search") else self.vectors
        try:
            dense = self._dense(store, query, ids, candidates, kinds)
        except IndexStoreError as exc:      # keyword evidence still answers; never a failed request
            log.warning("dense retrieval unavailable, using BM25 only: %s", exc)
            dense = []
        fused: dict[str, list] = {}
        for rank, (cid, _) in enumerate(lexical):
            fused.setdefault(cid, [0.0, None, None])
            fused[cid][0] += 1.0 / (RRF_K + rank + 1)
            fused[cid][1] = rank
        for rank, (cid, _) in enumerate(dense):
            fused.setdefault(cid, [0.0, None, None])
            fused[cid][0] += 1.0 / (RRF_K + rank + 1)
            fused[cid][2] = rank
        chunks = self.facts.chunks(list(fused))     # only committed chunks exist here
        hits = [Hit(chunk=chunks[cid], score=s, bm25_rank=b, dense_rank=d)
                for cid, (s, b, d) in fused.items() if cid in chunks
                and (kinds is None or chunks[cid]["kind"] in kinds)]
        hits.sort(key=lambda h: -h.score)
        return hits[:k]

    def _dense(self, store, query: str, ids: list[str] | None, candidates: int,
               kinds: set[str] | None) -> list[tuple[str, float]]:
        """Paragraphs of the reports (filtered in the vector store), and table rows through their
        meaning: the nearest row meanings, then the rows of those meanings in the reports (the fact
        store knows which), each row ranked by its meaning's similarity."""
        vector = self.embeddings.embed_query(query)
        dense = store.search(vector, k=candidates, report_ids=ids) if kinds is None or "paragraph" in kinds else []
        if (kinds is None or "table_row" in kinds) and hasattr(store, "search_meanings"):
            meanings = dict(store.search_meanings(vector, k=candidates))
            rows = self.facts.chunks_of_meanings(list(meanings), ids, candidates)
            dense += [(cid, meanings[m]) for m, cid in rows]
            dense.sort(key=lambda x: -x[1])
        return dense[:candidates]
