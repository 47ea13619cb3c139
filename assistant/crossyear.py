"""Checks between an agency's reports of consecutive years, computed from the fact store.

- last year's 四、结转下年度继续办理 = this year's 二、上年结转政府信息公开申请数量 (per column);
- (2021 template) last year's 现行有效件数 + this year's 本年制发件数 - 本年废止件数 = this year's 现行有效件数.
"""
from __future__ import annotations

from collections import defaultdict

from index.numbers import format_number
from index.templates import ITEM_ROWS, ITEM_TITLES, T3_CARRY_IN, T3_CARRY_OUT, T3_COLUMNS, T3_TITLE

# the template's own labels (index/templates.py defines them once)
CARRY_OUT, CARRY_IN = T3_CARRY_OUT, T3_CARRY_IN
ITEM1 = ITEM_TITLES["一"]
DOC_ROWS = ITEM_ROWS["规范性文件"][1]


def _cells(store, key_filter, report_ids: set[str] | None) -> dict[tuple[str, str, str], dict]:
    out = {}
    for key in key_filter:
        for f in store.facts_by_key(key, report_ids):
            out[(f["report_id"], f["row_label"], f["col_label"])] = f
    return out


def cross_year_checks(store, reports: list[dict] | None = None) -> list[dict]:
    """The checks between consecutive years of each agency, over `reports` (all when None: the
    cells of every report are read, so answering asks only for the agencies an answer cites)."""
    only = None if reports is None else {r["report_id"] for r in reports}
    if only is not None and not only:
        return []
    reports = store.report_list() if reports is None else reports
    by_agency: dict[str, dict[int, dict]] = defaultdict(dict)
    for r in reports:
        if r["agency"] and r["year"]:
            by_agency[r["agency"]][r["year"]] = r
    keys = [(T3_TITLE, row, col) for row in (CARRY_OUT, CARRY_IN) for col in T3_COLUMNS]
    keys += [(ITEM1, row, col) for row in DOC_ROWS for col in ("本年制发件数", "本年废止件数", "现行有效件数")]
    cells = _cells(store, keys, only)
    out = []
    for agency, years in by_agency.items():
        for year in sorted(years):
            prev = years.get(year - 1)
            if not prev:
                continue
            cur = years[year]
            for col in T3_COLUMNS:
                a = cells.get((prev["report_id"], CARRY_OUT, col))
                b = cells.get((cur["report_id"], CARRY_IN, col))
                if a and b:
                    out.append(_check(agency, year, f"{year - 1}年结转下年度 = {year}年上年结转 [{col}]",
                                      [a], b, a["number"], b["number"], prev, cur))
            row = next((r for r in DOC_ROWS if (cur["report_id"], r, "现行有效件数") in cells), None)
            prow = next((r for r in DOC_ROWS if (prev["report_id"], r, "现行有效件数") in cells), None)
            if row and prow:
                pv = cells[(prev["report_id"], prow, "现行有效件数")]
                made = cells.get((cur["report_id"], row, "本年制发件数"))
                gone = cells.get((cur["report_id"], row, "本年废止件数"))
                now = cells[(cur["report_id"], row, "现行有效件数")]
                if made and gone:
                    nums = [pv["number"], made["number"], gone["number"]]
                    expected = None if None in nums else nums[0] + nums[1] - nums[2]
                    out.append(_check(agency, year, f"{year - 1}年现行有效件数 + {year}年制发 - 废止 = {year}年现行有效件数",
                                      [pv, made, gone], now, expected, now["number"], prev, cur))
    return out


def _check(agency, year, rule, inputs, result, expected, found, prev, cur) -> dict:
    passed = None if expected is None or found is None else abs(expected - found) < 1e-9
    return {"agency": agency, "year": year, "table": result["table_title"], "rule": rule,
            "expected": "-" if expected is None else format_number(expected),
            "found": "-" if found is None else format_number(found), "passed": passed,
            "cells": [{"report_id": f["report_id"], "row": f["row_label"], "column": f["col_label"],
                       "value": f["value"], "fact_id": f["fact_id"]} for f in [*inputs, result]],
            "reports": [prev["report_id"], cur["report_id"]]}


def failed_checks_by_agency(store) -> dict[str, list[dict]]:
    """Every failed check, in-report and cross-year, grouped by agency (for `python -m assistant checks`)."""
    names = {r["report_id"]: r for r in store.reports()}
    groups: dict[str, list[dict]] = defaultdict(list)
    for c in store.checks():
        if c["passed"] is False:
            r = names.get(c["report_id"], {})
            groups[r.get("agency") or "?"].append({"year": r.get("year"), "table": c["table_title"], "rule": c["rule"],
                                                   "expected": c["expected"], "found": c["found"], "kind": "in-report"})
    for c in cross_year_checks(store):
        if c["passed"] is False:
            groups[c["agency"]].append({"year": c["year"], "table": c["table"], "rule": c["rule"],
                                        "expected": c["expected"], "found": c["found"], "kind": "cross-year"})
    return {a: sorted(v, key=lambda x: (x["year"] or 0, x["rule"])) for a, v in sorted(groups.items())}
