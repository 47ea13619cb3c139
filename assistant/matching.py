"""Scoring how well a fact's labels or a sentence match the metric a question asks about.

Character bigrams weighted by inverse document frequency over the corpus's labels: words every
label shares (政府, 信息, 公开) weigh little, distinctive ones (国家秘密, 行政许可) decide.
"""
from __future__ import annotations

import math
import re
from collections import Counter

_NON_CJK = re.compile(r"[^\u4e00-\u9fffA-Za-z]+")
_SPACED = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


def grams(text: str) -> set[str]:
    """CJK bigrams within each run of letters (digits and punctuation break runs)."""
    out: set[str] = set()
    text = _SPACED.sub("", text or "")          # "主 动 公 开" (OCR, PDF layout) reads as "主动公开"
    for seg in _NON_CJK.split(text):
        if len(seg) == 1:
            out.add(seg)
        out.update(seg[i:i + 2] for i in range(len(seg) - 1))
    return out


class Idf:
    def __init__(self, texts: list[str]):
        df: Counter = Counter()
        for t in texts:
            df.update(grams(t))
        self.n = max(1, len(texts))
        self.df = df

    def __call__(self, g: str) -> float:
        return math.log(1 + self.n / (1 + self.df.get(g, 0)))

    def weight(self, gs: set[str]) -> float:
        return sum(self(g) for g in gs)


def overlap(query: set[str], target: set[str], idf: Idf) -> float:
    total = idf.weight(query)
    return idf.weight(query & target) / total if total else 0.0
