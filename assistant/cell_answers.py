"""Answers from the template cells a question names: one value, a group or complement (with its
expression), two items joined by an operation, or every column of a row when none is named."""
from __future__ import annotations

from .citations import AnswerBuilder, refusal, report_name
from .understand.concepts import model
from .compose import (add_figure, change_line, cite_value, combine_sentence, metric_words, note_missing_years, refs,
                      value_sentence)
from .evidence import Evidence
from .understand.question import Question
from .understand.reader import Metric
from .stated import near

MAX_LISTED = 10          # beyond this many matching reports, ask which one instead of listing


def answer_cells(ev: Evidence, q: Question, reports: list[dict], missing_years: list[int]) -> dict | None:
    """None when no report in scope has the cells (then stated figures are tried)."""
    by_report = {r["report_id"]: r for r in reports}
    scope = set(by_report)
    per_metric = [ev.cells.values(m, scope) for m in q.metrics]
    rids = sorted({rid for vals in per_metric for rid in vals},
                  key=lambda rid: (by_report[rid]["year"] or 0, by_report[rid]["agency"] or ""))
    if not rids:
        return None
    if len(rids) > MAX_LISTED and not q.agencies:
        names = "、".join(f"{report_name(by_report[r])}{by_report[r]['year']}年" for r in rids[:3])
        res = refusal(q, f"共有{len(rids)}份报告含有该项（如{names}等），请指明单位和年份")
        res["warnings"].append(f"问题未指明单位，{len(rids)}份报告都符合，未作选择")
        return res
    b = AnswerBuilder(q)
    lines, warnings, any_figure = [], [], False
    if len(rids) > 1 and not q.agencies and len(q.years) <= 1:
        warnings.append(f"问题未指明单位，共有{len(rids)}份报告含有该数据，已分别列出；请指明单位以得到单一答案")
    for rid in rids:
        r = by_report[rid]
        values = [vals.get(rid) for vals in per_metric]
        if (len(q.metrics) > 1 and q.operation in ("sum", "difference", "ratio") and all(values)
                and all(m.column is not None for m in q.metrics)):
            text, ok = combine_sentence(q.operation, q.metrics, values, r, b, decimals_of(q))
            lines.append(text)
            any_figure |= ok
            continue
        for metric, value in zip(q.metrics, values):
            if value is None:
                lines.append(f"{report_name(r, with_year=True)}报告中没有{metric.describe()}这一项。")
            elif metric.column is None:          # no column named: every column of the row, each cited
                warnings.append("问题未指明栏目，该项在报告中有多项数据，已一并列出，请核对所需的一项")
                any_figure |= _whole_row(ev, b, metric, r, lines)
            else:
                any_figure |= _one_value(ev, b, q, metric, value, r, lines)
    if q.wants_change and len(q.metrics) == 1 and len(rids) >= 2:
        change_line(b, per_metric[0][rids[0]], per_metric[0][rids[-1]], by_report[rids[0]], by_report[rids[-1]],
                    None, lines)
    note_missing_years(missing_years, lines, warnings)
    return b.result("\n".join(lines), list(dict.fromkeys(warnings)), grounded=any_figure, checks=ev.checks)


def _whole_row(ev: Evidence, b: AnswerBuilder, metric: Metric, r: dict, lines: list[str]) -> bool:
    shown = False
    for col, v in ev.cells.row_values(metric, {r["report_id"]}).get(r["report_id"], []):
        m2 = Metric(metric.table, metric.row, col)
        ids = cite_value(b, v, r)
        if v.number is not None:
            add_figure(b, m2, v, ids)
            shown = True
        lines.append(value_sentence(m2, v, r, ids))
    return shown


def _one_value(ev: Evidence, b: AnswerBuilder, q: Question, metric: Metric, value, r: dict, lines: list[str]) -> bool:
    ids = cite_value(b, value, r)
    lines.append(value_sentence(metric, value, r, ids))
    if value.number is not None:
        add_figure(b, metric, value, ids)
        return True
    if len(q.metrics) != 1:
        return False
    rid = r["report_id"]
    if metric.column.plain == "总计" and not value.computed:
        # a blank total: the row's filled cells are what the report does say (each cited)
        filled = [(c, v) for c, v in ev.cells.row_values(Metric(metric.table, metric.row, None), {rid}).get(rid, [])
                  if v.number is not None]
        if filled:
            parts = []
            for col, v in filled:
                ids2 = cite_value(b, v, r)
                add_figure(b, Metric(metric.table, metric.row, col), v, ids2)
                if not metric.defaulted:
                    # the 总计 was asked by name: the row's other cells are offered, not stated
                    b.figures[-1]["candidate"] = True
                parts.append(f"{col.plain}{v.value}{refs(ids2)}")
            lines.append("表中总计栏空白；该行填写了：" + "，".join(parts) + "。")
            return True
    # a published blank: a figure the report states in its text about the same thing may answer it
    alt = ev.stated.best(q.metric, q.text, [r], prose_only=True).get(rid)
    if alt and alt.fact["number"] is not None and near(metric_words(metric), alt.fact["label"] or ""):
        aid = b.cite_fact(alt.fact, r)
        b.figure(alt.fact, aid)
        gap = "无法从原文唯一读出" if any(f.get("note") for f in value.facts) else "空白"
        lines.append(f"表中该栏{gap}；正文另有：" + b.sentence(alt.fact, r, aid))
        return True
    return False


def decimals_of(q: Question) -> int:
    return q.reading.decimals if q.reading is not None else 2


def share_of_whole(metric: Metric) -> Metric | None:
    """The whole a single cell is a share of, when the template says it: a column of its row's
    total ("个人提的占百分之多少": 自然人 of 总计), a result of the total that covers it (不予公开 of
    办理结果总计), a result of its block's total (结果纠正 of 行政复议 总计). None otherwise: a
    share of an unstated whole is not guessed."""
    if not metric.is_cell or metric.row is None:
        return None
    spec = model().tables[metric.table]
    total = spec.default_column
    if metric.column is not None and total and metric.column.id != total:
        return Metric(metric.table, metric.row, spec.concepts[total])
    cover = next((c for c in spec.concepts.values() if metric.row.id in c.covers), None)
    if cover is not None:
        return Metric(metric.table, cover, metric.column)
    return None


def answer_share(ev: Evidence, q: Question, reports: list[dict]) -> dict | None:
    """"…占百分之多少" of one cell that the text states no percentage for: the cell over its
    whole, both cited, with the expression; None when the whole is not the template's to say."""
    whole = share_of_whole(q.metrics[0]) if len(q.metrics) == 1 else None
    if whole is None or len(reports) != 1:
        return None
    r = reports[0]
    rid = r["report_id"]
    part_value, whole_value = ev.cells.values(q.metrics[0], {rid}).get(rid), ev.cells.values(whole, {rid}).get(rid)
    if part_value is None or whole_value is None or part_value.number is None or not whole_value.number:
        return None         # a blank or unread side: no share is computed (the refusal says why)
    b = AnswerBuilder(q)
    text, ok = combine_sentence("ratio", [q.metrics[0], whole], [part_value, whole_value], r, b, decimals_of(q))
    return b.result(text, ["报告没有直接给出该比例，以上按表中两栏计算"], grounded=ok, checks=ev.checks)
