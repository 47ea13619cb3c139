"""Figures written in prose ("政府网站公开信息919条"): each with its subject, unit and quoted clause."""
from __future__ import annotations

import re

from .model import Fact, Paragraph
from .numbers import to_number

UNITS = ("%", "％", "万元", "亿元", "万", "亿", "元", "余条", "余件", "余次", "万人次", "万次", "人次", "条", "件", "个", "次",
         "篇", "场", "人", "项", "期", "家", "份", "名", "批", "天", "小时", "个工作日", "册", "户", "起", "位", "部")
_UNIT_RE = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
FIGURE = re.compile(rf"(?<![\d.第])(\d[\d,，]*(?:\.\d+)?)\s*({_UNIT_RE})")
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
                subject = re.sub(r"\s+", "", clause[:m.start()])
                subject = _FILLER.sub("", subject) or subject
                after = re.sub(r"\s+", "", clause[m.end():])
                label = subject if len(subject) >= 2 else (subject + after)
                if not label:
                    continue
                quote = clause.strip()
                facts.append(Fact(kind="prose", label=label, value=value, number=to_number(value),
                                  unit=m.group(2), quote=quote, section=p.section,
                                  start=p.start + cs, end=p.start + ce, page=p.page))
    return facts
