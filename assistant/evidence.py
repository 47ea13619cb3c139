"""What answers are looked up in, built once per index generation: the reports, the template-cell
lookup, the stated-figure lookup and the consistency warnings. Answer modules receive it; none of
them reaches back into the answerer."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .catalog import FactCatalog
from .consistency import Consistency
from .lookup import CellIndex, Lookup
from .understand.question import agency_names
from .stated import StatedFigures


@dataclass
class Evidence:
    generation: int
    store: object
    reports: list[dict]                    # without their per-table reading (`read_templates` instead)
    by_agency: dict[str, list[dict]]       # the same reports by agency: a question's scope is a lookup
    years: list[int]                       # the years the reports have, sorted
    order: dict[str, int]                  # report id -> its position in `reports`
    names: dict[str, list[str]]            # agency -> aliases, what agency mentions are matched against
    cells: Lookup
    stated: StatedFigures
    checks: Consistency
    retriever: Callable[[], object]        # opens the vector store on first use (wide prose questions only)

    def reports_of(self, agencies) -> list[dict]:
        """The reports of these agencies, in the order of `reports` (by agency, then year)."""
        return sorted((r for a in set(agencies) for r in self.by_agency.get(a, [])),
                      key=lambda r: self.order[r["report_id"]])

    @classmethod
    def build(cls, store, retriever: Callable[[], object]) -> "Evidence":
        generation = store.generation()
        reports = store.report_list()
        by_agency: dict[str, list[dict]] = {}
        for r in reports:
            by_agency.setdefault(r["agency"], []).append(r)
        catalog = FactCatalog(store)
        index = CellIndex(catalog.cell_keys)
        template_keys = {k for keys in index.by_row.values() for k in keys}
        return cls(generation=generation, store=store, reports=reports, by_agency=by_agency,
                   years=sorted({r["year"] for r in reports if r.get("year")}),
                   order={r["report_id"]: i for i, r in enumerate(reports)},
                   names=agency_names(reports), cells=Lookup(store, index),
                   stated=StatedFigures(store, catalog, template_keys), checks=Consistency(store, reports, by_agency),
                   retriever=retriever)
