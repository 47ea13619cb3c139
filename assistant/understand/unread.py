"""Nothing substituted: a figure is stated only for a question that was read whole.

The commonest wrong number is a substitute: a part of the question that narrows what it asks (a
period, a channel, a topic, a part of a column, a rate, a result column, a concept of another
table) was not read, and the nearest figure (the whole year's, the whole column's, the block's 总计)
was stated as if it answered. The words that narrow are data
(`narrowing` in concepts.yaml); the reader finds them (`narrowing_spans`), and `gate` is the one
place that decides: a figure stands only when its cited source says the narrowing words too
("网上申请办结率100%" answers "网上…办结率"); otherwise the turn is a refusal that says what was not
understood, and the figures that would have been stated move to `candidates` (each cited, with
the question they do answer), never to `figures`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .concepts import QuestionModel, passage_model


@dataclass(frozen=True)
class Unread:
    kind: str           # the data file's kinds (period, channel, topic, office, part, rate), or column
                        # (a doubtful default) and other_table (a concept of another table)
    span: str           # the question's words, as typed
    says: str           # what the reports give instead
    whole: str          # the whole match to drop for the question the candidates answer
    checkable: bool = True      # a cited source saying the words makes them read (not for a doubtful default)

    def to_json(self) -> dict:
        return {"kind": self.kind, "text": self.span, "why": self.says}


def unread_json(unread: list[Unread]) -> dict:
    """`interpretation.unread` (the spans, as the contract has them) and `unread_why` (kind and reason)."""
    return {"unread": list(dict.fromkeys(u.span for u in unread)), "unread_why": [u.to_json() for u in unread]}


def cite_candidates(result: dict) -> dict:
    """The contract's form: each candidate's sources join `citations` (numbered after the answer's
    own) and the candidate points at them by id, like a figure (`citation`, and `citations` for a
    computed one)."""
    cands = result.get("candidates") or []
    if not cands or all("sources" not in c for c in cands):
        return result
    citations = list(result.get("citations", []))
    ids = {_where(c): c["id"] for c in citations}
    out = []
    for c in cands:
        refs = []
        for src in c.get("sources", []):
            key = _where(src)
            if key not in ids:
                ids[key] = len(citations) + 1
                citations.append({**src, "id": ids[key]})
            refs.append(ids[key])
        c = {k: v for k, v in c.items() if k != "sources"}
        out.append({**c, "citation": refs[0] if refs else None, "citations": refs})
    return {**result, "citations": citations, "candidates": out}


def _where(c: dict) -> tuple:
    return tuple(c.get(k) for k in ("report_id", "section", "table", "row", "column", "quote"))


def narrowing_spans(text: str, hits, m: QuestionModel, content_of, strip) -> list[Unread]:
    """Narrowing words of `text` (the question with agencies and years blanked) that no concept
    word explains. `hits` are the concept mentions; `strip` removes fillers and generic words."""
    covered = [(h.start, h.end) for h in hits]

    def inside_concept(a: int, b: int) -> bool:
        inside = {i for s, e in covered for i in range(max(a, s), min(b, e))}     # overlapping hits once
        return len(inside) * 4 >= 3 * (b - a)

    out: list[Unread] = []
    for kind in m.narrowing:
        found: list[tuple[int, int, int, int]] = []          # span start/end, whole start/end
        for w in kind.words:
            for mm in re.finditer(re.escape(w), text):
                found.append((mm.start(), mm.end(), mm.start(), mm.end()))
        anchors: dict[int, object] = {}              # a part's start -> the concept it is a part of
        for pat in kind.before_column:
            # a modifier of a column right before it ("外地的自然人", "外资的商业企业")
            for h in hits:
                if not any(c.dim == "columns" for c in h.concepts):
                    continue
                # the shortest modifier that ends at the column ("申请人里外地的自然人": 外地)
                x = next((x for i in range(h.start - 2, max(0, h.start - 8) - 1, -1)
                          if (x := pat.fullmatch(text, i, h.start))), None)
                if x is not None:
                    a, b = x.span(1) if pat.groups else x.span()
                    if not any(a <= k.start < b for k in hits):      # "收到的自然人": a concept, read
                        found.append((a, b, *x.span()))
        for pat in kind.patterns:
            if kind.after_concept:
                matches = []
                for h in hits:
                    if (x := pat.match(text, h.end)) is not None:
                        anchors.setdefault(x.start(1), h)
                        matches.append(x)
            else:
                matches = list(pat.finditer(text))
            for mm in matches:
                a, b = mm.span(1) if pat.groups else mm.span()
                found.append((a, b, *mm.span()))
        whole_spans = [mm.span() for pat in kind.excepted for mm in pat.finditer(text)]
        for a, b, wa, _ in sorted(found):
            span = text[a:b]
            if any(s <= wa and b <= e for s, e in whole_spans):
                continue                    # inside words that mean the whole ("1月至12月")
            if "|" in span:
                continue                    # an agency or a year
            if a != wa and any(h.start <= wa < h.end for h in hits):
                continue                    # the frame's own word is inside a concept word (政府集中采购)
            anchor = anchors.get(a)
            if anchor is not None:
                # what is a part of the concept runs up to the next concept of its table ("行政诉讼中，
                # 结果被纠正的": 结果, nothing left; "自然人里面男性申请人予以公开的": 男性); the concept
                # itself again is no other ("商业企业里面外资企业": 企业 is 商业企业 again)
                own = {c.id for c in anchor.concepts}
                tables = {c.table for c in anchor.concepts}
                b = min([h.start for h in hits if a <= h.start < b and _names_within(h, anchor, tables, own)] + [b])
                span = text[a:b]
                if not content_of(strip(span)):
                    continue
            elif inside_concept(a, b) or (kind.kind == "part_of_stated" and any(a <= h.start and h.end <= b for h in hits)):
                continue                    # a concept word: read
            if pat_needs_content(kind.kind) and not content_of(strip(span)):
                continue                    # "里面的申请": nothing but fillers and generic words
            if any(u.span == span or (span in u.span) for u in out):
                continue
            out = [u for u in out if u.span not in span]
            # what to drop for the question the candidates answer: the frame's words up to the span's end
            # ("里面外资企业"; the match's tail, 提的/有多少, stays)
            out.append(Unread(kind.kind, span, kind.says, text[min(a, wa):b]))
    return out


def doubtful_defaults(metrics, leftover: str, m: QuestionModel, content_of) -> list[Unread]:
    """A block of a strict table (表四) named without its column is read as its 总计 only when
    nothing but context words is left: "复议结果为其他的" is no question about the 总计."""
    if not any(x.is_cell and x.defaulted and m.tables[x.table].strict_default for x in metrics):
        return []
    rest = leftover
    for w in sorted((*m.context_words, *m.connectors), key=len, reverse=True):
        rest = rest.replace(w, " ")
    words = content_of(rest)
    if not words:
        return []
    table = next(m.tables[x.table] for x in metrics if x.defaulted)
    cols = "、".join(c.plain for c in table.concepts.values() if c.dim == "columns")
    return [Unread("column", words.replace(" ", "、"), f"没有对应到{table.name}的哪一栏（{cols}）", words, checkable=False)]


def other_table_words(metrics, hits, m: QuestionModel) -> list[Unread]:
    """Concept words of another table than the cells read ("自然人申请行政复议多少件": 自然人 is a
    column of 表三, the cell read is 表四's): the tables never cross them, so the cell read would be
    a substitute. Context words (收到, 决定…) that only happen to name a concept elsewhere stay read."""
    tables = {x.table for x in metrics if x.is_cell}
    if not tables:
        return []
    out = []
    for h in hits:
        if any(c.table in tables for c in h.concepts) or h.word in m.context_words:
            continue
        other = m.tables[h.concepts[0].table].name
        chosen = "、".join(sorted(m.tables[t].name for t in tables))
        out.append(Unread("other_table", text_of(h), f"“{text_of(h)}”在{other}，所问的数字在{chosen}，报告没有两者交叉的数字",
                          text_of(h), checkable=False))
    return out


def text_of(hit) -> str:
    return hit.word.replace("…", "")


def pat_needs_content(kind: str) -> bool:
    """Topics and parts are open phrases: only content words in them narrow."""
    return kind in ("topic", "part", "part_of_stated", "office")


def said_by(u: Unread, quotes: list[str]) -> bool:
    """The cited source says the narrowing words (or nearly: 网上申请 ~ 网上提交的申请)."""
    from ..stated import near

    return any(u.span in q or (len(u.span) >= 3 and near(u.span, q)) for q in quotes)


def _names_within(h, anchor, tables: set[str], own: set[str]) -> bool:
    """A concept inside a part frame that names something within the anchor: the other dimension of
    its table ("行政诉讼中，结果被纠正") or one of the anchor's own parts ("不予公开中属于国家秘密");
    another column beside a column is no part of it ("自然人申请里高校老师": 高校 is no 自然人)."""
    ids = {c.id for c in h.concepts} - own
    if not ids or not {c.table for c in h.concepts} & tables:
        return False
    parts = {p for c in anchor.concepts for p in (*c.parts, *c.parts_when_split, *c.covers)}
    dims = {c.dim for c in anchor.concepts}
    return bool(ids & parts) or any(c.dim not in dims for c in h.concepts if c.id in ids)


def cited_quotes(result: dict) -> list[str]:
    """The quotes of every citation a figure of the answer leans on."""
    cits = {c["id"]: c for c in result.get("citations", [])}
    ids = {i for f in result.get("figures", []) for i in (f.get("citations") or [f.get("citation")]) if i is not None}
    if not result.get("figures"):          # a passage answer: every passage it quotes
        ids = set(cits)
    return [(cits[i].get("quote") or "") + " " + (cits[i].get("row") or "") + " " + (cits[i].get("column") or "")
            for i in ids if i in cits]


def gate(result: dict, q, unread: list[Unread]) -> dict:
    """The answer when every narrowing span is said by a cited source; otherwise the refusal with
    the figures as candidates."""
    offered = [f for f in result.get("figures", []) if f.get("candidate")]
    if offered:
        # a route that found only other cells than the one asked (a blank total's filled columns)
        # offers them; they are never the answer's figures
        result = {**result, "figures": [f for f in result["figures"] if not f.get("candidate")]}
        if not result["figures"]:
            return refusal_with_candidates({**result, "figures": offered}, q, [], said=result["answer"])
    # a passage states no figure but is still an answer: its words must say the narrowing too
    # ("清江浦区…收费了吗" is not answered by the city's own passage)
    answers = result.get("figures") or (result.get("grounded") and result.get("citations"))
    if not unread or not answers:
        return result
    quotes = cited_quotes(result)
    missing = [u for u in unread if not (u.checkable and said_by(u, quotes))]
    if not result.get("figures"):
        # a passage answers a question that asks for words: words that only ask ("结果咋样") are read
        asking = passage_model().asking_words
        missing = [u for u in missing if re.sub("|".join(map(re.escape, asking)), "", u.span).strip()]
    if not missing:
        # every narrowing word is in a cited source: read, and so not listed as unread
        return {**result, "interpretation": {**(result.get("interpretation") or {}), **unread_json([])}}
    return refusal_with_candidates(result, q, missing)


def question_without(text: str, missing: list[Unread]) -> str:
    """The question the candidates do answer: the narrowing words taken out."""
    for u in missing:
        text = text.replace(u.whole, "", 1) if u.whole in text else text.replace(u.span, "", 1)
    text = re.sub(r"(里面|里头|当中|之中|里|中)(?=[，,]?(?:的|有|是|多少|几))", "", text) if any(
        u.kind == "part" for u in missing) else text
    text = re.sub(r"(通过|经由|经过|以|用)(?=的|提交|申请|递交|办理|方式|形式)", "", text)     # a channel's own verb
    return re.sub(r"[，,]{2,}", "，", text).strip("，, ")


def as_candidates(result: dict, asked: str | None) -> list[dict]:
    """An answer's figures as candidates: each with its citations and the question it answers
    (`asked`, or one made of the figure's own agency, year and label)."""
    cits = {c["id"]: c for c in result.get("citations", [])}
    candidates = []
    for f in result.get("figures", []):
        ids = f.get("citations") or [f.get("citation")]
        src = cits.get(ids[0]) or {}
        own = f"{src.get('agency') or ''}{src.get('year') or ''}年{(f.get('label') or '').replace(' / ', '')}是多少？"
        candidates.append({"value": f.get("value"), "unit": f.get("unit"), "label": f.get("label"),
                           "text": f"{(cits.get(ids[0]) or {}).get('agency', '')} {f.get('label') or ''} "
                                   f"{f.get('value')}{f.get('unit') or ''}".strip(),
                           "computed": bool(f.get("computed")), "question": asked or own,
                           "sources": [cits[i] for i in ids if i in cits]})
    # candidates the result already carries (in the contract's form: their sources by id)
    for c in result.get("candidates", []):
        if "sources" not in c:
            c = {**{k: v for k, v in c.items() if k not in ("citation", "citations")},
                 "sources": [cits[i] for i in c.get("citations", []) if i in cits]}
        candidates.append(c)
    return candidates


def refusal_with_candidates(result: dict, q, missing: list[Unread], said: str | None = None,
                            listed: str = "同一行的其他数字") -> dict:
    """`said`: the route's own words on why the asked figure is not there (a blank cell)."""
    what = "、".join(dict.fromkeys(f"“{u.span}”" for u in missing))
    why = "；".join(dict.fromkeys(u.says for u in missing))
    # words taken out leave a question the figures answer; a concept left unread does not (then each
    # candidate carries its own question)
    asked = question_without(q.text, missing) if missing and all(u.checkable for u in missing) else None
    candidates = as_candidates(result, asked)
    answer = f"未能回答：没有读懂{what}——{why}。" if missing else \
        "未能回答：" + re.sub(r"\[\d+\]", "", (said or "").split("\n")[0]).rstrip("。") + "。"
    if candidates and not missing:
        answer += f"\n报告中{listed}列在下方，不是本问题的答案。"
    elif candidates:
        answer += "\n报告中相近的数字列在下方，不是本问题的答案" + (f"；可以改问：“{asked}”" if asked else "。")
    out = {**result, "answer": answer, "grounded": False, "figures": [], "citations": [],
           "candidates": candidates, "warnings": []}
    interp = dict(out.get("interpretation") or {})
    interp.update(unread_json(missing))
    out["interpretation"] = interp
    return out
