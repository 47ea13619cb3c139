"""Sentences with their place in the report.

A report's paragraphs come from the fact store in reading order, each with its section path
("一、总体情况 › （二）依申请公开情况"). A *block* is the run of paragraphs under one section path: a
heading and what it heads. Within a block, sentences are cut at 。！？； (items "一是…；二是…" become
sentences of their own) and each knows whether it is only a heading ("（二）依申请公开情况。"), an
introduction that announces items ("主要做了以下工作："), or an item.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_CUT = re.compile(r"(?<=[。！？；])|(?<=[：:])(?=\s*(?:[一二三四五六七八九十]是|[（(]?[一二三四五六七八九十\d]+[)）、.．]))")
# a sentence that opens a part of its own inside a block ("（二）围绕工作重点，扎实推进主动公开…",
# "3.加强政务信息公开"): portal pages run a whole section's sub-headings into one paragraph
_OPENS_PART = re.compile(r"^\s*(?:[（(][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、|\d+[.．、](?!\d))")
_NUMBER = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+[.．、])")
_HEADING = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+[.．、])\s*[^，,；;。]{0,28}[。.]?\s*$")
_ITEM = re.compile(r"^\s*(?:[一二三四五六七八九十]是|[（(]?[一二三四五六七八九十\d]+[)）、.．]|第[一二三四五六七八九十]，|首先|其次|再次|最后)")
_INTRO = re.compile(r"[：:]\s*$|以下(?:工作|几个方面|方面)|如下")
MIN_CHARS = 4
# the signature and date under a report ("沭阳县发展和改革局2024年1月17日"): nothing it says answers
_SIGNATURE = re.compile(r"^[^，,。；]{0,30}\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: dict          # the fact store's paragraph row it is in
    block: int               # index of its block in the report
    order: int               # position in its block (consecutive sentences have consecutive orders)
    heading: bool            # a heading and nothing else
    intro: bool              # announces the items that follow
    item: bool               # one of a list (一是…, （1）…)

    @property
    def report_id(self) -> str:
        return self.paragraph["report_id"]

    @property
    def section(self) -> str:
        return self.paragraph["section"] or ""


@dataclass
class Block:
    """The paragraphs under one section path, in order; or a part of them that opens with a
    numbered sentence of its own ("（二）围绕工作重点…", "3.加强政务信息公开"), which portal pages run
    into one paragraph with the rest of their section."""
    index: int
    section: str
    opener: str = ""         # the numbered words that open this part, when it is one
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def leaf(self) -> str:
        """The section's own heading (its last part) and the part's opening words, without numbers."""
        last = self.section.split("›")[-1].strip()
        return " ".join(_NUMBER.sub("", x) for x in (last, self.opener) if x)


def sentences_of(text: str) -> list[str]:
    return [s.strip() for s in _CUT.split(text) if s and s.strip()]


def is_heading(text: str) -> bool:
    return bool(_HEADING.match(text)) and len(text) <= 34


def blocks_of(paragraphs: list[dict]) -> dict[str, list[Block]]:
    """Per report, its blocks in reading order; sentences too short to say anything are left out."""
    by_report: dict[str, list[Block]] = {}
    for p in sorted(paragraphs, key=lambda p: (p["report_id"], p["start_pos"] or 0)):
        blocks = by_report.setdefault(p["report_id"], [])
        section = p["section"] or ""
        if not blocks or blocks[-1].section != section:
            blocks.append(Block(index=len(blocks), section=section))
        for s in sentences_of(p["text"]):
            if len(re.sub(r"\W", "", s)) < MIN_CHARS or _SIGNATURE.match(s):
                continue
            block = blocks[-1]
            if block.sentences and _OPENS_PART.match(s):
                block = Block(index=len(blocks), section=section, opener=re.split(r"[，,。；]", s)[0][:30])
                blocks.append(block)
            block.sentences.append(Sentence(text=s, paragraph=p, block=block.index,
                                            order=len(block.sentences), heading=is_heading(s),
                                            intro=bool(_INTRO.search(s)), item=bool(_ITEM.match(s))))
    return by_report
