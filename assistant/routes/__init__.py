"""The answer routes, declared: each answer kind is a module with `when(case)` and `answer(case)`,
and their order is the one list `ROUTES`. `answer.route` runs them in order; the first whose `when`
holds and whose `answer` gives a result answers the turn (an answer may still be None: the kind did
not fit after looking, and the next route is tried).

A `Case` is what every route reads: the evidence of this turn's index generation, the reading of
the question, the reports in scope and the years the question names that the corpus lacks. The
predicates several routes ask (do two stated figures fit, does the text explain the question better
than a cell) are computed once per case.
"""
from __future__ import annotations

from . import cells, guards, overview, passages, shares, stated, two_items
from .case import Case, Route

# The order is the policy: a question that asks for words and no number is answered by a passage
# that says it, when one does; then refusals that protect against a wrong figure first, then the figures the
# text states against the year before, two named items, template cells, shares, stated figures, the
# report's headline figures, and last the passages.
ROUTES: tuple[Route, ...] = (
    passages.WORDS_FIRST,
    guards.ABSENT_KIND,
    guards.COUNTS_ANOTHER_THING,
    guards.UNREAD_EXCEPTION,
    stated.STATED_CHANGE,
    guards.CHANGE_WITHOUT_YEAR,
    guards.CHANGE_WITHOUT_LAST_YEAR,
    two_items.TWO_STATED_BEFORE_CELLS,
    two_items.ONE_CELL_FOR_TWO_ITEMS,
    cells.CELLS,
    two_items.TWO_STATED_OVER_CELLS,
    two_items.TWO_ITEMS_NOT_FOUND,
    shares.PART_OF_STATED_TOTAL,
    shares.SHARE_OF_A_CELL,
    stated.FIGURE,
    overview.OVERVIEW,
    passages.PASSAGE,
)

__all__ = ["Case", "Route", "ROUTES"]
