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
    reports: list[dict]
    names: dict[str, list[str]]            # agency -> aliases, what agency mentions are matched against
    cells: Lookup
    stated: StatedFigures
    checks: Consistency
    retriever: Callable[[], object]        # opens the vector store on first use (wide prose questions only)

    @classmethod
    def build(cls, store, retriever: Callable[[], object]) -> "Evidence":
        generation = store.generation()
        reports = store.reports()
        catalog = FactCatalog(store)
        index = CellIndex(catalog.cell_keys)
        template_keys = {k for keys in index.by_row.values() for k in keys}
        return cls(generation=generation, store=store, reports=reports, names=agency_names(reports),
                   cells=Lookup(store, index), stated=StatedFigures(store, catalog, template_keys),
                   checks=Consistency(store, reports), retriever=retriever)
