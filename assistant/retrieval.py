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
        """The dense ranking, as chunk ids per rank: a paragraph of the reports (filtered in the
        vector store), or a table-row meaning standing for its rows in the reports (the fact store
        knows which): the rows the lexical side found, then others up to `candidates` in all."""
        vector = self.embeddings.embed_query(query)
        items = [(sim, [cid]) for cid, sim in store.search(vector, k=candidates, report_ids=ids)] \
            if kinds is None or "paragraph" in kinds else []
        if (kinds is None or "table_row" in kinds) and hasattr(store, "search_meanings"):
            found: dict[str, list[str]] = {}
            for cid, c in lexical.items():
                if c.get("meaning"):
                    found.setdefault(c["meaning"], []).append(cid)
            budget = candidates
            for m, sim in store.search_meanings(vector, k=candidates):
                rows = list(found.get(m, []))
                if budget > 0:
                    more = [cid for _, cid in self.facts.chunks_of_meanings([m], ids, budget + len(rows))
                            if cid not in rows][:budget]
                    budget -= len(more)
                    rows += more
                if rows:
                    items.append((sim, rows))
        items.sort(key=lambda x: -x[0])
        return [cids for _, cids in items[:candidates]]
