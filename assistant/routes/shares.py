"""Shares nobody states: the percentage the text states, else computed from cited figures (a listed
part over the total stated before 其中, a cell over its template whole)."""
from __future__ import annotations

from ..breakdown import answer_part_share
from ..cell_answers import answer_share
from ..stated_answers import answer_stated_figure
from .case import Case, Route


def _part_of_stated_total(c: Case) -> dict:
    stated = answer_stated_figure(c.ev, c.q, c.reports, c.missing)
    if stated["grounded"]:
        return stated
    return answer_part_share(c.ev, c.q, c.reports[0]) or stated


def _share_of_a_cell(c: Case) -> dict:
    stated = answer_stated_figure(c.ev, c.q, c.reports, c.missing)
    if stated["grounded"]:
        return stated
    return answer_share(c.ev, c.q, c.reports) or stated


# "249条信息里，政府网站信息占比多少": a listed part over its stated total
PART_OF_STATED_TOTAL = Route(
    "part_of_stated_total",
    lambda c: not c.q.metrics and len(c.reports) == 1 and c.reading is not None and c.reading.operation == "ratio"
    and not c.reading.subject_parts,
    _part_of_stated_total)

SHARE_OF_A_CELL = Route("share_of_a_cell", lambda c: c.asks_rate_of_counts and len(c.reports) == 1, _share_of_a_cell)
