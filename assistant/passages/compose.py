"""One to three whole passages for a question that asks for words, each cited; or a refusal that
offers the nearest passages.

A passage is a run of sentences of one block (a heading and what it heads): the block whole when it
is short, else the best sentence completed by its neighbours (a heading or an introduction brings
the items that follow it, an item brings the introduction it belongs to). A heading on its own is
never an answer. Every passage comes from the reports in scope: the question's agency and year.
"""
from __future__ import annotations

import logging

from ..citations import AnswerBuilder, refusal, report_name
from ..evidence import Evidence
from ..understand.question import Question
from ..understand.concepts import model, passage_model
from .rank import Ranker, Scored, query_of
from .units import Block, Sentence, blocks_of

log = logging.getLogger(__name__)

THRESHOLD = 0.34          # the question's words a best sentence (with its heading) must say
STRICT = 0.6              # and before any table cell is tried (a question that asks for words)
WHOLE_BLOCK = 320         # a block this short is quoted whole
SECTION_CHARS = 600       # a section asked for as a whole: this much of it, from its start
WINDOW = 260              # else the best sentence and its neighbours up to this many characters
MAX_PASSAGES = 3
MAX_CHARS = 900
NEAR_TOP = 0.85           # another block joins when it scores this close to the best
WIDE_SCOPE = 5            # more reports than this: the retriever picks which to read


def asks_words(q: Question) -> bool:
    """The question asks for words and for no number ("是怎么做的", "收费了吗", "咋样")."""
    if q.wants_figure or q.reading is None or q.reading.wants_overview or q.reading.ops - {"value"} \
            or any(w in q.text for w in model().figure_words):       # "有没有…？有几件": a number too
        return False
    return any(w in q.text for w in passage_model().words_question)


def answer_passage(ev: Evidence, q: Question, reports: list[dict], strict: bool = False,
                   meaning: dict | None = None) -> dict | None:
    """`strict`: tried before the figure routes; None unless a passage says most of the question.
    `meaning`: the paragraphs' meaning ranks (`meaning_ranks`), when the caller has them already."""
    subject = q.metric or ""
    if not query_of(subject).strip():
        return None if strict else refusal(q, "问题中没有可查找的内容")
    ids = [r["report_id"] for r in reports]
    meaning = meaning_ranks(ev, q, ids) if meaning is None else meaning
    if len(ids) > WIDE_SCOPE:
        ids = list(dict.fromkeys(rid for rid, _ in sorted(meaning, key=lambda k: -meaning[k])))[:WIDE_SCOPE]
    blocks = blocks_of([p for rid in ids for p in ev.stated.paragraphs(rid)])
    ranker = Ranker(q.text, subject, blocks, meaning, agencies=[r["agency"] or "" for r in reports])
    ranked = ranker.ranked()
    ranked = [(s, b, sc) for s, b, sc in ranked if any(not x.sentence.heading for x in sc)]
    if strict and (not ranked or max(x.words for x in ranked[0][2]) < STRICT):
        return None
    if not ranked:
        return refusal(q, f"没有找到与“{query_of(subject)}”相关的内容")
    by_report = {r["report_id"]: r for r in reports}
    top_score, top_block, top_scored = ranked[0]
    if max(x.words for x in top_scored) < THRESHOLD:
        return _refuse_with_nearest(q, subject, ranked, by_report)
    rid = top_scored[0].sentence.report_id
    chosen = [(top_block, passage(top_block, top_scored, ranker.only_section))]
    for score, b, scored in ranked[1:]:
        if len(chosen) >= MAX_PASSAGES or score < NEAR_TOP * top_score:
            break
        if scored[0].sentence.report_id == rid and max(x.words for x in scored) >= THRESHOLD:
            chosen.append((b, passage(b, scored, ranker.only_section)))
    b = AnswerBuilder(q)
    r = by_report[rid]
    parts, used = [], 0
    for block, sents in chosen:
        text = _cite(b, sents, r)
        if used and used + len(text) > MAX_CHARS:
            break
        used += len(text)
        parts.append(f"（{block.section or '正文'}）{text}")
    answer = f"据{report_name(r)}{r['year'] or ''}年报告：" + "\n".join(parts)
    warnings = ev.checks.for_passage(rid)
    if len(reports) > 1 and not q.agencies:
        warnings.insert(0, f"问题未指明单位，范围内有{len(reports)}份报告，以上引自最相关的{report_name(r)}{r['year'] or ''}年报告；"
                           "请指明单位以查看其他报告")
    return b.result(answer, warnings)


def passage(block: Block, scored: list[Scored], whole_section: bool = False) -> list[Sentence]:
    """The sentences of `block` that answer: whole when short, else the best one completed. A
    heading comes with the sentences under it, never alone. `whole_section`: the question names
    nothing but the section ("下一步怎么改"): the section from its start, its items in order."""
    content = [x for x in scored if not x.sentence.heading]
    if sum(len(x.sentence.text) for x in content) <= WHOLE_BLOCK:
        return [x.sentence for x in scored]
    if whole_section:
        out, size = [], 0
        for x in scored:
            if size >= SECTION_CHARS:
                break
            out.append(x.sentence)
            size += len(x.sentence.text)
        return out
    best = max(content, key=lambda x: x.score)
    at = content.index(best)
    picked = {at}
    if best.sentence.item:               # an item brings the introduction it belongs to
        intro = next((i for i in range(at - 1, -1, -1) if content[i].sentence.intro), None)
        if intro is not None and at - intro <= 6:
            picked.add(intro)
    size = len(best.sentence.text)
    for i in range(at + 1, len(content)):            # what completes it: the items or sentences after it
        nxt = content[i].sentence
        if size >= WINDOW and not (best.sentence.intro and nxt.item):
            break
        if size + len(nxt.text) > 2 * WINDOW:
            break
        picked.add(i)
        size += len(nxt.text)
    for i, x in enumerate(content):                  # and whatever else in the block says as much
        if x.score >= NEAR_TOP * best.score:
            picked.add(i)
    sents = [content[i].sentence for i in sorted(picked)]
    first = scored[0].sentence
    if first.heading and sents and sents[0] is content[0].sentence:
        sents.insert(0, first)
    return sents


def _cite(b: AnswerBuilder, sents: list[Sentence], r: dict) -> str:
    """The sentences as text, one citation per paragraph they come from (its run of sentences is
    the quote)."""
    out, run = [], []
    for s in sents + [None]:
        if run and (s is None or s.paragraph is not run[-1].paragraph
                    or s.order != run[-1].order + 1):
            quote = _joined(run)
            cid = b.cite_sentence(run[0].paragraph, quote, r)
            out.append(f"{quote}[{cid}]")
            run = []
        if s is not None:
            run.append(s)
    return "".join(out)


def _joined(run: list[Sentence]) -> str:
    """Consecutive sentences as the paragraph writes them (the text between them kept)."""
    text = run[0].paragraph["text"]
    start = text.find(run[0].text)
    end = text.find(run[-1].text, max(start, 0))
    if start < 0 or end < 0:
        return "".join(s.text for s in run)
    return text[start:end + len(run[-1].text)].strip()


def meaning_ranks(ev: Evidence, q: Question, ids: list[str]) -> dict[tuple[str, int], float]:
    """(report, paragraph start) -> 0..1 by the hybrid retriever's rank of the paragraph for the
    question; empty when no retriever is open (the words then decide alone)."""
    try:
        retriever = ev.retriever()
    except Exception as exc:          # the vector store is optional for passages: words still answer
        log.warning("passage retrieval without the vector store: %s", exc)
        return {}
    if retriever is None:
        return {}
    hits = retriever.search(q.text, report_ids=ids, k=30, candidates=60, kinds={"paragraph"})
    paragraphs = [p for rid in {h.chunk["report_id"] for h in hits} for p in ev.stated.paragraphs(rid)]
    out: dict[tuple[str, int], float] = {}
    for i, h in enumerate(hits):
        at = h.chunk.get("start_pos") or 0
        p = next((p for p in paragraphs if p["report_id"] == h.chunk["report_id"]
                  and (p["start_pos"] or 0) <= at <= (p["end_pos"] or 0)), None)
        if p is not None:
            out.setdefault((p["report_id"], p["start_pos"] or 0), 1.0 - i / len(hits))
    return out


def _refuse_with_nearest(q: Question, subject: str, ranked, by_report: dict) -> dict:
    """Nothing says enough of the question: the nearest passages, offered, never the answer."""
    out = refusal(q, f"报告中没有足够贴近“{query_of(subject)}”的段落")
    cands = []
    for _, block, scored in ranked[:3]:
        sents = passage(block, scored)
        if not sents:
            continue
        r = by_report[sents[0].report_id]
        quote = _joined([s for s in sents if s.paragraph is sents[0].paragraph][:2])
        p = sents[0].paragraph
        cands.append({"value": None, "unit": None, "label": block.leaf or block.section,
                      "text": f"{report_name(r)}{r['year'] or ''}年（{block.section or '正文'}）：{quote[:80]}",
                      "question": f"{report_name(r)}{r['year'] or ''}年报告“{block.leaf or block.section or '正文'}”部分说了什么？",
                      "sources": [{"report_id": r["report_id"], "source": r["source"], "agency": r["agency"],
                                   "year": r["year"], "section": p["section"], "table": None, "row": None,
                                   "column": None, "quote": quote, "page": p["page"]}]})
    if cands:
        out["answer"] += "\n相近的段落列在下方，不一定回答了本问题。"
        out["candidates"] = cands
    return out
