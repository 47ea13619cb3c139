"""Scoring how well a fact's labels or a sentence match the metric a question asks about.

Character bigrams weighted by inverse document frequency over the corpus's labels: words every
label shares (政府, 信息, 公开) weigh little, distinctive ones (国家秘密, 行政许可) decide.
"""
from __future__ import annotations

import math
import re
from collections import Counter

_NON_CJK = re.compile(r"[^\u4e00-\u9fffA-Za-z]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _unspace(text: str) -> str:
    """Characters spaced out one by one ("主 动 公 开", OCR or PDF layout) read as one word;
    spaces between words ("公开申请 收到") stay word boundaries."""
    tokens = text.split()
    if len(tokens) < 2:
        return text
    out = tokens[0]
    for prev, tok in zip(tokens, tokens[1:]):
        joined = (len(prev) == 1 or len(tok) == 1) and _CJK.match(prev[-1]) and _CJK.match(tok[0])
        out += ("" if joined else " ") + tok
    return out


# Words a question and a report use for the same comparison with the year before ("比上一年少了" /
# "较去年回落"): each read as one spelling before pairs are made, on both sides.
_SAME_WORDS = [(re.compile(p), w) for p, w in (
    (r"上一年度?|上年度|前一年|上年(?!结转)", "去年"), (r"同比|比去年|较去年|与去年相比", "较去年"),
    (r"回落|下降|减少|少了", "减少"), (r"增长|上升|增加|多了", "增加"))]


def same_words(text: str) -> str:
    for pattern, word in _SAME_WORDS:
        text = pattern.sub(word, text)
    return text


def grams(text: str) -> set[str]:
    """CJK bigrams within each run of letters (digits and punctuation break runs)."""
    out: set[str] = set()
    for seg in _NON_CJK.split(_unspace(same_words(text or ""))):
        if len(seg) == 1:
            out.add(seg)
        out.update(seg[i:i + 2] for i in range(len(seg) - 1))
    return out


def bridged(text: str) -> set[str]:
    """grams(text) and the pairs across each gap between its words ("刊登 政府" also gives 登政): the
    subject's words were split where filler words stood ("刊登了政府"), while a report's label runs them
    together ("刊登政府规章"); used where a label's coverage by the question is measured."""
    out = grams(text)
    tokens = [t for t in _NON_CJK.split(_unspace(text or "")) if t]
    out.update(a[-1] + b[0] for a, b in zip(tokens, tokens[1:]))
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
