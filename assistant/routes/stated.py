"""Figures the report's text states: a change against the year before, or the figure for the
question's subject."""
from __future__ import annotations

from ..stated_answers import answer_stated_change, answer_stated_figure
from .case import Case, Route
from .cells import over_reports

STATED_CHANGE = Route("stated_change", lambda c: True, lambda c: answer_stated_change(c.ev, c.q, c.reports))

FIGURE = Route(
    "stated_figure", lambda c: c.q.wants_figure or bool(c.q.metrics),
    lambda c: over_reports(c) or answer_stated_figure(c.ev, c.q, c.reports, c.missing))
