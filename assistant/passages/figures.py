"""A figure the text states, asked in other words: "君山片区公众号推送了多少篇文章" is answered by
"微信公众号共发布903篇公众号信息" although no label says 推送 or 文章.

When no concept and no stated figure's label names what is asked, the report's sentences are read
for every number with the thing it counts (条, 件, 期, 场, 人 …), each in its clause (between the
punctuation around it) and its clause group (back to the last "；" or "。": the topic a run of
figures shares). A number answers only when
- it counts in the unit asked or one of its kin (几期 -> 期; 多少人 -> 人, 名, 位), a share is asked
  as a share and money as money;
- the question's words are said in its clause group (most of their weight, the passages' measure);
- its clause does not lump the thing asked with others ("行政公文和政策解读信息9条" is no count of
  政策解读 alone);
- no other number with another value fits as well.
Otherwise the best numbers are offered as candidates and never stated as the answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..citations import AnswerBuilder, refusal, report_name
from ..evidence import Evidence
from ..understand.concepts import model, passage_model
from ..understand.question import Question
from .rank import Ranker
from .units import Block, Sentence, blocks_of

ENOUGH = 0.7            # the share of the question's words a figure's clause group must say
OWN = 0.2               # and its own clause (the thing it counts is named there, not only nearby)
TIE = 0.05              # another value this close is as good an answer: none is picked
BETTER = 0.15          # a figure in the text's words replaces one found by its label when it fits this much better
THING_BONUS = 0.15      # the thing counted right after the number is the one asked
PART_PENALTY = 0.2      # a figure inside brackets breaks down the one before it
NEAR = 0.4              # a figure this close is offered as a candidate
MAX_REPORTS = 3
_CLAUSE_CUT = "，,；;：:。！？"


@dataclass(frozen=True)
class Said:
    value: str
    unit: str
    clause: str          # from the punctuation before the number to the punctuation after it
    group: str           # the clause group up to the end of the clause
    sentence: Sentence
    block: Block
    score: float = 0.0
    lumped: bool = False


@lru_cache(maxsize=1)
def _number_re() -> re.Pattern:
    units = "|".join(map(re.escape, passage_model().figure_units))
    return re.compile(r"(?<![\d.第月])(?P<num>\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+)\s*(?:余|多)?\s*"
                      rf"(?P<unit>{units})")


def asked_unit(text: str) -> str | None:
    """What the question counts in: "几期" -> 期, "多少个单位" -> 个, "多少人" -> 人, money -> 元,
    a share -> %."""
    pm = passage_model()
    if any(w in text for w in model().share_words) or re.search(r"率(?:是|为|有)?多少", text):
        return "%"
    if any(w in text for w in model().money_words):
        return "元"
    units = "|".join(map(re.escape, pm.figure_units))
    m = re.search(rf"(?:几|多少)\s*(?:个(?=人|单位|部门))?(?P<u>{units})?", text)
    if not m:
        return None
    u = m.group("u")
    if u is None and re.search(r"(?:几|多少)\s*个", text):
        return "个"
    return u


def counted_thing(text: str) -> str | None:
    """What the question counts, named after its ask: "收到多少条意见" -> 意见."""
    units = "|".join(map(re.escape, passage_model().figure_units))
    m = re.search(rf"(?:几|多少)\s*(?:{units})(?P<what>[\u4e00-\u9fff]{{1,4}}?)(?:[？?，,。！!]|$|呢|啊|吗)", text)
    return m.group("what") if m and len(m.group("what")) >= 2 else None


def asks_several(text: str) -> bool:
    """The question itself names several things ("环保、公共卫生…这类信息", "A和B")."""
    return "、" in text or any(c in text for c in model().connectors)


def _counts_in(asked: str, said: str) -> bool:
    """A figure said in `said` answers a count asked in `asked`: "8232万条" is no count of 个, "万元"
    answers 多少钱; a figure with no unit of its own is not contradicted."""
    if said.startswith(("万", "亿")) and not _kin(asked, said):
        return False
    return not said or _kin(asked, said.lstrip("万亿余") or asked)


def _kin(a: str, b: str) -> bool:
    if a == b:
        return True
    return any(a in k and b in k for k in passage_model().unit_kin)


def _lumped(clause_before: str, ranker: Ranker) -> bool:
    """The clause names several things joined ("行政公文和政策解读信息") and the question only some:
    around each joining word, the question's words are said on one side and not on the other."""
    items = re.findall(r"[“\"]([^”\"]{2,})[”\"]", clause_before)
    if len(items) >= 2:             # a list of named items ("“春节…就业创业…”“建设…”等新闻发布会12场")
        said = [ranker.coverage(x) > 0 for x in items]
        if any(said) and not all(said):
            return True
    clause_before = re.sub(r"《[^》]*》", "", clause_before)       # a title's own 和 joins nothing counted
    for m in re.finditer(r"以及|[和及与、]", clause_before):
        left = clause_before[max(0, m.start() - 4):m.start()]
        right = clause_before[m.end():m.end() + 4]
        if min(len(re.findall(r"[\u4e00-\u9fff]", x)) for x in (left, right)) < 2:
            continue                      # nothing named on one side ("、92%…", "》及主合办…")
        if (ranker.coverage(left) > 0) != (ranker.coverage(right) > 0):
            return True
    return False


def figures_in(blocks: list[Block], ranker: Ranker, unit: str | None, asks_join: bool,
               question: str = "") -> list[Said]:
    """Every number of the blocks' sentences that counts in the unit asked, scored, best first."""
    thing = counted_thing(question)
    asks_other = bool(re.search(r"其他|其它|其余", question))
    out = []
    for b in blocks:
        for s in b.sentences:
            for m in _number_re().finditer(s.text):
                if unit is not None and not _kin(unit, m.group("unit")):
                    continue
                if m.group(0) in question:        # "四个季度" the question says itself is no answer
                    continue
                if unit is None and m.group("unit") == "%":
                    continue
                said = _read(m, s, b, ranker, thing, asks_join, asks_other)
                if said is not None:
                    out.append(said)
    out.sort(key=lambda x: -x.score)
    return out


def _read(m: re.Match, s: Sentence, b: Block, ranker: Ranker, thing: str | None, asks_join: bool,
          asks_other: bool) -> Said | None:
    """One number of a sentence: its clause and clause group, and how well they say the question."""
    text = s.text
    joined_from = max((text.rfind(c, 0, m.start()) for c in _CLAUSE_CUT), default=-1) + 1
    start = max(joined_from, text.rfind("、", 0, m.start()) + 1)     # "文件4条、政策解读3条"
    ends = [i for c in _CLAUSE_CUT + "、（(" if (i := text.find(c, m.end())) >= 0]
    end = min(ends) if ends else len(text)
    group_start = max((text.rfind(c, 0, joined_from) for c in "；;。！？"), default=-1) + 1
    clause, group = text[start:end], text[group_start:end]
    if not asks_other and re.search(r"其他|其它|其余", clause):
        return None                       # "其他应主动公开政府信息1053条" is the rest, not the whole
    cover = max(ranker.coverage(group), 0.9 * ranker.coverage(b.leaf + " " + group))
    own = ranker.coverage(clause)
    cover = 0.8 * cover + 0.2 * own if own >= OWN else min(cover, NEAR)
    if thing and ranker.coverage_of(thing, text[m.end():m.end() + len(thing) + 2]) > 0:
        cover += THING_BONUS              # "53个部门2261项事项": 多少个部门 is the 53
    if text.count("(", 0, m.start()) + text.count("（", 0, m.start()) > \
            text.count(")", 0, m.start()) + text.count("）", 0, m.start()):
        cover -= PART_PENALTY             # inside "(其中…)": a part of the figure before it
    value, unit_said = m.group("num"), m.group("unit")
    if unit_said == "%":                  # a share is written with its sign, as the report does
        value, unit_said = value + "%", ""
    # a list of figures ("问卷四次、意见征集四次") is no lump: only the words since the last figure
    since = max([joined_from] + [p.end() for p in _number_re().finditer(text, 0, m.start())])
    return Said(value, unit_said, clause, group, s, b, cover,
                lumped=not asks_join and _lumped(text[since:m.start()], ranker))


@dataclass(frozen=True)
class InWords:
    """What the text says for a question: the figure that answers (None when none does), the
    nearest figures to offer, the question's words the best figure's sentence does not say."""
    best: Said | None
    near: list[Said]
    unsaid: list[str]
    reports: dict
    ranker: Ranker


def find_in_words(ev: Evidence, q: Question, reports: list[dict]) -> InWords | None:
    """The figures of the reports' sentences for the question, and the one that answers if any;
    None when the scope is too wide to read or the question has no words to look for."""
    if not reports or len(reports) > MAX_REPORTS or not q.metric:
        return None
    blocks = blocks_of([p for r in reports for p in ev.stated.paragraphs(r["report_id"])])
    ranker = Ranker(q.text, q.metric, blocks, agencies=[r["agency"] or "" for r in reports])
    unit = asked_unit(q.text)
    if unit:                       # the unit asked is matched as a unit, not as a word ("几个人": 人)
        ranker.drop({t for t in ranker.terms if t == unit or _kin(unit, t)})
    if not ranker.terms:
        return None
    found = figures_in([b for bs in blocks.values() for b in bs], ranker, unit, asks_several(q.text), q.text)
    by_report = {r["report_id"]: r for r in reports}
    near = [x for x in found if x.score >= NEAR][:3]
    best = found[0] if found else None
    rivals = [x for x in found[1:] if best and x.score >= best.score - TIE and x.value != best.value]
    if best is None or best.score < ENOUGH or best.lumped or rivals:
        return InWords(None, near, [], by_report, ranker)
    # a word of the question that no sentence of the reports says at all ("抖音直播搞了几场",
    # "在电视台办了几期") cannot be what this figure counts: it is not read, and nothing is stated
    unsaid = [t for t in ranker.unsaid(best.group + " " + best.block.leaf) if ranker.nowhere(t)]
    return InWords(None if unsaid else best, near, unsaid, by_report, ranker)


def answer_figure_in_words(ev: Evidence, q: Question, reports: list[dict]) -> dict | None:
    """The figure the question asks for, found in the text's own words; a refusal with the nearest
    figures when none says the whole question; None when there is nothing to offer."""
    found = find_in_words(ev, q, reports)
    if found is None:
        return None
    return _offer(q, found) if found.best is None else _answer(q, found)


def _answer(q: Question, found: InWords) -> dict:
    best = found.best
    r = found.reports[best.sentence.report_id]
    b = AnswerBuilder(q)
    cid = b.cite_sentence(best.sentence.paragraph, best.group, r)
    b.figures.append({"value": best.value, "unit": best.unit, "label": best.clause, "citation": cid})
    lead = "…" if len(best.group) > len(best.clause) else ""
    answer = f"{report_name(r, with_year=True)}报告正文写道：“{lead}{best.clause}”[{cid}]，即{best.value}{best.unit}。"
    return b.result(answer, ["报告没有这一项的统计栏目，以上数字出自报告正文的这句话，请核对它说的是否正是所问"])


def _offer(q: Question, found: InWords) -> dict | None:
    if not found.near:
        return None
    if found.unsaid:
        words = "、".join(f"“{w}”" for w in found.unsaid)
        out = refusal(q, f"没有读懂{words}——报告正文没有说到它，相近的数字不能当作答案")
    else:
        out = refusal(q, f"报告正文中没有正好说“{q.metric}”的数字")
    by_report = found.reports
    out["candidates"] = [{
        "value": x.value, "unit": x.unit, "label": x.clause,
        "text": f"{report_name(by_report[x.sentence.report_id])} {x.clause}",
        "question": None,
        "sources": [{"report_id": x.sentence.report_id, "source": by_report[x.sentence.report_id]["source"],
                     "agency": by_report[x.sentence.report_id]["agency"], "year": by_report[x.sentence.report_id]["year"],
                     "section": x.sentence.section, "table": None, "row": None, "column": None,
                     "quote": x.group, "page": x.sentence.paragraph["page"]}]} for x in found.near]
    out["answer"] += "\n正文中相近的数字列在下方，不是本问题的答案。"
    return out


def does_not_count_what_was_asked(ev: Evidence, q: Question, result: dict) -> str | None:
    """Why a stated figure found by its label is no answer after all: the kind of number asked
    ("点赞", "访问量") is not what its clause counts, or its clause lumps the thing asked with others
    ("行政公文和政策解读信息9条" for 政策解读 alone). None when it stands."""
    quotes = _figure_sentences(ev, result)
    kind = q.reading.absent_word if q.reading is not None else None
    if kind and not all(kind in t for t in quotes):
        return f"报告中这句话说的不是“{kind}”的数字"
    unit = asked_unit(q.text)
    if unit and unit != "%" and not all(_counts_in(unit, f.get("unit") or "") for f in result["figures"]):
        return f"报告中这个数字不是按“{unit}”计的"
    if asks_several(q.text):
        return None
    ranker = Ranker(q.text, q.metric, {})
    for f in result["figures"]:
        label = f.get("label") or ""
        at = label.rfind(f.get("value") or "\0")
        if _lumped(label[:at] if at > 0 else label, ranker):
            return f"报告中“{label}”是几项合在一起的数字，没有单列所问的一项"
    return None


def _figure_sentences(ev: Evidence, result: dict) -> list[str]:
    """Each figure's label, quote and its sentence up to the quote: what the figure says it counts."""
    cits = {c["id"]: c for c in result.get("citations", [])}
    out = []
    for f in result["figures"]:
        c = cits.get(f.get("citation")) or {}
        said = ev.stated.sentence(c["report_id"], c.get("quote") or "", upto_quote=True) if c.get("report_id") else ""
        out.append(f"{f.get('label') or ''} {c.get('quote') or ''} {said}")
    return out


def better_in_words(ev: Evidence, q: Question, reports: list[dict], result: dict) -> dict | None:
    """A figure found by its label ("微信公众号共编发文章1640篇" for "原创的有多少篇") gives way to one
    the text states in words that say clearly more of the question ("其中原创文章294篇")."""
    if len(result["figures"]) != 1:
        return None
    found = find_in_words(ev, q, reports)
    if found is None or found.best is None or found.best.value == result["figures"][0]["value"]:
        return None
    said = found.ranker.coverage(_figure_sentences(ev, result)[0])
    return _answer(q, found) if found.best.score >= said + BETTER else None
