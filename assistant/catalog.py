"""An in-memory catalog of what the fact store can answer, rebuilt when the index generation changes.

Table cells share their labels across reports (every report has 行政许可 / 本年处理决定数量), so
the catalog scores each distinct (table, row, column) once and then fetches only the cells of the
best keys. Prose figures are found through an inverted index of label bigrams. This keeps a
question's cost independent of how many reports share the template.
"""
from __future__ import annotations

from array import array
from collections import defaultdict
from functools import lru_cache

import numpy as np

from .understand.matching import Idf, grams, overlap


# how people say a template row ("收到…申请" means the year's new requests, not the carried-over ones)
def _synonyms(row: str | None) -> str:
    """The words people use for a row, from the question model (concepts.yaml), matched by the
    row's published label: what a stored cell is also found by."""
    return _row_words().get((row or "").split(" / ")[-1], "")


@lru_cache(maxsize=1)
def _row_words() -> dict[str, str]:
    from .understand.concepts import model

    out: dict[str, str] = {}
    for c in model().all_concepts():
        if c.dim == "rows":
            for label in c.labels:
                out[label] = " ".join(w.replace("…", "") for w in c.words[:6])
    return out


def cell_full_text(table: str, row: str | None, col: str | None) -> str:
    return f"{table} {row or ''} {col or ''} {_synonyms(row)}"


def cell_key_text(row: str | None, col: str | None) -> str:
    """The cell's own labels (row leaf and column): how much of them the question names."""
    return f"{(row or '').split(' / ')[-1]} {col or ''}"


def _postings(texts: list[str]) -> dict[str, np.ndarray]:
    """Bigram -> the positions of the texts holding it: typed arrays while building and one int32
    array sliced per bigram (Python lists of ints would cost ten times the memory at scale)."""
    ids: dict[str, int] = {}
    gram_of, where = array("i"), array("i")
    for i, text in enumerate(texts):
        for g in grams(text):
            gram_of.append(ids.setdefault(g, len(ids)))
            where.append(i)
    gram_arr = np.frombuffer(gram_of, dtype=np.int32)
    order = np.argsort(gram_arr, kind="stable")
    positions = np.frombuffer(where, dtype=np.int32)[order]
    bounds = np.searchsorted(gram_arr[order], np.arange(len(ids) + 1))
    return {g: positions[bounds[k]:bounds[k + 1]] for g, k in ids.items()}


class FactCatalog:
    def __init__(self, store):
        self.store = store
        self.generation = store.generation()
        self.cell_keys = store.distinct_cell_keys()                 # [(table, row, col)]
        self._cell_grams = [(grams(cell_full_text(*k)), grams(cell_key_text(k[1], k[2])), grams(_synonyms(k[1])))
                            for k in self.cell_keys]
        prose = store.prose_labels()                 # [(fact_id, report_id, label, quote, value, unit, start)]
        self.prose_ids = np.asarray([p[0] for p in prose], dtype=np.int64)
        self.prose_reports = [p[1] for p in prose]
        self.prose_text = [f"{p[2]} {p[3].replace(p[4], ' ')}" for p in prose]
        self.prose_label = [p[2] for p in prose]
        self.prose_unit = [p[5] for p in prose]
        self.prose_value = [p[4] for p in prose]
        self.prose_quote = [p[3] for p in prose]
        self.prose_start = [p[6] for p in prose]            # where the quote stands (a clause may recur)
        self.prose_by_report: dict[str, list[int]] = defaultdict(list)
        for i, rid in enumerate(self.prose_reports):
            self.prose_by_report[rid].append(i)
        self.postings = _postings(self.prose_text)
        self.idf = Idf([cell_full_text(*k) for k in self.cell_keys] + self.prose_text[:20000] or [""])

    def score_cells(self, qg: set[str]) -> list[tuple[float, float, tuple]]:
        """(score, recall, key) for every distinct cell key, best first."""
        out = []
        for key, (full, keyg, syn) in zip(self.cell_keys, self._cell_grams):
            recall = overlap(qg, full, self.idf)
            if recall <= 0:
                continue
            # a synonym the question uses counts for the cell's own labels; one it does not use costs nothing
            score = 0.65 * recall + 0.35 * overlap(keyg | (syn & qg), qg, self.idf)
            if key[2] == "总计":
                score += 0.02
            out.append((score, recall, key))
        out.sort(key=lambda x: -x[0])
        return out

    def prose_candidates(self, qg: set[str], scope: set[str] | None, limit_grams: int = 4) -> list[int]:
        """Catalog positions of prose facts sharing one of the question's rarest bigrams; in a
        scope of a few reports, all their prose facts (cheap, and no rare-gram choice can miss one)."""
        if scope is not None and len(scope) <= 5:
            return sorted(i for rid in scope for i in self.prose_by_report.get(rid, []))
        present = sorted((g for g in qg if g in self.postings), key=lambda g: (-self.idf(g), g))[:limit_grams]
        if not present:
            return []
        idx = np.unique(np.concatenate([self.postings[g] for g in present]))
        if scope is not None:
            idx = [i for i in idx.tolist() if self.prose_reports[i] in scope]
        return list(idx)

    def score_prose(self, qg: set[str], i: int, label_target: set[str] | None = None) -> tuple[float, float]:
        """(score, recall): how much of the question the figure's text holds, and how much of the
        figure's label the question covers (`label_target`: the question's grams with bridges)."""
        full = grams(self.prose_text[i])
        recall = overlap(qg, full, self.idf)
        return 0.65 * recall + 0.35 * overlap(grams(self.prose_label[i]), label_target or qg, self.idf), recall
