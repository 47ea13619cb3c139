"""What the reports say in words: the best passages, each cited (the last route)."""
from __future__ import annotations

from ..passages import answer_passage
from .case import Route

PASSAGE = Route("passage", lambda c: True, lambda c: answer_passage(c.ev, c.q, c.reports))
