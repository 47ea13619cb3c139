"""Questions over many reports, answered from the fact store: rankings, totals and averages, trends,
comparisons. Every contributing cell is cited; the answer states its scope (which reports counted,
which had the metric blank or missing), so a total is never silently partial."""
from __future__ import annotations

import re

from index.numbers import format_number, normalise_label
from index.templates import item_row

from .citations import AnswerBuilder, empty_cell_text, refusal, report_name
from .compose import add_figure, metric_words, unit_of, value_sentence
from .compute import Value
from .evidence import Evidence
from .understand.matching import grams
from .understand.question import Question
from .stated import FIGURE_THRESHOLD, MIN_RECALL

MAX_LISTED = 10


class Pick:
    """A chosen cell, shaped like the answerer's scored facts."""

    def __init__(self, fact: dict):
        self.fact = fact


def _canon_row(row: str | None) -> str:
    leaf = (row or "").split(" / ")[-1]
    return item_row(leaf) or normalise_label(row or "")


def metric_facts(ev: Evidence, q: Question, reports: list[dict]) -> tuple[list[dict], str | None]:
    """The cells of the template metric the question names (one cell per report: the same
    (table, row, column) everywhere, so a ranking compares like with like), else the best-matching
    other table cell or prose figure; returns (facts, label)."""
    if q.metrics:
        metric = q.metrics[0]
        values = ev.cells.values(metric, {r["report_id"] for r in reports})
        facts = [v.facts[0] for v in values.values() if not v.computed and v.facts]
        if facts:
            return facts, metric_words(metric)
    scope = {r["report_id"] for r in reports}
    keys = [k for k in ev.stated.catalog.score_cells(grams(q.metric)) if k[0] >= FIGURE_THRESHOLD and k[1] >= MIN_RECALL
            and k[2] not in ev.stated.template_keys]
    if keys:
        top_score, _, top = keys[0]
        group = [k for s, _, k in keys if s >= top_score - 0.05 and k[0] == top[0] and k[2] == top[2]
                 and _canon_row(k[1]) == _canon_row(top[1])]
        facts = [f for k in group for f in ev.store.facts_by_key(k, scope)]
        label = " / ".join(x for x in ((top[1] or top[0]).split(" / ")[-1], top[2]) if x)
        return facts, label
    best = sorted(ev.stated.best(q.metric, q.text, reports).values(), key=lambda s: -s.score)
    if not best:
        return [], q.metric
    # like with like: the same measure as the best match (its unit and its subject), not whatever
    # figure each report has nearest the words ("全年47条" is no 政府网站平台 figure, "90.2%" no count)
    ref = best[0].fact
    same = [s.fact for s in best if s.fact["unit"] == ref["unit"] and _same_subject(s.fact["label"], ref["label"])]
    return same, ref["label"]


def _same_subject(a: str, b: str) -> bool:
    ga, gb = grams(a), grams(b)
    return bool(ga and gb) and len(ga & gb) / min(len(ga), len(gb)) >= 0.6


def _scope_note(reports: list[dict], facts: list[dict]) -> tuple[str, list[str]]:
    with_fact = {f["report_id"] for f in facts}
    empty = [f for f in facts if f["number"] is None]
    missing = [r for r in reports if r["report_id"] not in with_fact]
    names = {r["report_id"]: f"{report_name(r)}{r['year']}年" for r in reports}
    note = f"范围：{len(reports)}份报告，其中{len(facts) - len(empty)}份有数值"
    warnings = []
    for why, group in (("为空白", [f for f in empty if not f.get("note")]),
                       ("无法从原文唯一读出", [f for f in empty if f.get("note")])):
        if group:
            note += f"，{len(group)}份该项{why}（未计入）"
            warnings.append(f"该项{why}、未计入：" + "、".join(names[f["report_id"]] for f in group[:20])
                            + ("等" if len(group) > 20 else ""))
    if missing:
        note += f"，{len(missing)}份未找到同一口径的数字"
        warnings.append("未找到同一口径的数字、未计入（报告可能以其他表述给出）：" + "、".join(names[r["report_id"]] for r in missing[:20])
                        + ("等" if len(missing) > 20 else ""))
    return note + "。", warnings


def _valued(ev: Evidence, q: Question, reports: list[dict]):
    """The metric's cells in these reports and those with a number; a refusal when none has one."""
    facts, label = metric_facts(ev, q, reports)
    valued = [f for f in facts if f["number"] is not None]
    if not valued:
        return None, refusal(q, f"在{len(reports)}份报告中没有找到“{q.metric}”的数值")
    return (facts, label, valued, {r["report_id"]: r for r in reports}), None


RANK_LISTED = 100        # a ranking lists every report up to this many (the first five first)


# the national template's units where a table cell states none: tables 三 and 四 count cases (件);
# in table 二 documents are 件, items of 许可/处罚/收费 项, and a column may name its own (单位：万元)
_TEMPLATE_UNITS = (("收到和处理政府信息公开申请情况", None, "件"), ("行政复议、行政诉讼", None, "件"),
                   (None, "（单位：万元）", "万元"), (None, "件数", "件"), (None, "处理决定数量", "件"),
                   (None, "项目数量", "项"), (None, "本年增/减", "项"), (None, "本年新制作数量", "件"),
                   (None, "本年新公开数量", "件"), (None, "对外公开总数量", "件"))


def figure_unit(f: dict) -> str:
    """The unit of a fact as written, else the template's unit of its cell, else ""."""
    if f.get("unit"):
        return f["unit"]
    if f.get("kind") != "cell":
        return ""
    title, col = f.get("table_title") or "", f.get("col_label") or ""
    for t, c, unit in _TEMPLATE_UNITS:
        if (t is None or t in title) and (c is None or col.endswith(c) or c in col):
            return unit
    return ""


def _unit(f: dict) -> str:
    """The unit a figure line carries ("28件"), unless the value already says it (a percentage)."""
    unit = figure_unit(f)
    return "" if not unit or str(f.get("value") or "").endswith(unit) else unit


def ranking(ev: Evidence, q: Question, reports: list[dict]):
    """Reports ranked by one metric, within each year (figures of different years are not ranked
    against each other); ties share a place."""
    got, refused = _valued(ev, q, reports)
    if refused:
        return refused
    facts, label, valued, by_id = got
    b = AnswerBuilder(q)
    word = "最多" if q.rank_desc else "最少"
    years = sorted({by_id[f["report_id"]]["year"] for f in valued}, key=lambda y: -(y or 0))
    lines = [] if len(years) == 1 else [f"“{label}”按年份分别排名（不同年份的数字不互相比较）："]
    for year in years:
        in_year = [f for f in valued if by_id[f["report_id"]]["year"] == year]
        in_year.sort(key=lambda f: (-f["number"] if q.rank_desc else f["number"], by_id[f["report_id"]]["agency"] or ""))
        shown = in_year[:q.top_n or min(5, len(in_year))]
        tied = [f for f in in_year if f["number"] == shown[0]["number"]]
        lead_ids = [b.cite_fact(f, by_id[f["report_id"]]) for f in tied]
        for f, cid in zip(tied, lead_ids):
            b.figure(f, cid)
        lead = "、".join(report_name(by_id[f["report_id"]]) for f in tied)
        lines.append(f"{year}年“{label}”{word}的是{lead}：{tied[0]['value']}{_unit(tied[0])}"
                     f"{''.join(f'[{i}]' for i in lead_ids)}" + ("（并列）" if len(tied) > 1 else "") + "。")
        order = '从多到少' if q.rank_desc else '从少到多'
        whole = f"前{len(shown)}" if len(shown) == len(in_year) and q.top_n else \
            ("全部" if len(shown) == len(in_year) else f"共{len(in_year)}个，先列前{len(shown)}个")
        lines.append(f"{year}年排名（{order}，{whole}）：")
        for k, f in enumerate(shown, start=1):
            r = by_id[f["report_id"]]
            cid = b.cite_fact(f, r)
            if f not in tied:
                b.figure(f, cid)
            lines.append(f"{k}. {report_name(r)}：{f['value']}{_unit(f)}[{cid}]")
        if not q.top_n:          # a ranking shows all: the rest after the first five, each cited
            rest = in_year[len(shown):RANK_LISTED]
            if rest:
                lines.append("其余：")
            for k, f in enumerate(rest, start=len(shown) + 1):
                r = by_id[f["report_id"]]
                cid = b.cite_fact(f, r)
                b.figure(f, cid)
                lines.append(f"{k}. {report_name(r)}：{f['value']}{_unit(f)}[{cid}]")
            if len(in_year) > RANK_LISTED:
                lines.append(f"（另有{len(in_year) - RANK_LISTED}个单位未列出，可用“只看单位”或在问题中写明单位查看）")
    note, warnings = _scope_note(reports, facts)
    lines.append(note)
    return b.result("\n".join(lines), warnings, checks=ev.checks)


# words that ask for a total over agencies, not the total one report states
_ACROSS_REPORTS = re.compile(r"各单位|所有单位|全部单位|各地|各部门|所有报告|全部报告|这些单位|几个单位|几家|加起来|合计|总和")


def total(ev: Evidence, q: Question, reports: list[dict]):
    got, refused = _valued(ev, q, reports)
    if refused:
        return refused
    facts, label, valued, by_id = got
    if len(valued) == 1 and not q.wants_avg and not q.wants_rank and not _ACROSS_REPORTS.search(q.text):
        return None         # "一共权威发布了多少次" found in one report: that report's figure, not a total of one
    valued.sort(key=lambda f: (by_id[f["report_id"]]["year"] or 0, by_id[f["report_id"]]["agency"] or ""))
    b = AnswerBuilder(q)
    ids = []
    for f in valued:
        cid = b.cite_fact(f, by_id[f["report_id"]])
        b.figure(f, cid)
        ids.append(cid)
    s = sum(f["number"] for f in valued)
    expr = " + ".join(f["value"] for f in valued)
    if q.wants_avg:
        value, kind = format_number(round(s / len(valued), 2)), "平均"
        expr = f"({expr}) / {len(valued)}"
    else:
        value, kind = format_number(s), "合计"
    b.figures.insert(0, {"value": value, "unit": None, "label": f"{label}（{kind}）", "citation": ids[0],
                         "citations": ids, "computed": expr})
    note, warnings = _scope_note(reports, facts)
    shown = "；".join(f"{report_name(by_id[f['report_id']])}{by_id[f['report_id']]['year']}年 {f['value']}[{c}]"
                     for f, c in list(zip(valued, ids))[:MAX_LISTED])
    more = f"（另有{len(valued) - MAX_LISTED}份，见引用）" if len(valued) > MAX_LISTED else ""
    answer = f"“{label}”{kind}为 {value}（由{len(valued)}个单元格计算）。\n{shown}{more}\n{note}"
    return b.result(answer, warnings, checks=ev.checks)


_ASKS_SHAPE = re.compile(r"走势|趋势|变化|怎么变|升降|增减|涨跌|是增是减|增长还是")


def trend(ev: Evidence, q: Question, reports: list[dict], missing_years: list[int]):
    facts, label = metric_facts(ev, q, reports)
    by_id = {r["report_id"]: r for r in reports}
    facts = sorted(facts, key=lambda f: by_id[f["report_id"]]["year"] or 0)
    if not facts:
        return refusal(q, f"在{report_name(reports[0]) if reports else ''}的报告中没有找到“{q.metric}”")
    if len({by_id[f["report_id"]]["year"] for f in facts}) < 2 and _ASKS_SHAPE.search(q.text):
        # one year is no trend ("走势如何"): refused, saying which year the corpus has; a series
        # asked for ("历年…") lists that year with the missing ones named
        r = by_id[facts[0]["report_id"]]
        asked = f"（问题问的是{'、'.join(map(str, sorted(set(missing_years) | {r['year']})))}年）" if missing_years else ""
        return refusal(q, f"语料中只有{report_name(r)}{r['year']}年一份报告有该项数据{asked}，看不出走势；"
                          f"可单独询问{r['year']}年的数字")
    b = AnswerBuilder(q)
    lines = [f"{report_name(by_id[facts[0]['report_id']])}“{label}”历年数据："]
    prev = None
    for f in facts:
        r = by_id[f["report_id"]]
        cid = b.cite_fact(f, r)
        b.figure(f, cid)
        line = f"{r['year']}年：{(f['value'] + _unit(f)) if f['value'] else '（' + empty_cell_text(f) + '）'}[{cid}]"
        if prev and prev[0]["number"] is not None and f["number"] is not None:
            d = f["number"] - prev[0]["number"]
            value = ("+" if d > 0 else "") + format_number(d)
            b.figures.append({"value": value, "unit": None, "label": f"{r['year']}年较{by_id[prev[0]['report_id']]['year']}年变化",
                              "citation": cid, "citations": [prev[1], cid], "computed": f"{f['value']} - {prev[0]['value']}"})
            line += f"，较上年 {value}{_unit(f) if d else ''}"
        lines.append(line)
        prev = (f, cid)
    years = sorted({by_id[f["report_id"]]["year"] for f in facts})
    gaps = sorted(set(range(years[0], years[-1] + 1)) - set(years)) + missing_years
    warnings = []
    if gaps:
        lines.append(f"（语料中缺少{'、'.join(map(str, sorted(set(gaps))))}年的数据）")
        warnings.append(f"缺少{'、'.join(map(str, sorted(set(gaps))))}年的报告或该项数据，相关年份未列出")
    return b.result("\n".join(lines), warnings, checks=ev.checks)


def compare(ev: Evidence, q: Question, reports: list[dict]):
    """Two agencies (same year) or one agency in two years: both values and their difference."""
    by_id = {r["report_id"]: r for r in reports}
    if q.metrics:
        facts, _ = metric_facts(ev, q, reports)
        chosen = [Pick(f) for f in facts]
    else:
        chosen = list(ev.stated.best(q.metric, q.text, reports).values())
    chosen.sort(key=lambda s: (by_id[s.fact["report_id"]]["agency"] or "", by_id[s.fact["report_id"]]["year"] or 0))
    if len(chosen) != 2:
        return None
    b = AnswerBuilder(q)
    ids = []
    lines = []
    # named in the template's plain words only when both figures are that very cell of each report
    cell_ids = {f["fact_id"] for v in ev.cells.values(q.metrics[0], {s.fact["report_id"] for s in chosen}).values()
                for f in v.facts} if q.metrics else set()
    template = bool(q.metrics) and all(s.fact["fact_id"] in cell_ids for s in chosen)
    for s in chosen:
        r = by_id[s.fact["report_id"]]
        cid = b.cite_fact(s.fact, r)
        ids.append(cid)
        if template:        # the template cell in plain words ("…本年新收政府信息公开申请859件")
            add_figure(b, q.metrics[0], Value.of(s.fact), [cid])
            lines.append(value_sentence(q.metrics[0], Value.of(s.fact), r, [cid]))
        else:
            b.figure(s.fact, cid)
            lines.append(b.sentence(s.fact, r, cid))
    a, c = chosen[0].fact, chosen[1].fact
    if a["number"] is None or c["number"] is None:
        gap = next(empty_cell_text(f) for f in (a, c) if f["number"] is None)
        lines.append(f"（其中一项{gap}，无法比较）")
        return b.result("\n".join(lines), [], checks=ev.checks)
    d = a["number"] - c["number"]
    ra, rc = by_id[a["report_id"]], by_id[c["report_id"]]
    name_a = report_name(ra) if ra["agency"] != rc["agency"] else f"{ra['year']}年"
    name_c = report_name(rc) if ra["agency"] != rc["agency"] else f"{rc['year']}年"
    value = format_number(abs(d))
    unit = unit_of(q.metrics[0], Value.of(a)) if template else (a["unit"] or "")
    b.figures.append({"value": value, "unit": unit or None, "label": f"{name_a}与{name_c}之差", "citation": ids[0],
                      "citations": ids, "computed": f"|{a['value']} - {c['value']}|"})
    verdict = "相同" if d == 0 else (f"{name_a}比{name_c}多{value}{unit}" if d > 0 else f"{name_c}比{name_a}多{value}{unit}")
    big, small = (a, c) if d >= 0 else (c, a)      # the expression reads as the verdict does
    lines.append(f"比较：{verdict}（{big['value']} − {small['value']}）{''.join(f'[{i}]' for i in ids)}")
    warnings = []
    if ra["agency"] != rc["agency"] and ra["year"] != rc["year"]:
        # two agencies in two different years: not like with like, and the answer says so
        warnings.append(f"两份报告年份不同（{report_name(ra)}{ra['year']}年，{report_name(rc)}{rc['year']}年），比较仅供参考")
    return b.result("\n".join(lines), warnings, checks=ev.checks)
