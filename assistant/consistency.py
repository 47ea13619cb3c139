"""Warnings an answer carries about what it cites: failed in-report checks of the cited tables,
failed cross-year checks that involve a cited cell, and other reports of the same agency and year."""
from __future__ import annotations

from .citations import report_name
from .conflicts import conflict_warnings
from .crossyear import cross_year_checks


class Consistency:
    def __init__(self, store, reports: list[dict]):
        self.store = store
        self.names = {r["report_id"]: f"{report_name(r)}{r['year'] or ''}年报告" for r in reports}
        self.cross_failed = [c for c in cross_year_checks(store) if c["passed"] is False]

    def for_cited(self, cited: list[dict]) -> list[str]:
        """Warnings for the facts an answer cites."""
        out = self.for_reports({f["report_id"] for f in cited}, {f["table_title"] for f in cited if f["table_title"]})
        ids = {f["fact_id"] for f in cited}
        for c in self.cross_failed:
            if ids & {x["fact_id"] for x in c["cells"]}:
                out.append(f"{c['agency']}跨年度校验未通过：{c['rule']}（应为{c['expected']}，实为{c['found']}）")
        return out + conflict_warnings(self.store, {f["report_id"] for f in cited})

    def for_reports(self, report_ids: set[str], tables: set[str]) -> list[str]:
        """Failed checks of the cited tables in full; the cited reports' other failures in one line each."""
        out = []
        others: dict[str, int] = {}
        for c in self.store.checks(report_ids):
            if c["passed"] is not False:
                continue
            name = self.names.get(c["report_id"], c["report_id"])
            if c["table_title"] in tables:
                out.append(f"{name}「{c['table_title']}」一致性校验未通过：{c['rule']}"
                           f"（应为{c['expected']}，表中为{c['found']}）；数字按原文列出")
            else:
                others[name] = others.get(name, 0) + 1
        out += [f"{name}另有{n}项表格一致性校验未通过（见报告详情）" for name, n in others.items()]
        if not tables:      # a passage answer: the conflicts of its report (cited cells add theirs in for_cited)
            out += conflict_warnings(self.store, report_ids)
        return out
