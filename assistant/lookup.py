"""Fact lookup for template metrics: a reader's (table, row, column) concepts -> stored cells.

Stored cells are keyed by the labels their report printed (row and column label paths); the
concepts name the template's labels and their published variants, so one index maps every stored
key to the concepts it stands for, built once per index generation. Groups and complements are
looked up part by part and carry every part's cell, so the arithmetic can cite them all.
"""
from __future__ import annotations

from index.numbers import normalise_label

from .compute import Value, combine
from .understand.concepts import Concept, QuestionModel, model
from .understand.reader import Metric


def _leaf(path: str | None) -> str:
    return normalise_label((path or "").split(" / ")[-1])


class CellIndex:
    """Stored cell keys by (table, row concept, column concept)."""

    def __init__(self, keys: list[tuple], m: QuestionModel | None = None):
        self.m = m or model()
        rows: dict[tuple[str, str], list[str]] = {}
        cols: dict[tuple[str, str], list[str]] = {}
        for c in self.m.all_concepts():
            for label in c.labels:
                (rows if c.dim == "rows" else cols).setdefault((c.table, normalise_label(label)), []).append(c.id)
        self.by_cell: dict[tuple[str, str, str], list[tuple]] = {}
        self.by_row: dict[tuple[str, str], list[tuple]] = {}
        for key in keys:
            table, row, col = key
            for tid, spec in self.m.tables.items():
                if not spec.matches_title(table):
                    continue
                if tid == "t4":
                    parts = (col or "").split(" / ")
                    row_leaf, col_leaf = normalise_label(parts[-2] if len(parts) > 1 else ""), _leaf(col)
                else:
                    row_leaf, col_leaf = _leaf(row), _leaf(col)
                for rid in rows.get((tid, row_leaf), []):
                    self.by_row.setdefault((tid, rid), []).append(key)
                    for cid in cols.get((tid, col_leaf), []):
                        self.by_cell.setdefault((tid, rid, cid), []).append(key)

    def has(self, table: str, row: str) -> bool:
        return (table, row) in self.by_row


class Lookup:
    """Values of template metrics in given reports, read from the fact store."""

    def __init__(self, store, index: CellIndex):
        self.store = store
        self.index = index
        self.m = index.m

    def _cells(self, table: str, row: Concept, col: Concept, scope: set[str]) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for key in self.index.by_cell.get((table, row.id, col.id), []):
            for f in self.store.facts_by_key(key, scope):
                out.setdefault(f["report_id"], f)
        return out

    def values(self, metric: Metric, scope: set[str]) -> dict[str, Value]:
        """Report id -> the metric's value there (reports without the metric are left out).
        With no column named, the value of the row's first column that the report has (callers
        list every column through `row_values`)."""
        if metric.column is None:
            return {rid: cols[0][1] for rid, cols in self.row_values(metric, scope).items() if cols}
        return self._resolve(metric.table, metric.row, metric.column, scope)

    def _resolve(self, table: str, row: Concept, col: Concept, scope: set[str]) -> dict[str, Value]:
        spec = self.m.tables[table]
        if row.labels and col.labels:
            found = {rid: Value.of(f) for rid, f in self._cells(table, row, col, scope).items()}
            # a stored row missing in a report that splits it (（六）其他处理 1-3): sum its parts there
            if row.parts_when_split and len(found) < len(scope):
                rest = scope - set(found)
                found.update(combine([self._resolve(table, spec.concepts[p], col, rest)
                                       for p in row.parts_when_split], "+"))
            return found
        if row.parts or (row.minus and not row.labels):
            parts = [self._resolve(table, spec.concepts[p], col, scope) for p in row.parts or row.minus]
            return combine(parts, "+" if row.parts else "-")
        parts = [self._resolve(table, row, spec.concepts[p], scope) for p in col.parts or col.minus]
        return combine(parts, "+" if col.parts else "-")

    def row_values(self, metric: Metric, scope: set[str]) -> dict[str, list[tuple[Concept, Value]]]:
        """Every column of the metric's row (the question named no column): report -> [(column, value)]."""
        spec = self.m.tables[metric.table]
        out: dict[str, list[tuple[Concept, Value]]] = {}
        for col in spec.concepts.values():
            if col.dim != "columns" or not col.labels:
                continue
            for rid, v in self._resolve(metric.table, metric.row, col, scope).items():
                out.setdefault(rid, []).append((col, v))
        return out
