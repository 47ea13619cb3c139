"""Similarity where words run out: the nearest figures for a question nothing answered.

When no route found a figure and nothing narrowed the question, the refusal still offers what is
close, as candidates (cited like figures, never the answer):
- the figures the report states whose labels share words with the question, at a lower threshold
  than an answer needs;
- the template row whose meaning is nearest by the project's own embedder: every row's published
  label and the words people use for it are embedded once per process (through the embedding
  cache, so once per machine) and the question's subject is compared with them.

No candidate is promoted to an answer. Measured with the bundled embedder (multilingual-e5-small,
4-bit) on 14 probe subjects: the right row won only where it led the second by 0.02 or more
(信访类申请不处理 0.929 vs 0.897), while wrong rows won at cosines up to 0.914 ("还没办完的申请" ->
补正后申请内容仍不明确 0.914 vs 0.896). No cut-off gave the right row without also giving wrong ones,
so similarity only chooses what is offered (a row must lead by MIN_MARGIN at MIN_SIMILARITY), and a
figure chosen by similarity is never stated as the answer.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import replace

import numpy as np

from .cell_answers import answer_cells
from .citations import AnswerBuilder
from .understand.concepts import model
from .understand.reader import Metric

log = logging.getLogger(__name__)

NEAR_THRESHOLD = 0.3          # stated figures offered (an answer needs stated.FIGURE_THRESHOLD)
MIN_SIMILARITY = 0.88         # e5 cosine below which a template row is not offered
MIN_MARGIN = 0.02             # ...nor one that does not lead the next row by this much
MAX_SCOPE = 3                 # candidates only for a question about a few reports
LIMIT = 3

_rows_lock = threading.Lock()
_rows: tuple[list, np.ndarray] | None = None


def _row_vectors(embeddings) -> tuple[list, np.ndarray]:
    """The template rows (table, concept) and their unit vectors, embedded once."""
    global _rows
    with _rows_lock:
        if _rows is None:
            rows = [c for c in model().all_concepts() if c.dim == "rows" and (c.labels or c.parts)]
            texts = [f"{c.plain} {' '.join(w.replace('…', '') for w in c.words[:8])}" for c in rows]
            vecs = np.asarray(embeddings.embed_documents(texts), dtype=np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-9
            _rows = (rows, vecs)
        return _rows


def nearest_rows(embeddings, subject: str, k: int = 1) -> list[tuple[object, float]]:
    """Template rows nearest in meaning to `subject`, with their cosine similarity."""
    rows, vecs = _row_vectors(embeddings)
    q = np.asarray(embeddings.embed_query(subject), dtype=np.float32)
    q /= np.linalg.norm(q) + 1e-9
    sims = vecs @ q
    order = np.argsort(-sims)[:k]
    return [(rows[i], float(sims[i])) for i in order]


def nearest_figures(ev, q, reports: list[dict]) -> dict | None:
    """An answer-shaped dict of the nearest figures (figures + citations), or None."""
    if not reports or len(reports) > MAX_SCOPE or not (q.wants_figure or q.metrics) or not q.metric.strip():
        return None
    b = AnswerBuilder(q)
    by_report = {r["report_id"]: r for r in reports}
    ranked = ev.stated.ranked(q.metric, q.text, reports, threshold=NEAR_THRESHOLD)
    near = sorted((s for lst in ranked.values() for s in lst), key=lambda s: -s.score)[:LIMIT - 1]
    for s in near:
        fact = ev.stated.widened(s.fact)
        b.figure(fact, b.cite_fact(fact, by_report[fact["report_id"]]))
    figures, citations = list(b.figures), list(b.citations)
    row = _nearest_row(ev, q)
    if row is not None:
        spec = model().tables[row.table]
        column = spec.concepts.get(spec.default_column) if spec.default_column else None
        cells = answer_cells(ev, replace(q, metrics=[Metric(row.table, row, column)]), reports, [])
        if cells and cells.get("figures"):
            shift = len(citations)
            citations += [{**c, "id": c["id"] + shift} for c in cells["citations"]]
            for f in cells["figures"][:1]:
                # every source id moves with the citations (a computed cell cites several)
                ids = [i + shift for i in (f.get("citations") or [f.get("citation")]) if i is not None]
                if ids:
                    figures.append({**f, "citation": ids[0], "citations": ids})
    return {"figures": figures, "citations": citations} if figures else None


def _nearest_row(ev, q):
    try:
        retriever = ev.retriever()
        embeddings = getattr(retriever, "embeddings", None)
        if embeddings is None:
            return None
        (row, sim), (_, second) = nearest_rows(embeddings, q.metric, k=2)
    except Exception as exc:        # no vector store, no embedder: the stated figures still stand
        log.warning("nearest template row unavailable: %s", exc)
        return None
    return row if sim >= MIN_SIMILARITY and sim - second >= MIN_MARGIN else None
