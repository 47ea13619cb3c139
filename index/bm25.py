"""A BM25 index over jieba tokens, with postings in numpy arrays so a query costs only its terms.

`lcut_for_search` also emits the sub-words of long words (公开申请 -> 公开, 申请), which finds
more on reworded questions than `lcut`. Saved next to the other stores and replaced atomically.
"""
from __future__ import annotations

import logging
import math
import os
import pickle
import re
from collections import Counter
from pathlib import Path

import numpy as np

_TOKEN_OK = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_jieba = None


def tokenize(text: str) -> list[str]:
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba = jieba
    return [t for t in _jieba.lcut_for_search(text) if t.strip() and _TOKEN_OK.search(t)]


class BM25Index:
    def __init__(self, k1: float = 1.5, b: float = 0.75):
        self.k1, self.b = k1, b
        self.doc_ids: list[str] = []
        self.report_of: np.ndarray = np.zeros(0, dtype=np.int32)
        self.report_names: list[str] = []
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.doc_len = np.zeros(0, dtype=np.float32)
        self.generation = -1

    @classmethod
    def build(cls, docs: list[tuple[str, str, list[str]]], generation: int) -> BM25Index:
        """docs: (chunk_id, report_id, tokens)."""
        idx = cls()
        idx.generation = generation
        report_index: dict[str, int] = {}
        acc: dict[str, tuple[list[int], list[int]]] = {}
        lens, reports = [], []
        for n, (chunk_id, report_id, tokens) in enumerate(docs):
            idx.doc_ids.append(chunk_id)
            reports.append(report_index.setdefault(report_id, len(report_index)))
            lens.append(len(tokens))
            for tok, tf in Counter(tokens).items():
                d, f = acc.setdefault(tok, ([], []))
                d.append(n)
                f.append(tf)
        idx.report_names = list(report_index)
        idx.report_of = np.asarray(reports, dtype=np.int32)
        idx.doc_len = np.asarray(lens, dtype=np.float32)
        idx.postings = {t: (np.asarray(d, dtype=np.int32), np.asarray(f, dtype=np.float32)) for t, (d, f) in acc.items()}
        return idx

    def search(self, query_tokens: list[str], k: int = 20, report_ids: set[str] | None = None) -> list[tuple[str, float]]:
        n = len(self.doc_ids)
        if n == 0:
            return []
        avgdl = float(self.doc_len.mean()) or 1.0
        scores = np.zeros(n, dtype=np.float32)
        for tok in set(query_tokens):
            post = self.postings.get(tok)
            if post is None:
                continue
            docs, tf = post
            idf = math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5))
            denom = tf + self.k1 * (1 - self.b + self.b * self.doc_len[docs] / avgdl)
            scores[docs] += idf * tf * (self.k1 + 1) / denom
        if report_ids is not None:
            allowed = np.array([r in report_ids for r in self.report_names], dtype=bool)
            scores[~allowed[self.report_of]] = 0.0
        top = np.argsort(-scores)[:k]
        return [(self.doc_ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(self, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        stamp = path.with_suffix(".generation")          # written after the index: never ahead of it
        stamp_tmp = stamp.with_suffix(".gtmp")
        stamp_tmp.write_text(str(self.generation))
        os.replace(stamp_tmp, stamp)

    @staticmethod
    def saved_generation(path: Path) -> int | None:
        """The generation of the saved index, read without loading it."""
        try:
            return int(path.with_suffix(".generation").read_text())
        except (OSError, ValueError):
            return None

    @staticmethod
    def load(path: Path) -> BM25Index | None:
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            return None
