"""Refusals that keep a wrong figure out: a kind of number no report holds, an exception the reader
cannot name, a change whose other year the corpus lacks."""
from __future__ import annotations

from dataclasses import replace

from ..citations import refusal, report_name
from ..passages.figures import answer_figure_in_words, counted_thing
from ..stated_answers import asks_vs_last_year
from ..understand.concepts import change_asked_re
from ..understand.unread import as_candidates
from .case import Case, Route


def _absent_kind(c: Case) -> bool:
    r = c.reading
    return r is not None and bool(r.absent_word) and not c.ev.stated.mentioned(r.absent_word, c.reports)


ABSENT_KIND = Route(
    "absent_kind", _absent_kind,
    # a kind of number no template holds and no report states: not the nearest cell
    lambda c: refusal(c.q, f"报告中没有关于“{c.reading.absent_word}”的数据"))


def _counts_another_thing(c: Case) -> bool:
    """"意见征集收到多少条意见": a table cell is read (收到 -> 本年新收) but the thing counted (意见)
    is a word no concept explains: the tables do not count it."""
    thing = counted_thing(c.q.text)
    r = c.reading
    return bool(c.q.metrics) and r is not None and thing is not None \
        and any(thing in w for w in r.leftover.split())


def _another_thing(c: Case) -> dict:
    thing = counted_thing(c.q.text)
    said = answer_figure_in_words(c.ev, c.q, c.reports)
    if said is not None and said["grounded"]:
        return said
    out = refusal(c.q, f"报告的统计表不按“{thing}”计数，正文中也没有正好说它的数字")
    if said is not None and said.get("candidates"):
        out["candidates"] = said["candidates"]
    return out


COUNTS_ANOTHER_THING = Route("counts_another_thing", _counts_another_thing, _another_thing)

UNREAD_EXCEPTION = Route(
    "unread_exception", lambda c: c.reading is not None and bool(c.reading.unread_exception) and bool(c.q.metrics),
    # the whole, when the question leaves a part of it out, is a wrong figure
    lambda c: refusal(c.q, f"问题中的“{c.reading.unread_exception}”要除去的部分没有对应到报告表格的哪一栏，"
                           "请用表格中的栏目名称（如自然人、商业企业）说明"))


def without_change(q):
    """The question's own figure, without the change it asks for ("同比增长了百分之多少" taken out)."""
    return replace(q, wants_change=False, wants_compare=False, operation="value", text=change_asked_re().sub("", q.text))


def with_this_year(c: Case, refused: dict) -> dict:
    """A change the corpus cannot compute, with this year's own figures as candidates (offered,
    never as the change asked)."""
    from . import ROUTES

    this_year = Case(c.ev, without_change(c.q), c.reports, [])
    for r in ROUTES:
        if r.name.startswith("change") or r.name == "stated_change" or not r.when(this_year):
            continue
        res = r.answer(this_year)
        if res is not None and res["figures"]:
            return {**refused, "candidates": as_candidates(res, None)}
    return refused


def _change_without_year(c: Case) -> dict:
    r, gone = c.reports[0], "、".join(map(str, c.missing))
    return with_this_year(c, refusal(c.q, f"问题问的是{gone}年到{r['year']}年的变化，语料中没有{gone}年的报告，报告正文也没有"
                                          f"给出该项的变化数字；可询问{r['year']}年的数字"))


# "比2018年增加了多少件" with no 2018 report: this year's figure is no answer to it
CHANGE_WITHOUT_YEAR = Route(
    "change_without_year", lambda c: len(c.reports) == 1 and c.q.wants_change and bool(c.missing), _change_without_year)


def _change_without_last_year(c: Case) -> dict:
    r = c.reports[0]
    prev = f"{r['year'] - 1}年" if r.get("year") else "上一年"
    return with_this_year(c, refusal(
        c.q, f"问题问的是与上一年相比的变化，在报告正文中没有找到该项的同比数字，范围内也只有{report_name(r)}"
             f"{r['year'] or ''}年这一份报告；可分别询问{prev}和{r['year'] or '本'}年的数字"))


# "同比多了几件" of one report: this year's own figure is no answer to it
CHANGE_WITHOUT_LAST_YEAR = Route(
    "change_without_last_year", lambda c: len(c.reports) == 1 and asks_vs_last_year(c.q), _change_without_last_year)
