"""One answer as text staff paste into documents and spreadsheets: the answer with one line per
source, the cited figures as tab-separated rows, and the same as CSV. Plain text only: nothing of the
chat's markup reaches the clipboard."""
from __future__ import annotations

import csv
import io

CSV_HEADER = ["数值", "计量单位", "指标", "计算式", "单位名称", "年份", "来源文件", "章节", "表格", "行", "列", "原文"]
TSV_HEADER = ["数值", "计量单位", "指标", "单位名称", "年份", "出处", "原文"]


def where_text(c: dict) -> str:
    """表/行/列 for a cell, 章节 for a passage."""
    if c.get("table"):
        return "表：" + " / ".join(str(x) for x in (c.get("table"), c.get("row"), c.get("column")) if x)
    if c.get("section"):
        return "章节：" + str(c["section"])
    return ""


def source_line(c: dict) -> str:
    """"[1] 宁波市…局 · 2019年 · 表：… / 行 / 列 · 原文：“…”" (a PDF page when known)."""
    parts = [f"[{c['id']}] {c.get('agency') or '单位不详'}", f"{c['year']}年" if c.get("year") else "年份不详"]
    if where_text(c):
        parts.append(where_text(c))
    if c.get("page"):
        parts.append(f"第{c['page']}页")
    quote = " ".join((c.get("quote") or "").split())
    if quote:
        parts.append(f"原文：“{quote}”")
    return " · ".join(parts)


def answer_text(res: dict) -> str:
    """The answer, then its sources, one line each: what the 复制 button puts on the clipboard."""
    lines = [res.get("answer", "").strip()]
    cites = res.get("citations") or []
    if cites:
        lines += ["", "出处："] + [source_line(c) for c in cites]
    return "\n".join(lines)


def _figure_rows(res: dict) -> list[tuple[dict, dict]]:
    by_id = {c["id"]: c for c in res.get("citations", [])}
    return [(f, by_id.get(f.get("citation"), {})) for f in res.get("figures", [])]


def _cell(x) -> str:
    return " ".join(str(x if x is not None else "").split())


def figures_tsv(res: dict) -> str:
    """The cited figures as tab-separated rows with a header: pastes into a spreadsheet."""
    rows = [TSV_HEADER]
    for f, c in _figure_rows(res):
        label = (f.get("label") or "") + (f"（{f['computed']}）" if f.get("computed") else "")
        rows.append([f.get("value"), f.get("unit"), label, c.get("agency"), c.get("year"),
                     f"[{c['id']}] {where_text(c)}" if c else "", c.get("quote")])
    return "\n".join("\t".join(_cell(x) for x in r) for r in rows)


def figures_csv_text(res: dict) -> str:
    """The cited figures of one answer as CSV (计量单位 is the unit of the figure, 单位名称 the agency)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    for f, c in _figure_rows(res):
        w.writerow([f.get("value"), f.get("unit") or "", f.get("label"), f.get("computed") or "", c.get("agency"),
                    c.get("year"), c.get("source"), c.get("section"), c.get("table") or "", c.get("row") or "",
                    c.get("column") or "", c.get("quote")])
    return out.getvalue()
