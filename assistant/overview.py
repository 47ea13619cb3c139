"""A report's headline figures for "XX局2023年公开情况怎么样": the template cells the question model
lists under `overview` (new requests, requests handled and granted, carried over, reviews and
lawsuits), each as a cited sentence, so an overview question gets figures, not a guess."""
from __future__ import annotations

from .citations import AnswerBuilder, report_name
from .compose import add_figure, cite_value, metric_words, value_sentence
from .understand.concepts import model
from .evidence import Evidence
from .understand.question import Question
from .understand.reader import Metric

MAX_REPORTS = 3           # an overview of more reports than this asks which one


def answer_overview(ev: Evidence, q: Question, reports: list[dict]) -> dict | None:
    """None when the question is not about one to three reports or they hold none of the cells."""
    if not reports or len(reports) > MAX_REPORTS:
        return None
    m = model()
    metrics = [Metric(t, m.concept(t, row), m.concept(t, col)) for t, row, col in m.overview_cells]
    b = AnswerBuilder(q)
    lines = []
    for r in sorted(reports, key=lambda r: (r["year"] or 0, r["agency"] or "")):
        values = [(metric, ev.cells.values(metric, {r["report_id"]}).get(r["report_id"])) for metric in metrics]
        found = [(metric, v) for metric, v in values if v is not None and v.number is not None]
        if not found:
            continue
        lines.append(f"{report_name(r, with_year=True)}报告中的主要数字：")
        for metric, v in found:
            ids = cite_value(b, v, r)
            add_figure(b, metric, v, ids)
            lines.append("· " + value_sentence(metric, v, r, ids, who=""))
        missing = [metric_words(metric) for metric, v in values if v is None or v.number is None]
        if missing:         # said, not dropped: a blank cell is no 0
            lines.append("· 报告表格中空白或未能读出的：" + "、".join(missing))
    if not b.figures:
        return None
    lines.append("（以上均为报告表格中的数字；可继续问某一项的细分，例如申请人类别或不予公开的理由。）")
    return b.result("\n".join(lines), [], checks=ev.checks)
