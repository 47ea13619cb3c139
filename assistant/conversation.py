"""Follow-up questions in a chat: "那2020年呢？" reuses the agency and metric of the previous question."""
from __future__ import annotations

import re

from .question import YEAR_RE, Question

_FOLLOW = re.compile(r"^(那|那么|那在|再看|换成|如果是)|呢[？?]?$")


def context_of(q: Question) -> dict:
    return {"agency": q.agencies[0].agency if len(q.agencies) == 1 else None, "years": q.years, "metric": q.metric}


def resolve_followup(question: str, q: Question, prev: dict | None) -> str | None:
    """A rewritten, self-contained question when `question` leans on the previous one, else None."""
    if not prev or not prev.get("metric"):
        return None
    text = question.strip()
    leaning = bool(_FOLLOW.search(text))
    stripped = _FOLLOW.sub("", YEAR_RE.sub("", text)).strip(" ？?，,。")
    if not leaning and stripped:
        return None
    agency = q.agencies[0].agency if len(q.agencies) == 1 else prev.get("agency")
    years = q.years or prev.get("years") or []
    own = _FOLLOW.sub("", q.metric).strip()
    metric = prev["metric"] if len(re.sub(r"[\s的]", "", own)) <= 1 or not stripped else own
    year_text = "和".join(f"{y}年" for y in years)
    return f"{agency or ''}{year_text}{metric.replace(' ', '')}是多少？"
