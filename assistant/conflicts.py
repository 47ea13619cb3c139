"""Warnings for answers that cite a report whose agency and year another report also covers.

Two reports of one agency and year (the same report saved twice, once edited; a draft and the
final) may give different figures. The answer cites the one it used; this says the other exists
and which figures differ, so nobody takes one source for the only one.
"""
from __future__ import annotations

MAX_SHOWN = 3


def conflict_warnings(store, report_ids) -> list[str]:
    """One warning (Chinese) per group of same-agency, same-year reports that touches `report_ids`."""
    ids = set(report_ids or ())
    if not ids:
        return []
    out = []
    for g in store.conflicting_reports(ids):
        names = "、".join(f"{r['source']}（{r['report_id']}）" for r in g["reports"])
        who = f"{g['agency']}{g['year']}年"
        diff = g["differing"]
        if diff:
            order = [r["report_id"] for r in g["reports"]]
            shown = "；".join(
                f"{' / '.join(x for x in (d['table'], d['row'], d['column']) if x)}："
                + " 与 ".join(d["values"][rid] for rid in order if rid in d["values"])
                for d in diff[:MAX_SHOWN])
            more = f"等{len(diff)}项" if len(diff) > MAX_SHOWN else ""
            detail = f"其中数字不一致：{shown}{more}；每个数字以所注引用的报告为准"
        else:
            detail = "所引数字在这几份报告中相同"
        out.append(f"{who}有{len(g['reports'])}份报告：{names}；{detail}")
    return out
