"""Figures written in prose ("政府网站公开信息919条"): each with its subject, unit and quoted clause."""
from __future__ import annotations

import re

from .model import Fact, Paragraph
from .numbers import to_number

UNITS = ("%", "％", "万元", "亿元", "万", "亿", "元", "余条", "余件", "余次", "万人次", "万次", "人次", "条", "件", "个", "次",
         "篇", "场", "人", "项", "期", "家", "份", "名", "批", "天", "小时", "个工作日", "册", "户", "起", "位", "部")
_UNIT_RE = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
FIGURE = re.compile(rf"(?<![\d.第])(\d[\d,，]*(?:\.\d+)?)\s*({_UNIT_RE})")
# the measure word after 万/亿 ("8232万条", "1.2亿元" is 亿元 already)
_COUNTED = re.compile(r"\s*(余条|余件|余次|人次|条|件|个|次|篇|场|人|项|份|名|户|册|位|部)")
CLAUSE_SPLIT = re.compile(r"[，,；;。：:、！？!?]")
_DIGIT = re.compile(r"\d")
_FILLER = re.compile(r"^(其中|同时|另外|此外|以及|并且|共计|共|全年|累计|合计|总计|我局|我区|我们)+")


def clauses(text: str) -> list[tuple[int, int]]:
    """Spans of the clauses of a sentence-level text (split at Chinese punctuation).

    An enumeration comma only ends a clause after a figure: "环境保护、公共卫生、安全生产类信息33条"
    is one subject, "机关职能类信息12条、行政许可类信息0条" two clauses."""
    spans, start = [], 0
    for m in CLAUSE_SPLIT.finditer(text):
        if m.group(0) == "、" and not _DIGIT.search(text[start:m.start()]):
            continue
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def extract_prose_facts(paragraphs: list[Paragraph] | tuple[Paragraph, ...]) -> list[Fact]:
    facts = []
    for p in paragraphs:
        for cs, ce in clauses(p.text):
            clause = p.text[cs:ce]
            for m in FIGURE.finditer(clause):
                # "%" and a bare "万"/"亿" are part of the figure as written ("12.3%", "550万")
                value = m.group(1) + (m.group(2) if m.group(2) in ("%", "％", "万", "亿") and m.group(0).endswith(m.group(2))
                                      and " " not in m.group(0) else "")
                unit, end = m.group(2), m.end()
                counted = _COUNTED.match(clause, end) if unit in ("万", "亿") else None
                if counted:     # "汇聚数据8232万条": 8232万 counted in 条
                    unit, end = counted.group(1), counted.end()
                subject = re.sub(r"\s+", "", clause[:m.start()])
                subject = _FILLER.sub("", subject) or subject
                after = re.sub(r"\s+", "", clause[end:])
                # the thing counted may follow the figure: "组织开展6期《问政平潭》", "举办3场新闻发布会"
                obj = re.split(r"[\d（(]", after)[0]      # a bracket opens a note, not the thing counted
                if len(subject) < 2 or (obj and (obj.startswith("《") or len(subject) <= 4)):
                    label = subject + obj if len(subject) >= 2 else subject + after
                else:
                    label = subject
                if not label:
                    continue
                quote = clause.strip()
                facts.append(Fact(kind="prose", label=label, value=value, number=to_number(value),
                                  unit=unit, quote=quote, section=p.section,
                                  start=p.start + cs, end=p.start + ce, page=p.page))
    return facts


_DATE = r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
PERIOD = re.compile(rf"统计(?:期限|周期|时限|期间|时间|区间)[^。；，,]{{0,8}}?(?P<from>{_DATE})\s*(?:起)?\s*(?:至|到|—|-|～)\s*"
                    rf"(?P<to>(?:(?:19|20)\d{{2}}\s*年\s*)?\d{{1,2}}\s*月\s*\d{{1,2}}\s*日)")


def statistics_period(paragraphs: list[Paragraph] | tuple[Paragraph, ...], year: int | None) -> tuple[Fact | None, str | None]:
    """The period the report's figures cover ("统计期限为2019年9月1日至2019年12月31日"), as a prose
    fact, and a warning when it is not the calendar year the report is for (e.g. after a reorganisation)."""
    for p in paragraphs:
        m = PERIOD.search(p.text)
        if not m:
            continue
        value = p.text[m.start("from"):m.end("to")]
        start = [int(x) for x in re.findall(r"\d+", m.group("from"))]
        end = [int(x) for x in re.findall(r"\d+", m.group("to"))]
        end = end if len(end) == 3 else [start[0], *end]
        fact = Fact(kind="prose", label="统计期限", value=value, number=None, unit=None,
                    quote=p.text[m.start():m.end()], section=p.section,
                    start=p.start + m.start(), end=p.start + m.end(), page=p.page)
        whole = start[1:] == [1, 1] and end[1:] == [12, 31] and start[0] == end[0] and (year is None or start[0] == year)
        warning = None if whole else f"统计期限不是{year or start[0]}全年：{value}"
        return fact, warning
    return None, None
