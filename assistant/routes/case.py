"""What a route reads (`Case`) and what a route is (`Route`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

from ..understand.concepts import share_words_re
from ..evidence import Evidence
from ..understand.question import Question


@dataclass
class Case:
    ev: Evidence
    q: Question
    reports: list[dict]            # the reports in scope (agency, years, exclusions applied)
    missing: list[int] = field(default_factory=list)      # years asked that the corpus lacks

    @property
    def reading(self):
        return self.q.reading

    @property
    def two_named(self) -> bool:
        """Two prose items joined by an operation ("征地信息比土地出让信息多多少条")."""
        return bool(self.reading is not None and self.reading.subject_parts)

    @cached_property
    def prose_first(self) -> bool:
        """A stated figure fits the question's own words better than the cells it names."""
        from ..stated_answers import prose_explains

        return bool(self.q.metrics) and (prose_explains(self.ev, self.q, self.reports) or self.asks_rate_of_counts)

    @cached_property
    def one_stated_figure(self) -> bool:
        """One stated figure names both items at once ("主合办人大代表建议和政协提案135件")."""
        from ..stated_answers import one_stated_figure

        return one_stated_figure(self.ev, self.q, self.reports)

    @cached_property
    def meaning(self) -> dict:
        """The paragraphs' meaning ranks for the question (one query embedding per case, shared by
        the two passage routes)."""
        from ..passages.compose import meaning_ranks

        return meaning_ranks(self.ev, self.q, [r["report_id"] for r in self.reports])

    @property
    def asks_rate_of_counts(self) -> bool:
        """"百分之多少" of one count cell: a count cannot answer it; a percentage the report states
        can, or the cell over its template whole."""
        return len(self.q.metrics) == 1 and bool(share_words_re().search(self.q.text))


@dataclass(frozen=True)
class Route:
    name: str
    when: Callable[[Case], bool]
    answer: Callable[[Case], dict | None]
