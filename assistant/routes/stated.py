"""Figures the report's text states: a change against the year before, or the figure for the
question's subject."""
from __future__ import annotations

from ..passages.figures import answer_figure_in_words, better_in_words, does_not_count_what_was_asked
from ..understand.unread import refusal_with_candidates
from ..stated_answers import answer_stated_change, answer_stated_figure
from .case import Case, Route
from .cells import over_reports

STATED_CHANGE = Route("stated_change", lambda c: True, lambda c: answer_stated_change(c.ev, c.q, c.reports))

def _figure(c: Case) -> dict:
    """The stated figure for the question's subject; when no label names it, the figure its text
    states in other words (or the nearest such figures, offered)."""
    res = over_reports(c) or answer_stated_figure(c.ev, c.q, c.reports, c.missing)
    if res["grounded"] and res["figures"] and not c.q.metrics:
        why = does_not_count_what_was_asked(c.ev, c.q, res)
        if why:
            return refusal_with_candidates(res, c.q, [], said=why, listed="找到的数字")
        return better_in_words(c.ev, c.q, c.reports, res) or res
    if res["grounded"] or res.get("candidates") or c.q.metrics:
        return res
    return answer_figure_in_words(c.ev, c.q, c.reports) or res


FIGURE = Route("stated_figure", lambda c: c.q.wants_figure or bool(c.q.metrics), _figure)
