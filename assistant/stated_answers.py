"""Answers from what reports state in their text: one stated figure (or a table outside the
templates), two stated figures joined by an operation, or quoted sentences for questions that
ask for words rather than a number."""
from __future__ import annotations

import re

from .citations import AnswerBuilder, refusal, report_name
from .compose import change_line, combine_sentence, metric_words, note_missing_years
from .compute import Value
from .understand.concepts import last_year_re, share_words_re
from .evidence import Evidence
from .understand.matching import same_words
from .understand.question import Question
from .understand.reader import Metric, tokens
from .stated import FIGURE_THRESHOLD, PART_THRESHOLD, head, near

MAX_LISTED = 10
TIE_MARGIN = 0.01         # scores this close are the same reading of the question


def prose_explains(ev: Evidence, q: Question, reports: list[dict]) -> bool:
    """A stated figure fits the question's own words better than the template cell it names
    ("收到群众诉求多少件" is the 诉求 sentence, not the 自然人 applications)."""
    left = _leftover_words(q)
    wants_rate = bool(share_words_re().search(q.text)) or "率" in q.text     # a share, or a rate (公开率)
    if not left and not wants_rate:
        return False
    for s in ev.stated.best(q.metric, q.text, reports, prose_only=True).values():
        if s.score < FIGURE_THRESHOLD:
            continue
        if wants_rate and "%" in (s.fact["value"] + (s.fact["unit"] or "")).replace("％", "%"):
            return True      # a count cell cannot answer "百分之多少"; a stated percentage can
        if any(w in (s.fact["label"] or "") for w in left):
            return True
    return False


def _leftover_words(q: Question) -> list[str]:
    """The question's words no concept explains, each chunk also word by word ("市政府公报刊登" is
    市政府, 公报, 刊登: a label that says 刊登 explains the question)."""
    out = []
    for chunk in (q.reading.leftover.split() if q.reading else []):
        out += [w for w in dict.fromkeys((chunk, *tokens(chunk))) if len(w) >= 2]
    return out


def one_stated_figure(ev: Evidence, q: Question, reports: list[dict]) -> bool:
    """One stated figure names both items at once ("主合办人大代表建议和政协提案135件")."""
    parts = q.reading.subject_parts
    heads = [h for h in (head(p, parts) for p in parts) if h]
    for s in ev.stated.best(q.metric, q.text, reports, prose_only=True).values():
        tail = (s.fact["label"] or "")[-(sum(map(len, heads)) + 6):]   # the subject right before the figure
        if len(heads) == len(parts) and all(near(h, tail) for h in heads) and _joined(tail, heads):
            return True
    return False


def _joined(label: str, heads: list[str]) -> bool:
    """The label lists the items, joined ("人大代表建议和政协提案"): "政务微博公开信息" holds the words
    of "政府网站公开的信息" and "政务微博" but counts only the one."""
    at = sorted(label.rfind(h) for h in heads)
    return all(i >= 0 for i in at) and all(re.search(r"[和及与、跟]|以及", label[a:b]) for a, b in zip(at, at[1:]))


def answer_two_stated(ev: Evidence, q: Question, reports: list[dict], parts: list[str] | None = None) -> dict | None:
    """Two stated figures of one report joined by an operation ("征地信息比土地出让信息多多少条").
    `parts`: the two items, when they are template cells the tables left blank ("不予处理", "不予公开")."""
    cell_names = parts is not None
    if parts is None:
        parts = q.reading.subject_parts
        if one_stated_figure(ev, q, reports):
            return None
    found = []
    for part in parts:
        # one of two items the question names in one report: a looser match will do, since the
        # figure must also sit next to the item's own head word ("动态类信息", not the clause
        # "全年累计发布信息" that only shares the question's context words) and both are quoted
        threshold = PART_THRESHOLD if len(reports) == 1 else FIGURE_THRESHOLD
        ranked = ev.stated.ranked(part, q.text, reports, prose_only=True, threshold=threshold)
        word = head(part, parts)

        def fits(s) -> bool:
            if cell_names:      # a cell's name must be what the figure counts: "予以公开及部分公开258件" is not 予以公开
                label = (s.fact["label"] or "").rstrip("，,、：: ")
                # "予以公开及部分公开" ends in 部分公开 but counts both: the item must stand alone
                return label.endswith(part) and not re.search(r"[及和与、跟]$", label[:-len(part)])
            return near(word, ev.stated.context(s.fact))
        found.append({rid: picked for rid, lst in ranked.items()
                      if word and (picked := next((s for s in lst if fits(s)), None))})
    common = set(found[0]).intersection(*found[1:])
    if len(common) != 1:
        return None
    rid = common.pop()
    r = next(x for x in reports if x["report_id"] == rid)
    facts = [f[rid].fact for f in found]
    if len({f["fact_id"] for f in facts}) < len(facts):
        return None
    b = AnswerBuilder(q)
    text, ok = combine_sentence(q.operation, [Metric(subject=f["label"]) for f in facts],
                                [Value.of(f) for f in facts], r, b, q.reading.decimals if q.reading is not None else 2)
    return b.result(text, [], grounded=ok, checks=ev.checks)


def answer_stated_figure(ev: Evidence, q: Question, reports: list[dict], missing_years: list[int]) -> dict:
    """The stated figure (or non-template cell) each report has for the question's subject.

    When the question names a template cell its reports lack, a stated figure stands in for it only
    if it names that cell's row and (unless it is the total) its column in some words of theirs:
    "规范性文件7条" is no answer to 新制作的规范性文件."""
    ranked = ev.stated.ranked(q.metric, q.text, reports)
    if q.metrics:
        ranked = {rid: kept for rid, lst in ranked.items()
                  if (kept := [s for s in lst
                               if all(names_cell(m, f"{s.fact['label']} {ev.stated.context(s.fact)}") for m in q.metrics)])}
    best = {rid: r[0] for rid, r in ranked.items()}
    if not best:
        scope = "、".join(f"{report_name(r)}{r['year'] or ''}年" for r in reports[:5]) + ("等" if len(reports) > 5 else "")
        return refusal(q, f"在{scope}的报告中没有找到“{q.metric}”这一数据")
    by_report = {r["report_id"]: r for r in reports}
    chosen = sorted(best.values(), key=lambda s: (by_report[s.fact["report_id"]]["year"] or 0,
                                                  by_report[s.fact["report_id"]]["agency"] or ""))
    if len(chosen) > MAX_LISTED and not q.agencies:
        names = "、".join(f"{report_name(by_report[s.fact['report_id']])}{by_report[s.fact['report_id']]['year']}年"
                         for s in chosen[:3])
        res = refusal(q, f"共有{len(chosen)}份报告含有“{q.metric}”（如{names}等），请指明单位和年份")
        res["warnings"].append(f"问题未指明单位，{len(chosen)}份报告都符合，未作选择")
        return res
    b = AnswerBuilder(q)
    warnings: list[str] = []
    if len(chosen) > 1 and not q.agencies and len(q.years) <= 1:
        warnings.append(f"问题未指明单位，共有{len(chosen)}份报告含有该数据，已分别列出；请指明单位以得到单一答案")
    lines = []
    for s in chosen:
        r = by_report[s.fact["report_id"]]
        fact = ev.stated.widened(s.fact)
        cid = b.cite_fact(fact, r)
        b.figure(fact, cid)
        lines.append(b.sentence(fact, r, cid))
        if not s.fact["value"]:       # published blank: also give the best reading that has a number
            alt = next((t for t in ranked[s.fact["report_id"]][1:] if t.fact["value"]), None)
            if alt:
                aid = b.cite_fact(alt.fact, r)
                b.figure(alt.fact, aid)
                lines.append("该栏空白；另见：" + b.sentence(alt.fact, r, aid))
        # a near-tie with another value: the question may mean either, so both are shown, never one picked
        for t in ranked[s.fact["report_id"]][1:]:
            if t.score < s.score - TIE_MARGIN or t.fact["value"] == s.fact["value"]:
                continue
            tid = b.cite_fact(t.fact, r)
            b.figure(t.fact, tid)
            lines.append("或指：" + b.sentence(t.fact, r, tid))
            warnings.append("问题可能指报告中的多项数据，已一并列出，请核对所需的一项")
    if q.wants_change and len(chosen) >= 2:
        first, last = chosen[0].fact, chosen[-1].fact
        change_line(b, Value.of(first), Value.of(last), by_report[first["report_id"]], by_report[last["report_id"]],
                    last["unit"], lines)
    note_missing_years(missing_years, lines, warnings)
    return b.result("\n".join(lines), list(dict.fromkeys(warnings)), checks=ev.checks)




def asks_vs_last_year(q: Question) -> bool:
    """"比上一年少了多少", "同比增长": a change against the year before the one asked about."""
    return bool(last_year_re().search(q.text)) and len(q.years) <= 1


def _names_year_before(q: Question, report: dict) -> bool:
    """"2019年…比2018年回落了多少": a change from the year before the report's, by its number."""
    return q.wants_change and report.get("year") is not None and sorted(q.years) == [report["year"] - 1, report["year"]]


def answer_joined_stated(ev: Evidence, q: Question, reports: list[dict], parts: list[str]) -> dict | None:
    """Two blank cells asked for together whose sum the text states as one figure: "予以公开和部分公开
    一共多少" is "予以公开及部分公开258件", quoted as it stands."""
    if q.operation != "sum" or len(reports) != 1 or len(parts) != 2:
        return None
    r = reports[0]
    joined = {a + j + b for a, b in (parts, parts[::-1]) for j in ("及", "和", "与", "、", "以及")}
    ranked = ev.stated.ranked(" ".join(parts), q.text, reports, prose_only=True, threshold=PART_THRESHOLD)
    pick = next((s for s in ranked.get(r["report_id"], [])
                 if any((s.fact["label"] or "").rstrip("，,、：: ").endswith(j) for j in joined)), None)
    if pick is None:
        return None
    b = AnswerBuilder(q)
    cid = b.cite_fact(pick.fact, r)
    b.figure(pick.fact, cid)
    return b.result(b.sentence(pick.fact, r, cid), ["表中这两项为空白，以上是报告正文给出的两项合计"], checks=ev.checks)


def answer_stated_change(ev: Evidence, q: Question, reports: list[dict]) -> dict | None:
    """"比上一年少了百分之多少" about one report: the change its text states against the year before
    ("申请数量较去年回落12.3%"), when the corpus has no report of that year to compute it from. Only a
    figure whose own clause says it is a change on the year before is taken."""
    if len(reports) != 1 or not (asks_vs_last_year(q) or _names_year_before(q, reports[0])):
        return None
    said = same_words(q.text)
    direction = next((w for w in ("减少", "增加") if w in said), "")
    subject = " ".join([q.metric, *(metric_words(m) for m in q.metrics), "较去年" + direction])
    found = ev.stated.ranked(subject, q.text, reports, prose_only=True, threshold=PART_THRESHOLD)
    r = reports[0]

    def changes_what_was_asked(s) -> bool:
        # the clause must say it is a change on the year before, and of the item asked about:
        # "申请数量较去年回落12.3%" answers 申请, not 不予公开
        said = same_words(f"{s.fact['label']} {ev.stated.sentence(r['report_id'], s.fact['quote'] or '', clause=True, at=s.fact.get('start_pos'))}")
        if "较去年" not in said:
            return False
        if q.metrics:
            return all(names_cell(m, said) for m in q.metrics)
        # every word of the subject, by half its character pairs ("申请量" ~ "申请数量"); "答复的申请数"
        # is not the 申请数量 the clause changes
        words = [w for w in q.metric.split() if len(w) >= 2] or [head(q.metric, [q.metric])]
        return all(near(w, said, share=0.5) for w in words)

    pick = next((s for s in found.get(r["report_id"], []) if changes_what_was_asked(s)), None)
    if pick is None:
        return None
    b = AnswerBuilder(q)
    fact = ev.stated.widened(pick.fact)
    cid = b.cite_fact(fact, r)
    b.figure(fact, cid)
    return b.result(b.sentence(fact, r, cid), ["语料中没有上一年的报告可供计算，以上是报告正文所述的同比变化"],
                    checks=ev.checks)


def names_cell(metric: Metric, text: str) -> bool:
    """The figure's words (its label and the clause before it: "在主动公开的24条政府信息中，…规章和规范性
    文件7条") name the cell's row and, unless it is the total, its column."""
    needed = [c for c in (metric.row, metric.column) if c is not None and c.plain != "总计" and c.id != "total"]
    return all(any(w.replace("…", "") in text for w in (*c.words, c.plain)) for c in needed)

