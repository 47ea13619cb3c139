"""The reports tab as HTML: the list with every failed check in full, and one report in detail (its
tables as grids with the cells of failed checks highlighted). All report text is escaped."""
from __future__ import annotations

import html
import re

from .originals import file_url

e = html.escape

# the parser's warnings (English, for logs and the CLI) as people on the reports tab read them
_WARNINGS_ZH = [
    (re.compile(r"no national report template recognised"), "未识别出全国统一的年报模板表格：表格只按普通表格读取"),
    (re.compile(r"rows were placed by template order and the table's own checks fail"),
     "表三：行按模板顺序对应，且表内校验未通过，单元格位置不确定"),
    (re.compile(r"agency not recognised"), "未能从内容中识别出单位名称"),
    (re.compile(r"report year not recognised"), "未能从内容中识别出报告年份"),
    (re.compile(r"表三: (\d+) value rows for the (\d+) rows of the template"),
     "表三：有数值的行{0}行，模板有{1}行；行按标签和模板顺序对应，无标签的行可能错位"),
    (re.compile(r"表三: published labels differ from the template at (.*)"), "表三：以下行的标签与模板不同：{0}"),
    (re.compile(r"表三: row (.*) has (\d+) of 7 values"), "表三：“{0}”行只有{1}个数值（共7个），按从左到右对应"),
    (re.compile(r"^(.*?): row (.*?): digit run “([^”]*)” is not pinned down"),
     "{0}“{1}”行：数字连在一起（{2}），按模板的校验规则拆不出唯一结果，这一行没有读取"),
    (re.compile(r"^(表.): no reading of the digit runs satisfies every rule"),
     "{0}：连在一起的数字没有一种拆法能通过表上全部校验，只读取了其余规则能确定的数字"),
]
_TECHNICAL = re.compile(r"[A-Za-z]{3,}")



def warning_zh(text: str) -> str:
    """One short sentence in Chinese for staff; a note the list does not know, said plainly (its
    technical text is behind 详情)."""
    for pattern, zh in _WARNINGS_ZH:
        m = pattern.search(text)
        if m:
            return zh.format(*m.groups())
    if _TECHNICAL.search(text):
        return "解析时有一条技术说明（见“详情”）"
    return text


def check_text(c: dict) -> str:
    return f"{c['table_title']}：{c['rule']}（应为{c['expected']}，表中为{c['found']}）"


def reports_html(facts, reports: list[dict]) -> str:
    from ..crossyear import cross_year_checks

    failed: dict[str, list[str]] = {}
    for c in facts.checks():
        if c["passed"] is False:
            failed.setdefault(c["report_id"], []).append(check_text(c))
    for c in cross_year_checks(facts):
        if c["passed"] is False:
            failed.setdefault(c["reports"][-1], []).append(f"跨年度：{c['rule']}（应为{c['expected']}，实为{c['found']}）")
    if not reports:
        return "<div class='ra-reports'><p>还没有收录任何报告。</p></div>"
    cards = []
    for r in reports:
        bad = failed.get(r["report_id"], [])
        checks = ("<span class='ra-ok'>校验全部通过</span>" if not bad else
                  f"<span class='bad ra-bad'>{len(bad)}项校验未通过：</span><ul>"
                  + "".join(f"<li>{e(x)}</li>" for x in bad) + "</ul>")
        notes = "".join(f"<li>{e(warning_zh(w))}</li>" for w in r.get("warnings") or [])
        tech = "".join(f"<li><code>{e(w)}</code></li>" for w in r.get("warnings") or [])
        cards.append(
            f"<li class='ra-rcard'><div class='ra-rhead'><strong>{e(r['agency'] or '单位不详')}</strong>"
            f" · {r['year'] or '年份不详'}年 · <a href='{e(file_url(r))}' target='_blank' rel='noopener'>打开原文</a></div>"
            f"<div class='ra-rtitle'>{e(r['title'] or '')}</div>"
            f"<div>表格：{e(cells_read_zh(r.get('reading') or []))}</div>"
            f"<div>校验：{checks}</div>"
            + (f"<div>说明：<ul>{notes}</ul></div>" if notes else "")
            + f"<details class='ra-dev'><summary>详情</summary><div>文件：{e(r['source'] or '')}（{e(r.get('format') or '')}）</div>"
              f"<div>读取方式：{e(cells_read(r.get('reading') or []))}</div>"
              + (f"<div>解析记录：<ul>{tech}</ul></div>" if tech else "") + "</details></li>")
    return ("<div class='ra-reports'><h3 class='ra-rcaption'>已收录的报告（共" + str(len(reports)) + "份）</h3>"
            "<ul class='ra-rlist'>" + "".join(cards) + "</ul></div>")


def cells_read_zh(tables: list[dict]) -> str:
    """"读出331个单元格（模板共341个）；10个没有读取": for staff, without the parser's layout words."""
    if not tables:
        return "没有识别出年报模板的统计表格"
    read, expected = sum(t["read"] for t in tables), sum(t["expected"] for t in tables)
    unread = sum(t.get("unread") or 0 for t in tables)
    return f"读出{read}个单元格（模板共{expected}个）" + (f"；{unread}个没有读取，原因见说明" if unread else "")


def cells_read(tables: list[dict]) -> str:
    """"331/341 单元格（runs-split 320，words 11）": table cells read against the template's, and how."""
    if not tables:
        return "无模板表格"
    read, expected = sum(t["read"] for t in tables), sum(t["expected"] for t in tables)
    layouts: dict[str, int] = {}
    for t in tables:
        for k, v in t["layouts"].items():
            layouts[k] = layouts.get(k, 0) + v
    return f"{read}/{expected} 单元格（" + "，".join(f"{k} {v}" for k, v in layouts.items()) + "）"


def _cell_key(row: str | None, col: str | None) -> str:
    return f"{row or ''} | {col or ''}"


def report_detail_html(facts, report_id: str) -> str:
    """One report: its metadata, failed checks, and each table with the cells of failed checks marked."""
    r = facts.report(report_id)
    if r is None:
        return "<p>没有这份报告。</p>"
    checks = facts.checks([report_id])
    bad_cells: dict[str, set[str]] = {}
    for c in checks:
        if c["passed"] is False:
            bad_cells.setdefault(c["table_title"], set()).update(c["cells"])
    out = [f"<div class='ra-reports'><h3>{e(r['agency'] or '单位不详')} · {r['year'] or '年份不详'}年</h3>"
           f"<p>{e(r['title'] or '')}　<a href='{e(file_url(r))}' target='_blank' rel='noopener'>打开原文</a></p>"]
    failed = [c for c in checks if c["passed"] is False]
    out.append(f"<p>校验：共{len(checks)}项，{len(failed)}项未通过。</p>")
    if failed:
        out.append("<ul>" + "".join(f"<li class='bad'>未通过：{e(check_text(c))}</li>" for c in failed) + "</ul>")
    tables: dict[str, list[dict]] = {}
    for f in facts.facts([report_id]):
        if f["kind"] == "cell":
            tables.setdefault(f["table_title"], []).append(f)
    for title, cells in tables.items():
        rows: list[str | None] = []
        cols: list[str | None] = []
        value: dict[tuple, str] = {}
        for f in cells:
            if f["row_label"] not in rows:
                rows.append(f["row_label"])
            if f["col_label"] not in cols:
                cols.append(f["col_label"])
            value[(f["row_label"], f["col_label"])] = f["value"]
        marked = bad_cells.get(title, set())
        head = "".join(f"<th scope='col'>{'<br>'.join(e(p) for p in (c or '').split(' / '))}</th>" for c in cols)
        body = []
        for row in rows:
            tds = []
            for col in cols:
                v = value.get((row, col))
                cls = " class='failed' title='这一格所在的校验未通过'" if _cell_key(row, col) in marked else ""
                tds.append(f"<td{cls}>{e(v) if v is not None else '（空）'}</td>")
            body.append(f"<tr><th scope='row'>{e(row or '—')}</th>{''.join(tds)}</tr>")
        flag = "（有未通过的校验）" if marked else ""
        out.append(f"<h4>{e(title)}{flag}</h4><div class='ra-grid' tabindex='0' role='region' aria-label='{e(title)}'>"
                   f"<table><tr><th scope='col'>行</th>{head}</tr>{''.join(body)}</table></div>")
    out.append("</div>")
    return "".join(out)
