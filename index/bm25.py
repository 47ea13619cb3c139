"""The lexical tokens: jieba's search-mode words, the terms of the fact store's full-text index.

`lcut_for_search` also emits the sub-words of long words (公开申请 -> 公开, 申请), which finds
more on reworded questions than `lcut`. The index itself lives in the fact store (FTS5 bm25() in
SQLite, a tsvector and ts_rank_cd in PostgreSQL), written with the report's facts.
"""
from __future__ import annotations

import logging
import re

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
