"""Warnings an answer carries about what it cites: failed in-report checks of the cited tables,
failed cross-year checks that involve a cited cell, and other reports of the same agency and year."""
from __future__ import annotations

from .citations import report_name
from .conflicts import conflict_warnings
from .crossyear import cross_year_checks


class Consistency:
    def __init__(self, store, reports: list[dict], by_agency: dict[str, list[dict]]):
        """`by_agency`: the same reports by agency (the evidence's own map)."""
        self.store = store
        self.names = {r["report_id"]: f"{report_name(r)}{r['year'] or ''}年报告" for r in reports}
        self._agency = {r["report_id"]: r["agency"] for r in reports}
        self._reports_of = by_agency
        self._cross: dict[str, list[dict]] = {}     # agency -> its failed cross-year checks, once first cited

    def cross_failed(self, report_ids: set[str]) -> list[dict]:
        """Failed cross-year checks of the agencies of these reports (computed per agency when an
        answer first cites it: the whole corpus's cells are never held)."""
        out = []
        for agency in sorted({self._agency.get(rid) for rid in report_ids} - {None}):
            if agency not in self._cross:
                self._cross[agency] = [c for c in cross_year_checks(self.store, self._reports_of.get(agency, []))
                                       if c["passed"] is False]
            out += self._cross[agency]
        return out

    def for_cited(self, cited: list[dict]) -> tuple[list[str], set[int]]:
        """Warnings about the facts an answer cites, and the ids of the cited facts they concern.

        A failed in-report check counts when one of the cells it adds up is a cited cell (the check
        stores its cells as "row | column"): "行政诉讼 / 复议后起诉" failing says nothing of a cited
        行政复议 cell. Other failures of a cited report are listed in the reports tab, not here."""
        keys: dict[tuple[str, str], dict[str, int]] = {}
        for f in cited:
            if f["table_title"]:
                keys.setdefault((f["report_id"], f["table_title"]), {})[
                    f"{f['row_label'] or ''} | {f['col_label'] or ''}"] = f["fact_id"]
        out, concerned = [], set()
        for c in self.store.checks({rid for rid, _ in keys}):
            cells = keys.get((c["report_id"], c["table_title"]))
            if c["passed"] is not False or not cells:
                continue
            hit = {cells[k] for k in c["cells"] if k in cells}
            if hit:
                concerned |= hit
                name = self.names.get(c["report_id"], c["report_id"])
                out.append(f"{name}「{c['table_title']}」一致性校验未通过：{c['rule']}"
                           f"（应为{c['expected']}，表中为{c['found']}）；数字按原文列出")
        ids = {f["fact_id"] for f in cited}
        for c in self.cross_failed({f["report_id"] for f in cited}):
            hit = ids & {x["fact_id"] for x in c["cells"]}
            if hit:
                concerned |= hit
                out.append(f"{c['agency']}跨年度校验未通过：{c['rule']}（应为{c['expected']}，实为{c['found']}）")
        return out + conflict_warnings(self.store, {f["report_id"] for f in cited}), concerned

    def for_passage(self, report_id: str) -> list[str]:
        """A quoted passage cites no cell: only the report's conflicts with another report of the
        same agency and year concern it."""
        return conflict_warnings(self.store, {report_id})
