"""Template cells: one cell, several, computed from cells, or one metric over several reports
(ranking, total, trend, comparison)."""
from __future__ import annotations

from .. import corpus
from ..breakdown import answer_breakdown, answer_cell_parts
from ..cell_answers import answer_cells
from ..citations import refusal, report_name
from ..compose import metric_words
from ..passages.figures import answer_figure_in_words
from ..stated_answers import answer_joined_stated, answer_two_stated, names_cell
from .case import Case, Route


def over_reports(c: Case) -> dict | None:
    """One metric over several reports: ranking, total or average, trend, comparison."""
    q, ev, reports = c.q, c.ev, c.reports
    if q.wants_rank and len(reports) == 1:
        # "哪一类最多" inside one report: the parts of a total its text lists, or a refusal (a
        # one-report "ranking" of reports would show some cell as the answer)
        listed = answer_cell_parts(ev, q, reports[0]) if q.metrics else answer_breakdown(ev, q, reports[0])
        if listed is not None:
            return listed
        return refusal(q, f"只有{report_name(reports[0])}{reports[0]['year'] or ''}年一份报告在范围内，无法排名；"
                          "报告内各类别之间的比较请分别询问各类的数字")
    if q.wants_rank:
        return corpus.ranking(ev, q, reports)
    if (q.wants_sum or q.wants_avg) and len(q.agencies) != 1 and len(reports) > 1:
        return corpus.total(ev, q, reports)
    if q.wants_trend and len(q.agencies) == 1:
        return corpus.trend(ev, q, reports, c.missing)
    if (q.wants_compare or len(q.agencies) == 2 or q.wants_change) and len(reports) == 2:
        return corpus.compare(ev, q, reports)
    return None


def _all_blank(c: Case, report: dict) -> bool:
    """Every cell the question names is blank (or unread) in the report's table."""
    rid = report["report_id"]
    return all((v := c.ev.cells.values(m, {rid}).get(rid)) is None or v.number is None for m in c.q.metrics)


def _cells(c: Case) -> dict | None:
    q, ev, reports = c.q, c.ev, c.reports
    res = over_reports(c) if len(q.metrics) == 1 else None
    if res is None:
        res = answer_cells(ev, q, reports, c.missing)
    if res is not None and not res["figures"] and len(q.metrics) == 2 and len(reports) == 1 \
            and q.operation in ("sum", "difference", "ratio") and _all_blank(c, reports[0]):
        # both cells blank in the table: the two figures the report states in its text, if it does
        parts = [metric_words(m) for m in q.metrics]
        stated = answer_two_stated(ev, q, reports, parts=parts)
        if stated is not None and stated["figures"]:
            stated["warnings"].insert(0, "表中这两项没有可计算的数字（栏目空白或无法读出），以下按报告正文所述的数字计算")
            return stated
        joined = answer_joined_stated(ev, q, reports, parts)
        if joined is not None:
            return joined
    if res is not None and len(q.metrics) == 1 and len(reports) == 1 and q.operation == "value" \
            and _all_blank(c, reports[0]):
        # the cell is blank in the table ("无法提供…总计" left empty): the figure the text states for it,
        # found by what its sentence says, answers; the row's filled cells stay only as the fallback
        said = answer_figure_in_words(ev, q, reports)
        quote = " ".join(c["quote"] for c in (said or {}).get("citations", []))
        if said is not None and said["grounded"] and names_cell(q.metrics[0], quote):
            # (the sentence names the cell's row and column in some words of theirs: "共收到…26件" is
            # no figure for 商业企业)
            said["warnings"] = ["表中该栏空白，以上是报告正文所述的数字，请核对它说的是否正是所问"]
            return said
    return res


CELLS = Route("cells", lambda c: bool(c.q.metrics) and not c.prose_first, _cells)
