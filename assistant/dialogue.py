"""One turn of a conversation, the same for the chat, the widget (through /api/ask) and the CLI.

Every edge calls `answer_turn`: questions about the assistant itself are answered from the index
(meta.py), follow-ups ("那2020年呢？") are rewritten from the conversation's context
(conversation.py). The answer's warnings already concern only what it cites (consistency.py). An edge that
only has the earlier turns as text (the API's `history`) rebuilds the context with
`context_from_history`.
"""
from __future__ import annotations

from dataclasses import dataclass

from .understand.conversation import context_of, resolve_followup
from .meta import meta_answer

MAX_HISTORY = 12          # earlier user turns looked at to rebuild a context; older ones cannot matter


@dataclass(frozen=True)
class Turn:
    result: dict            # the answer dict of the JSON contract
    context: dict | None    # what a follow-up in the next turn leans on
    asked: str              # the question actually answered (the rewritten follow-up, or the question)


def answer_turn(answerer, question: str, agency: str | None = None, year: int | None = None,
                context: dict | None = None, qid: str | None = None) -> Turn:
    """Answer one question in the light of the conversation so far. The turn takes the index's
    evidence once; the question is read once (the reading is kept for the answer and the context)."""
    ev = answerer.current()
    meta = meta_answer(question, ev.reports)
    if meta is not None:
        if qid is not None:
            meta["id"] = qid
        return Turn(meta, context, question)
    q = answerer.understand(question, agency=agency, year=year, ev=ev)
    rewritten = resolve_followup(question, q, context)
    asked = rewritten or question
    res = answerer.ask(asked, agency=agency, year=year, qid=qid, ev=ev)
    new_context = context_of(answerer.understand(asked, agency=agency, year=year, ev=ev) if rewritten else q)
    titles = {r["report_id"]: r.get("title") for r in ev.reports}
    for c in res.get("citations", []):          # people see the report's title, not its file name
        c.setdefault("title", titles.get(c.get("report_id")))
    return Turn(res, new_context, asked)


def context_from_history(answerer, history: list[dict] | None, agency: str | None = None,
                         year: int | None = None) -> dict | None:
    """The follow-up context after the given turns (only the user's questions carry it)."""
    context = None
    ev = answerer.current()
    questions = [t.get("content", "") for t in (history or []) if t.get("role") == "user"][-MAX_HISTORY:]
    for text in questions:
        if not text.strip() or meta_answer(text, ev.reports) is not None:
            continue
        q = answerer.understand(text, agency=agency, year=year, ev=ev)
        rewritten = resolve_followup(text, q, context)
        context = context_of(answerer.understand(rewritten, agency=agency, year=year, ev=ev) if rewritten else q)
    return context


def warned_citations(res: dict) -> set[int]:
    """Ids of the citations a failed check of the answer is about (marked ⚠ where shown)."""
    return {c["id"] for c in res.get("citations", []) if c.get("check_failed")}
