"""Nothing substituted: a figure is stated only for a question that was read whole.

The commonest wrong number is a substitute: a part of the question that narrows what it asks (a
period, a channel, a topic, a part of a column, a rate) was not read, and the nearest figure (the
whole year's, the whole column's) was stated as if it answered. The words that narrow are data
(`narrowing` in concepts.yaml); the reader finds them (`narrowing_spans`), and `gate` is the one
place that decides: a figure stands only when its cited source says the narrowing words too
("网上申请办结率100%" answers "网上…办结率"); otherwise the turn is a refusal that says what was not
understood, and the figures that would have been stated move to `candidates` (each cited, with
the question they do answer), never to `figures`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .concepts import QuestionModel


@dataclass(frozen=True)
class Unread:
    kind: str           # period, channel, topic, part, rate (the data file's kinds)
    span: str           # the question's words, as typed
    says: str           # what the reports give instead
    whole: str          # the whole match to drop for the question the candidates answer

    def to_json(self) -> dict:
        return {"kind": self.kind, "text": self.span, "why": self.says}


def narrowing_spans(text: str, hits, m: QuestionModel, content_of, strip) -> list[Unread]:
    """Narrowing words of `text` (the question with agencies and years blanked) that no concept
    word explains. `hits` are the concept mentions; `strip` removes fillers and generic words."""
    covered = [(h.start, h.end) for h in hits]

    def inside_concept(a: int, b: int) -> bool:
        n = sum(max(0, min(b, e) - max(a, s)) for s, e in covered)
        return n * 2 >= (b - a)

    out: list[Unread] = []
    for kind in m.narrowing:
        found: list[tuple[int, int, int, int]] = []          # span start/end, whole start/end
        for w in kind.words:
            for mm in re.finditer(re.escape(w), text):
                found.append((mm.start(), mm.end(), mm.start(), mm.end()))
        for pat in kind.patterns:
            matches = [x for h in hits if (x := pat.match(text, h.end))] if kind.after_concept \
                else pat.finditer(text)
            for mm in matches:
                a, b = mm.span(1) if pat.groups else mm.span()
                found.append((a, b, *mm.span()))
        for a, b, wa, wb in sorted(found):
            span = text[a:b]
            if "|" in span or inside_concept(a, b):
                continue                    # an agency, a year, or a concept word: read
            if pat_needs_content(kind.kind) and not content_of(strip(span)):
                continue                    # "里面的申请": nothing but fillers and generic words
            if any(u.span == span or (span in u.span) for u in out):
                continue
            out = [u for u in out if u.span not in span]
            out.append(Unread(kind.kind, span, kind.says, text[wa:wb]))
    return out


def pat_needs_content(kind: str) -> bool:
    """Topics and parts are open phrases: only content words in them narrow."""
    return kind in ("topic", "part")


def said_by(u: Unread, quotes: list[str]) -> bool:
    """The cited source says the narrowing words (or nearly: 网上申请 ~ 网上提交的申请)."""
    from .stated import near

    return any(u.span in q or (len(u.span) >= 3 and near(u.span, q)) for q in quotes)


def cited_quotes(result: dict) -> list[str]:
    """The quotes of every citation a figure of the answer leans on."""
    cits = {c["id"]: c for c in result.get("citations", [])}
    ids = {i for f in result.get("figures", []) for i in (f.get("citations") or [f.get("citation")]) if i is not None}
    return [(cits[i].get("quote") or "") + " " + (cits[i].get("row") or "") + " " + (cits[i].get("column") or "")
            for i in ids if i in cits]


def gate(result: dict, q, unread: list[Unread]) -> dict:
    """The answer when every narrowing span is said by a cited source; otherwise the refusal with
    the figures as candidates."""
    if not unread or not result.get("figures"):
        return result
    quotes = cited_quotes(result)
    missing = [u for u in unread if not said_by(u, quotes)]
    if not missing:
        return result
    return refusal_with_candidates(result, q, missing)


def question_without(text: str, missing: list[Unread]) -> str:
    """The question the candidates do answer: the narrowing words taken out."""
    for u in missing:
        text = text.replace(u.whole, "", 1) if u.whole in text else text.replace(u.span, "", 1)
    text = re.sub(r"(里面|里头|当中|之中|里|中)(?=[，,]?(?:的|有|是|多少|几))", "", text) if any(
        u.kind == "part" for u in missing) else text
    return re.sub(r"[，,]{2,}", "，", text).strip("，, ")


def refusal_with_candidates(result: dict, q, missing: list[Unread]) -> dict:
    what = "、".join(f"“{u.span}”" for u in missing)
    why = "；".join(dict.fromkeys(u.says for u in missing))
    asked = question_without(q.text, missing)
    cits = {c["id"]: c for c in result.get("citations", [])}
    candidates = []
    for f in result["figures"]:
        ids = f.get("citations") or [f.get("citation")]
        candidates.append({"value": f.get("value"), "unit": f.get("unit"), "label": f.get("label"),
                           "computed": bool(f.get("computed")), "question": asked,
                           "citations": [cits[i] for i in ids if i in cits]})
    answer = f"未能回答：没有读懂{what}——{why}。"
    if candidates:
        answer += f"\n您是不是想问：“{asked}”（报告中有这一项的数字，见候选答案）"
    out = {**result, "answer": answer, "grounded": False, "figures": [], "citations": [],
           "candidates": candidates, "warnings": []}
    interp = dict(out.get("interpretation") or {})
    interp["unread"] = [u.to_json() for u in missing]
    out["interpretation"] = interp
    return out
