"""Follow-up questions in a chat: "那2020年呢？" reuses the agency and metric of the previous question.

The previous question is kept whole; a follow-up that only changes the year or the agency gets that
question back with the new year or agency put in, so it is read exactly as before. A follow-up that
names one part ("那维持的呢？", "那诉讼呢？") replaces the part of the same kind in the previous
question; a question of its own that names no agency and no year ("部分公开的有几件？") is asked
about the previous question's agency and years. The answer shows the question as it was read."""
from __future__ import annotations

import re

from .question import YEAR_RE, Question

_FOLLOW = re.compile(r"^(那|那么|那在|再看|换成|如果是)|呢[？?]?$")


def context_of(q: Question) -> dict:
    one = q.agencies[0] if len(q.agencies) == 1 else None
    return {"agency": one.agency if one else None, "mention": one.mention if one else None,
            "years": q.years, "metric": q.metric, "text": q.text}


def resolve_followup(question: str, q: Question, prev: dict | None) -> str | None:
    """A rewritten, self-contained question when `question` leans on the previous one, else None."""
    if not prev or not prev.get("metric"):
        return None
    text = question.strip()
    # "部分公开的有几件？" right after a question about one agency and year names neither: it leans on
    # the previous question too (not a ranking or a question over every report)
    bare = not q.agencies and not q.years and not q.unknown_place and bool(q.metrics) and bool(prev.get("agency")) \
        and not (q.wants_rank or q.wants_trend or q.wants_sum or q.excluded)
    leaning = bool(_FOLLOW.search(text)) or bare
    stripped = _FOLLOW.sub("", YEAR_RE.sub("", text)).strip(" ？?，,。")
    if not leaning and stripped:
        return None
    agency = q.agencies[0].agency if len(q.agencies) == 1 else prev.get("agency")
    years = q.years or prev.get("years") or []
    if bare and not _FOLLOW.search(text):
        # a whole question of its own: asked about the previous agency and years
        return f"{agency}{'和'.join(f'{y}年' for y in years)}{text}"
    own = _FOLLOW.sub("", q.metric).strip()
    only_scope_changed = len(re.sub(r"[\s的]", "", own)) <= 1 or not stripped
    if only_scope_changed and prev.get("text"):
        return _with_scope(prev, agency, years)
    replaced = _replace_part(prev.get("text") or "", own)
    if replaced:
        # "那维持的呢？" after "…行政复议结果被纠正的有几件？": the part named replaces its kind in
        # the previous question (a column a column, a row a row); the rest is kept
        return _with_scope({**prev, "text": replaced}, agency, years)
    metric = prev["metric"] if only_scope_changed else own
    year_text = "和".join(f"{y}年" for y in years)
    return f"{agency or ''}{year_text}{metric.replace(' ', '')}是多少？"


def _with_scope(prev: dict, agency: str | None, years: list[int]) -> str:
    """The previous question with another year and/or agency put in its place."""
    text = prev["text"]
    if agency and prev.get("mention") and agency != prev.get("agency") and prev["mention"] in text:
        text = text.replace(prev["mention"], agency, 1)
    elif agency and (not prev.get("mention") or prev["mention"] not in text):
        # the previous agency came from a filter, not from the words ("你们2019年…"): named in front
        text = agency + text
    year_text = "和".join(f"{y}年" for y in years)
    spans = list(YEAR_RE.finditer(text))
    if not spans:
        return year_text + text
    for k, m in reversed(list(enumerate(spans))):      # the first year mention takes the new years
        text = text[:m.start()] + (year_text if k == 0 else "") + text[m.end():]
    return text


def _replace_part(prev_text: str, own: str) -> str | None:
    """The previous question with the follow-up's concept words put in place of the previous
    concept of the same table and dimension, or added after its last concept when the word is the
    other dimension of the same table; None for a concept of another table."""
    from .reader import find_hits, normalise

    new_hits = find_hits(normalise(own))
    if not new_hits or not prev_text:
        return None
    text = normalise(prev_text)
    old_hits = find_hits(text)
    if not old_hits:
        return None
    for nh in sorted(new_hits, key=lambda h: -h.start):
        kinds = {(c.table, c.dim) for c in nh.concepts}
        same = [oh for oh in old_hits if kinds & {(c.table, c.dim) for c in oh.concepts}]
        if same:
            oh = same[-1]
            text = text[:oh.start] + nh.word.replace("…", "") + text[oh.end:]
        elif {t for t, _ in kinds} & {c.table for oh in old_hits for c in oh.concepts}:
            # the other dimension of the same table ("法律服务机构申请了多少件" -> "那予以公开的呢"): added
            last = old_hits[-1]
            text = text[:last.end] + nh.word.replace("…", "") + text[last.end:]
        else:
            return None         # a concept of another table: not a part of the previous question
        old_hits = find_hits(text)
    return text if text != normalise(prev_text) else None
