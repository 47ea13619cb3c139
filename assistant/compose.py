"""Answer text for template metrics: the sentence a person would write, figures and citations.

"2024年，淮安市人民政府本年新收政府信息公开申请3119件。[1]": agency once, year, the metric in
plain words, value and unit; the table/row/column path stays in the citation. Computed figures
(groups, sums, differences, ratios) show their expression and cite every cell they came from.
"""
from __future__ import annotations

from .citations import AnswerBuilder, report_name
from .compute import Value, change, two_items
from .understand.concepts import model
from .understand.reader import Metric


def metric_words(metric: Metric) -> str:
    """The metric in plain words: "本年新收政府信息公开申请中法律服务机构", "行政复议结果纠正"."""
    if not metric.is_cell:
        return metric.subject or ""
    row = metric.row.plain if metric.row else ""
    col = metric.column
    if metric.table == "t3":
        if col is None or col.id == "total":
            return row
        return f"{row}中{col.plain}"
    if metric.table == "t4":
        return row + ("" if col is None else ("总数" if col.id == "r_total" else col.plain))
    return f"{row}{col.plain if col else ''}"


def unit_of(metric: Metric, value: Value) -> str:
    """The unit a person expects after the number; amounts take the unit their source printed."""
    col, row = metric.column, metric.row
    cited = next((f.get("unit") for f in value.facts if f.get("unit")), None)
    if not metric.is_cell:
        return "" if cited is None or value.value.endswith(cited) else cited
    if col is not None and col.unit:
        return col.unit
    if col is not None and "金额" in col.plain:
        return cited or ""
    if metric.table == "t2" and col is not None and ("项目" in col.plain or "增/减" in col.plain):
        return "项"
    return (row.unit if row and row.unit else None) or model().tables[metric.table].unit


def cite_value(b: AnswerBuilder, value: Value, r: dict) -> list[int]:
    return [b.cite_fact(f, r) for f in value.facts]


def add_figure(b: AnswerBuilder, metric: Metric, value: Value, ids: list[int]) -> None:
    label = metric_words(metric)
    if not value.computed:
        b.figures.append({"value": value.value, "unit": unit_of(metric, value), "label": label, "citation": ids[0]})
        return
    for f, cid in zip(value.facts, ids):            # the parts are figures of the answer too
        if f["number"] is not None:
            b.figure(f, cid)
    b.figures.append({"value": value.value, "unit": unit_of(metric, value), "label": label, "citation": ids[0],
                      "citations": ids, "computed": value.expr})


def refs(ids: list[int]) -> str:
    return "".join(f"[{i}]" for i in dict.fromkeys(ids))


def value_sentence(metric: Metric, value: Value, r: dict, ids: list[int], who: str | None = None) -> str:
    """`who` ("2024年，淮安市人民政府" by default) is left out of list items under a heading that says it."""
    who = report_name(r, with_year=True) if who is None else who
    words = metric_words(metric)
    unit = unit_of(metric, value)
    if value.number is None and not value.computed:
        note = value.facts[0].get("note") if value.facts else None
        why = note or "该栏在报告中为空白（未填报；空白不等于0）"
        return f"{who}{words}：{why}，报告没有给出数字。{refs(ids)}"
    if value.number is None:
        unread = [f for f in value.blanks if f.get("note")]
        why = ("其中" + "、".join(_cell_name(f) for f in unread) + "无法从原文唯一读出") if unread else "所需各栏均为空白"
        return f"{who}{words}：{why}，无法计算。{refs(ids)}"
    text = f"{who}{words}{value.value}{unit}"
    if value.computed and value.expr != value.value:
        text += f"（{value.expr}）"
    if value.blanks:
        text += "；其中" + "、".join(_cell_name(f) for f in value.blanks) + "为空白，未计入"
    return text + "。" + refs(ids)


def _cell_name(f: dict) -> str:
    row = (f.get("row_label") or "").split(" / ")[-1]
    col = (f.get("col_label") or "").replace("法人或其他组织 / ", "")
    return "“" + " ".join(x for x in (row, col) if x) + "”"


def combine_sentence(op: str, metrics: list[Metric], values: list[Value], r: dict, b: AnswerBuilder,
                     decimals: int = 2) -> tuple[str, bool]:
    """Two or more named items of one report joined by an operation; (text, has_figure)."""
    who = report_name(r, with_year=True)
    lines, all_ids = [], []
    for metric, value in zip(metrics, values):
        ids = cite_value(b, value, r)
        all_ids += ids
        if value.number is not None:
            add_figure(b, metric, value, ids)
        lines.append(value_sentence(metric, value, r, ids))
    res = two_items(op, values, decimals)
    if res is None:
        lines.append("（其中一项没有数字，或除数为0，无法计算）")
        return "\n".join(lines), any(v.number is not None for v in values)
    names = [metric_words(m) for m in metrics]
    unit = "" if op == "ratio" else unit_of(metrics[0], values[0])
    if op == "difference":
        head = f"{who}{names[0]}比{names[1]}{'多' if res.number >= 0 else '少'}{res.shown}{unit}"
    elif op == "ratio":
        part, whole = names
        rest = part[len(whole):].lstrip("中里的") if part.startswith(whole) else ""
        # "本年新收…申请中，商业企业占5.88%", not "本年新收…申请中商业企业占本年新收…申请的5.88%"
        head = f"{who}{whole}中，{rest}占{res.shown}" if rest else f"{who}{part}占{whole}的{res.shown}"
    else:
        head = f"{who}{'与'.join(names)}合计{res.shown}{unit}"
    b.figures.append({"value": res.shown, "unit": unit or None, "label": "、".join(names), "citation": all_ids[0],
                      "citations": list(dict.fromkeys(all_ids)), "computed": res.expr})
    return f"{head}（{res.expr}）。{refs(all_ids)}\n" + "\n".join(lines), True


def change_line(b: AnswerBuilder, first: Value, last: Value, r0: dict, r1: dict, unit: str | None,
                lines: list[str]) -> None:
    """The change between the first and the last year shown, cited to both cells."""
    res = change(first, last)
    if res is None:
        return
    ids = cite_value(b, first, r0) + cite_value(b, last, r1)
    label = f"{r1['year']}年较{r0['year']}年变化"
    b.figures.append({"value": res.shown, "unit": unit, "label": label, "citation": ids[-1], "citations": ids,
                      "computed": res.expr})
    lines.append(f"{label} {res.shown}（{res.expr}）{refs(ids)}")


def note_missing_years(missing_years: list[int], lines: list[str], warnings: list[str]) -> None:
    if missing_years:
        years = "、".join(map(str, missing_years))
        warnings.append(f"语料中没有{years}年的相关报告，未能列出这些年份")
        lines.append(f"（{years}年的报告不在语料中）")
