"""One turn of a conversation, the same for the chat, the widget (through /api/ask) and the CLI.

Every edge calls `answer_turn`: questions about the assistant itself are answered from the index
(meta.py), follow-ups ("那2020年呢？") are rewritten from the conversation's context
(conversation.py), and the answer's warnings are limited to what concerns the answer. An edge that
only has the earlier turns as text (the API's `history`) rebuilds the context with
`context_from_history`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .conversation import context_of, resolve_followup
from .meta import meta_answer

MAX_HISTORY = 12          # earlier user turns looked at to rebuild a context; older ones cannot matter
_CHECK = re.compile(r"^(?P<agency>.*?)(?P<year>\d{4})年报告「(?P<table>[^」]+)」一致性校验未通过")
_OTHERS = re.compile(r"另有\d+项表格一致性校验未通过")
_BLOCK = re.compile(r"^(?P<block>[^:：\[]+?)[:：]\s")            # 表四: "行政诉讼 / 复议后起诉: 四项结果之和 = 总计"
_BRACKET = re.compile(r"\[(?P<what>[^\]]+)\]\s*$")              # 表三: "一+二 = （七）总计+四 [自然人]"


@dataclass(frozen=True)
class Turn:
    result: dict            # the answer dict of the JSON contract
    context: dict | None    # what a follow-up in the next turn leans on
    asked: str              # the question actually answered (the rewritten follow-up, or the question)


def answer_turn(answerer, question: str, agency: str | None = None, year: int | None = None,
                context: dict | None = None, qid: str | None = None) -> Turn:
    """Answer one question in the light of the conversation so far."""
    meta = meta_answer(question, answerer.reports())
    if meta is not None:
        if qid is not None:
            meta["id"] = qid
        return Turn(meta, context, question)
    q = answerer.understand(question, agency=agency, year=year)
    rewritten = resolve_followup(question, q, context)
    asked = rewritten or question
    res = answerer.ask(asked, agency=agency, year=year, qid=qid)
    new_context = context_of(answerer.understand(asked, agency=agency, year=year) if rewritten else q)
    res["warnings"] = relevant_warnings(res)
    titles = {r["report_id"]: r.get("title") for r in answerer.reports()}
    for c in res.get("citations", []):          # people see the report's title, not its file name
        c.setdefault("title", titles.get(c.get("report_id")))
    return Turn(res, new_context, asked)


def context_from_history(answerer, history: list[dict] | None, agency: str | None = None,
                         year: int | None = None) -> dict | None:
    """The follow-up context after the given turns (only the user's questions carry it)."""
    context = None
    questions = [t.get("content", "") for t in (history or []) if t.get("role") == "user"][-MAX_HISTORY:]
    for text in questions:
        if not text.strip() or meta_answer(text, answerer.reports()) is not None:
            continue
        q = answerer.understand(text, agency=agency, year=year)
        rewritten = resolve_followup(text, q, context)
        context = context_of(answerer.understand(rewritten, agency=agency, year=year) if rewritten else q)
    return context


def _same_report(m: re.Match, c: dict) -> bool:
    name, agency = m["agency"], c.get("agency") or ""
    return (str(c.get("year")) == m["year"] and m["table"] == c.get("table")
            and (not agency or agency in name or name in agency))


def _concerns_cell(rule: str, c: dict) -> bool:
    """Whether a failed check's rule is about the cited cell: a 表四 block ("行政复议: …") is about the
    cells of that block; a 表三 rule ("… [自然人]") about that column or row; other rules about the table."""
    block = _BLOCK.match(rule)
    if block and (c.get("column") or c.get("row")):
        path = f"{c.get('row') or ''} / {c.get('column') or ''}"
        return block["block"] in path
    bracket = _BRACKET.search(rule)
    if bracket and (c.get("column") or c.get("row")):
        return bracket["what"] in (c.get("column"), c.get("row"))
    return True


def _concerned(w: str, citations: list[dict]) -> list[int] | None:
    """Ids of the citations a check warning is about; None when the warning is not a check warning."""
    m = _CHECK.match(w)
    if m:
        rule = w[m.end():].lstrip("：:").split("（应为")[0]
        return [c["id"] for c in citations if _same_report(m, c) and _concerns_cell(rule, c)]
    if _OTHERS.search(w):
        return []                      # failed checks of tables the answer does not cite
    return None


def relevant_warnings(res: dict) -> list[str]:
    """Warnings that concern this answer: a failed consistency check only when the answer cites a cell
    it is about; other failures of a cited report are in the reports tab, not in the answer; every
    other warning (ambiguity, missing years, cross-year checks of cited cells) is about the answer."""
    cites = res.get("citations", [])
    return [w for w in res.get("warnings", []) if (ids := _concerned(w, cites)) is None or ids]


def warned_citations(res: dict) -> set[int]:
    """Ids of the citations a failed check of the answer is about (marked ⚠ where shown)."""
    return {i for w in res.get("warnings", []) for i in (_concerned(w, res.get("citations", [])) or [])}
