"""The read path's entry: one reading of the question, the scope, the declared routes, one gate.

    understand/ (concepts.yaml, question, reader, unread) -> Question: agencies, years, metrics,
    operation, the words not read -> scope (agency, years, exclusions) -> routes/ (ROUTES, in
    order; each `when(case)` / `answer(case)`) -> the answer object -> unread.gate (a figure only
    for a question read whole; otherwise a refusal with cited candidates)

Every figure comes from a stored fact and carries the citation whose quote contains it; computed
figures cite every cell they came from. When nothing in scope answers, the answer is a refusal
that names what was looked for. A turn takes the evidence of one index generation and reads its
question once (the reading is kept per generation).
"""
from __future__ import annotations

import re
import threading
from dataclasses import replace

from .understand.chars import fold
from .citations import refusal
from .evidence import Evidence
from .nearest import nearest_figures
from .understand.question import AgencyMatch, Question, parse_question
from .understand.reader import find_hits, normalise
from .routes import ROUTES, Case
from .routes.guards import without_change
from .understand.unread import as_candidates, cite_candidates, gate, refusal_with_candidates


class Answerer:
    def __init__(self, facts, retriever=None, chat_model=None):
        """`retriever` may be a zero-argument factory: it opens the vector store, which only prose
        questions over a wide scope need, so start-up does not pay for it."""
        self.store = facts
        self._retriever = retriever
        self.chat_model = chat_model
        self.evidence: Evidence | None = None
        self._lock = threading.Lock()
        # a turn reads its question more than once (follow-up resolution, the answer, the next
        # context): readings of the current index generation are kept, a few hundred at most
        self._readings: tuple[object, dict[tuple, Question]] = (None, {})    # (index generation, readings)

    def _refresh(self) -> Evidence:
        """The evidence of the current index generation (rebuilt when the index changed)."""
        gen = self.store.generation()
        with self._lock:
            if self.evidence is None or self.evidence.generation != gen:
                self.evidence = Evidence.build(self.store, self._open_retriever)
            return self.evidence

    def _open_retriever(self):
        if callable(self._retriever) and not hasattr(self._retriever, "search"):
            self._retriever = self._retriever()
        return self._retriever

    def current(self) -> Evidence:
        """The evidence of the current index generation: a turn takes it once and passes it on,
        so one answer never mixes two generations (and reads the generation once)."""
        return self._refresh()

    def reports(self, ev: Evidence | None = None) -> list[dict]:
        return (ev or self._refresh()).reports

    def understand(self, question: str, agency: str | None = None, year: int | None = None,
                   ev: Evidence | None = None) -> Question:
        """How the question is read (agencies, years, metrics, operation), as the answer would read it."""
        ev = ev or self._refresh()
        question = fold(question)
        key = (question, agency, year)
        gen, readings = self._readings          # one attribute: threads never see a mixed pair
        if gen != ev.generation or len(readings) > 512:
            readings = {}
            self._readings = (ev.generation, readings)
        q = readings.get(key)
        if q is None:
            q = readings[key] = parse_question(question, ev.reports, agency=agency, year=year, names=ev.names,
                                               corpus_years=ev.years)
        return q

    def ask(self, question: str, agency: str | None = None, year: int | None = None,
            qid: str | None = None, ev: Evidence | None = None) -> dict:
        ev = ev or self._refresh()
        typed = fold(question)          # "２０１９年…網站公開": the form the question model is written in
        asks = split_asks(typed)
        if len(asks) > 1:       # "接入了多少个部门、多少项事项": each figure asked for is answered
            result = merge_answers(question, [route(ev, self.understand(a, agency=agency, year=year, ev=ev))
                                              for a in asks])
        else:
            result = route(ev, self.understand(typed, agency=agency, year=year, ev=ev))
            result["question"] = question
        if self.chat_model is not None:
            from .llm import is_passage_answer, rephrase, summarise

            result = summarise(self.chat_model, result) if is_passage_answer(result) else rephrase(self.chat_model, result)
        return {"id": qid, **result} if qid is not None else result


def _scope(ev: Evidence, q: Question) -> tuple[list[dict], list[int]] | dict:
    """The reports the question is about and the years it names that the corpus lacks, or a refusal."""
    if q.unknown_place:
        have = "；语料中相关单位的报告有：" + "、".join(
            f"{r['agency']}（{r['year']}年）" for r in ev.reports_of(q.place_agencies)) \
            if q.place_agencies else ""
        return refusal(q, f"语料中没有{q.unknown_place}的报告{have}")
    if q.agencies:          # looked up by agency: the same cost at any corpus size
        names = {m.agency for m in q.agencies} - set(q.excluded)
        scope = ev.reports_of(names)
    else:
        scope = [r for r in ev.reports if r["agency"] not in q.excluded]
    if not q.years:
        return scope, []
    in_years = [r for r in scope if r["year"] in q.years]
    if not in_years:
        who = "、".join(sorted({r["agency"] for r in scope if r["agency"]})) if q.agencies else "语料"
        have = "、".join(str(y) for y in sorted({r["year"] for r in scope if r["year"]}))
        return refusal(q, f"{who}没有{'、'.join(map(str, q.years))}年的报告（已有年份：{have}）")
    return in_years, sorted(set(q.years) - {r["year"] for r in in_years})


def _with_nearest_scope(ev: Evidence, q: Question, refused: dict) -> dict:
    """A refusal for scope (an office the corpus has no report of, a year it lacks) with what the
    nearest scope answers as candidates: the place's own reports, or the agency's nearest year.
    They are offered, never stated."""
    nearer, asked = None, q.text
    if q.unknown_place and q.place_agencies:
        chosen = [a for a in q.place_agencies if ev.by_agency.get(a)][:2]
        nearer = replace(q, unknown_place=None, place_agencies=[],
                         agencies=[AgencyMatch(a, a, 1.0) for a in chosen])
        asked = q.text.replace(q.unknown_place, chosen[0], 1) if len(chosen) == 1 else None
    elif q.years and q.agencies and not q.unknown_place:
        names = {m.agency for m in q.agencies}
        have = sorted({r["year"] for r in ev.reports_of(names) if r["year"]})
        if have and len(q.years) == 1:
            year = min(have, key=lambda y: abs(y - q.years[0]))
            nearer = replace(without_change(q), years=[year])
            asked = q.text.replace(str(q.years[0]), str(year), 1) if str(q.years[0]) in q.text else None
    if nearer is None:
        return refused
    found = route(ev, nearer)
    candidates = as_candidates(found, asked) if found["figures"] else found.get("candidates", [])
    return {**refused, "candidates": candidates} if candidates else refused


def route(ev: Evidence, q: Question) -> dict:
    """The declared routes over the question's scope, then the one check that no figure answers a
    question not read whole, the nearest figures for a refusal, and the scope notes."""
    scoped = _scope(ev, q) if ev.reports else None
    result = _offer_without_unread(ev, q, scoped, _route(ev, q, scoped))
    if q.reading is not None:
        # a figure stands only for a question read whole (the one place this is decided)
        result = gate(result, q, q.reading.unread)
    return cite_candidates(_scope_notes(q, _offer_near(ev, q, scoped, result)))


def _offer_without_unread(ev: Evidence, q: Question, scoped, result: dict) -> dict:
    """Nothing found for the whole question: what its words without the unread ones find is
    offered ("上半年主动公开了多少条": the year's figure)."""
    reading = q.reading
    if reading is None or not reading.unread or result["figures"] or result.get("candidates") \
            or reading.subject_without_unread == reading.subject:
        return result
    nearest = _route(ev, replace(q, metric=reading.subject_without_unread), scoped)
    return refusal_with_candidates(nearest, q, reading.unread) if nearest["figures"] else result


def _offer_near(ev: Evidence, q: Question, scoped, result: dict) -> dict:
    """A refusal with no candidates yet: what is close to its words (and meaning) is offered."""
    if result["grounded"] or result["figures"] or result.get("candidates") or not ev.reports:
        return result
    reading = q.reading
    looked_up = replace(q, metric=reading.subject_without_unread) if reading is not None and reading.unread else q
    near = nearest_figures(ev, looked_up, scoped[0]) if isinstance(scoped, tuple) else None
    return {**result, "candidates": as_candidates(near, None)} if near else result


def _scope_notes(q: Question, result: dict) -> dict:
    if q.ignored_filters:
        # the question named its own agency or year: it wins, and the answer says so
        result = {**result, "warnings": [*result.get("warnings", []), "筛选条件（" + "、".join(q.ignored_filters)
                                         + "）未应用：问题中已指明单位或年份，按问题回答"]}
    if q.excluded and result.get("grounded"):
        # the scope the question set by leaving agencies out is said with the answer
        result = {**result, "warnings": [*result.get("warnings", []), "已按问题要求不计入：" + "、".join(q.excluded)]}
    return result


def _route(ev: Evidence, q: Question, scoped) -> dict:
    """`scoped`: the question's scope (`_scope`), computed once per reading."""
    if not ev.reports:
        return refusal(q, "索引中还没有任何报告")
    if isinstance(scoped, dict):
        return _with_nearest_scope(ev, q, scoped)
    case = Case(ev, q, *scoped)
    for r in ROUTES:
        if r.when(case):
            res = r.answer(case)
            if res is not None:
                return res
    return refusal(q, "没有找到可回答的内容")          # the passage route always answers; kept for safety


_TWO_ASKS = re.compile(r"^(?P<head>.*?)(?P<a>(?:多少|几)\S{0,8}?)(?:、|，|和|以及|及)(?P<b>[又还另再]?[有是]?(?:多少|几).*)$")


_ASK = re.compile(r"多少|几")
# a second ask that compares the first's figure ("比上年下降了多少", "同比增长多少"): its subject is the first's
_LEANS_ON_FIRST = re.compile(r"^\s*(?:比|较|同比|环比|与上年|和上年|跟上年)")
# a clause asking for a figure with a verb or noun of its own before the ask ("办结了多少件",
# "其中原创的有多少篇"), not only an operation on the first ask ("占比多少", "多几件")
_OWN_ASK = re.compile(r"^\s*(?!(?:占|比|多|少|差|一共|共|合计|总共|分别|各))[\u4e00-\u9fff“”《》]{2,}?(?:有|是)?(?:多少|几)")
_NOT_NAME = r"(?:(?!新收|收到|公开|申请|信息|答复|办理|处理|结转|行政|一共|总共|共)[\u4e00-\u9fff])"
_NAME = _NOT_NAME + r"{1,16}(?:办公厅|办公室|管理局|委员会|政府|局|委|厅|办|区|县|市)(?![理公室])"
# the opening "who and when" of a question: a year, with the agency named right before or after it
_WHO_WHEN = re.compile(r"^[^？?，,]*?(?:\d{4}|(?<!\d)\d{2})\s*年度?(?:" + _NAME + ")?")
# no year: the agency the question opens with
_WHO = re.compile("^" + _NAME)


def _split_at_question_marks(question: str) -> list[str] | None:
    """"…行政诉讼一共多少件？其中被纠正的多少件？（2019年…年报）": two asks, each with the context it
    leans on; a trailing note in brackets belongs to both."""
    text = question.strip()
    tail = ""
    m = re.search(r"[（(][^）)]*[）)]\s*$", text)
    if m:
        text, tail = text[:m.start()].strip(), m.group(0)
    parts = [p for p in re.split(r"[？?]", text) if p.strip()]
    if len(parts) == 1:
        # "…一共收了多少件，办结了多少件": two asks in one sentence, at the last comma both sides of
        # which ask for a number, the second with words of its own ("，占比多少" leans on the first)
        cut = next((m.start() for m in reversed(list(re.finditer(r"[，,；;、]", text)))
                    if _ASK.search(text[:m.start()]) and _OWN_ASK.search(text[m.end():])), None)
        if cut is not None:
            parts = [text[:cut], text[cut + 1:]]
    if len(parts) != 2 or not all(_ASK.search(p) for p in parts):
        return None
    first, second = parts
    head = first[:_ASK.search(first).start()]
    if _ASK.match(second):                                  # "…接入了多少个部门？多少项事项？"
        second = head + second
    elif _LEANS_ON_FIRST.match(second):                     # "…受理了多少件？比上年下降了多少？"
        second = head + second
    elif second.startswith("其中"):                         # "…一共多少件？其中被纠正的多少件？"
        second = re.sub(r"(一共|总共|共计|合计|共|总计)$", "", head) + "中" + second[2:]
    elif _names_only_columns(second) and _names_a_row(head):
        # "…政府集中采购几个项目，总金额多少": a column alone is a column of the row asked before
        second = head + second
    else:                                                    # a clause of its own: who and when only
        who = _WHO_WHEN.match(head)
        if not who and not tail:
            return None
        second = (who.group(0) if who else "") + second
    return [first + tail, second + tail]


def _names_only_columns(text: str) -> bool:
    hits = find_hits(normalise(text))
    return bool(hits) and all(c.dim == "columns" for h in hits for c in h.concepts)


def _names_a_row(text: str) -> bool:
    return any(c.dim == "rows" for h in find_hits(normalise(text)) for c in h.concepts)


def split_asks(question: str) -> list[str]:
    """A question asking for two figures at once, as two questions sharing their opening words.
    "…接入了多少个部门、多少项事项" shares the verb too; "…一共答复了多少件，又有多少件顺延到下一年"
    starts a clause of its own (又/还/另/再), which shares only who and when."""
    marked = _split_at_question_marks(question)
    if marked:
        return marked
    m = _TWO_ASKS.match(question.strip())
    if not m or not re.search(r"[\u4e00-\u9fff]", m.group("a")[2:]):
        return [question]
    head, b = m.group("head"), m.group("b")
    if b[0] in "又还另再":            # a clause of its own: who and when, wherever they stand
        who = _WHO_WHEN.match(head) or _WHO.match(head)
        return [head + m.group("a"), (who.group(0) if who else "") + b]
    return [head + m.group("a"), head + b]


def merge_answers(question: str, results: list[dict]) -> dict:
    """Several answers as one: citations renumbered, figures and warnings together."""
    out = {"question": question, "answer": "", "grounded": any(r["grounded"] for r in results), "figures": [],
           "citations": [], "warnings": [], "interpretation": results[0].get("interpretation")}
    texts = []
    seen: dict[tuple, int] = {}          # one citation per source location across the answers
    for r in results:
        renumber = {}
        for c in r["citations"]:
            key = tuple(c.get(k) for k in ("report_id", "section", "table", "row", "column", "quote"))
            if key not in seen:
                seen[key] = len(out["citations"]) + 1
                out["citations"].append({**c, "id": seen[key]})
            renumber[c["id"]] = seen[key]
        for f in r["figures"]:
            f = {**f, "citation": renumber.get(f.get("citation"), f.get("citation"))}
            if f.get("citations"):
                f["citations"] = [renumber.get(i, i) for i in f["citations"]]
            out["figures"].append(f)
        for c in r.get("candidates", []):
            out.setdefault("candidates", []).append(
                {**c, "citation": renumber.get(c.get("citation"), c.get("citation")),
                 "citations": [renumber.get(i, i) for i in c.get("citations", [])]})
        texts.append(re.sub(r"\[(\d+)\]", lambda m: f"[{renumber.get(int(m.group(1)), int(m.group(1)))}]", r["answer"]))
        out["warnings"] += [w for w in r["warnings"] if w not in out["warnings"]]
    out["answer"] = "\n".join(dict.fromkeys(line for t in texts for line in t.split("\n")))
    if not out["grounded"]:
        out["figures"] = []
    return out
