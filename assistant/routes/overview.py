"""A question about a report as a whole ("公开情况怎么样"): its headline figures, each cited."""
from __future__ import annotations

from ..overview import answer_overview
from .case import Route

OVERVIEW = Route(
    "overview", lambda c: c.reading is not None and c.reading.wants_overview and (bool(c.q.agencies) or len(c.reports) == 1),
    lambda c: answer_overview(c.ev, c.q, c.reports))
