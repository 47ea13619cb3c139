"""What the reports say in words: the best passages, each cited.

Two routes: a question that asks for words and no number ("依申请公开是怎么办理的", "收费了吗") is
answered by a passage that says most of it before any table cell is tried (a cell named by one of its
words, 收费 -> 行政事业性收费, answers another question); every other question reaches the passages
last, when no figure route answered.
"""
from __future__ import annotations

from ..passages import answer_passage, asks_words
from .case import Route

WORDS_FIRST = Route("passage_for_words", lambda c: asks_words(c.q),
                    lambda c: answer_passage(c.ev, c.q, c.reports, strict=True, meaning=c.meaning))
PASSAGE = Route("passage", lambda c: True, lambda c: answer_passage(c.ev, c.q, c.reports, meaning=c.meaning))
