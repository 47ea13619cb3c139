"""Two named items ("A比B多多少", "A和B一共"): two stated figures, or a refusal when the report
does not hold both (answering one of them as the whole is a wrong figure)."""
from __future__ import annotations

from ..citations import refusal
from ..stated_answers import answer_two_stated
from .case import Case, Route


def _not_both(c: Case) -> dict:
    a, b = c.reading.subject_parts[:2]
    return refusal(c.q, f"没有在同一份报告中同时找到“{a}”和“{b}”两项数据")


# two items named, but not two template cells: two stated figures may be meant
TWO_STATED_BEFORE_CELLS = Route(
    "two_stated_before_cells", lambda c: c.two_named and len(c.q.metrics) < 2,
    lambda c: answer_two_stated(c.ev, c.q, c.reports))

# two items named, one template cell read: that cell alone would answer a part as the whole
ONE_CELL_FOR_TWO_ITEMS = Route(
    "one_cell_for_two_items", lambda c: c.two_named and len(c.q.metrics) == 1 and not c.one_stated_figure, _not_both)

# two items the text states better than the cells their words also name ("市政府公报里刊登的
# 政府规章规范性文件和部门规范性文件")
TWO_STATED_OVER_CELLS = Route(
    "two_stated_over_cells", lambda c: c.two_named and c.prose_first and len(c.q.metrics) >= 2,
    lambda c: answer_two_stated(c.ev, c.q, c.reports))

TWO_ITEMS_NOT_FOUND = Route(
    "two_items_not_found", lambda c: c.two_named and (not c.q.metrics or c.prose_first) and not c.one_stated_figure,
    _not_both)
