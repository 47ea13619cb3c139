"""Fact lookup for figures the question model does not name as template cells: figures stated in
the text ("政府网站公开信息919条") and cells of tables outside the templates.

Matching is by character bigrams weighted by how rare they are in the corpus's labels (the
catalog), with the question's subject from the reader. In a small scope a figure is also matched
with its whole sentence, since people name what the sentence is about, not only the clause.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from .catalog import FactCatalog
from .understand.concepts import model, share_words_re
from .understand.matching import bridged, grams, overlap
from .understand.reader import find_hits, normalise

FIGURE_THRESHOLD = 0.5
MIN_RECALL = 0.45
PART_THRESHOLD = 0.3      # one of two named items inside one report
CONTEXT_SCOPE = 5         # up to this many reports, stated figures are also matched with their whole sentence
_SENTENCE_END = re.compile(r"[。！？；!?;]")
_FULL_STOP = re.compile(r"[。！？!?]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_REMAINDER = re.compile(r"^[（(]?[一二三四五六七八九十\d]*[)）、.]?\s*(其他|其它|其余)")


@lru_cache(maxsize=20000)
def _rows_named(text: str) -> frozenset[str]:
    """The template rows and blocks a text names (concept ids): a stated figure whose label names
    one the question does not is about that row, not what was asked."""
    m = model()
    named = {c.id for h in find_hits(text) for c in h.concepts if c.dim == "rows"}
    # a table's default row is also named by its general word ("申请量" names 表三's 本年新收)
    named |= {t.default_row for t in m.tables.values() if t.default_row and any(w in text for w in t.default_row_words)}
    return frozenset(named)


def _other_platform(asked: list[str], said: str) -> bool:
    """The figure's words name a platform, and none the question asks about."""
    return not any(w in said for w in asked) and any(w in said for w in model().platform_words)


def _unit_fits(asked: str, unit: str | None) -> bool:
    kind = model().same_kind_units
    return asked == unit or (asked in kind and unit in kind)


@lru_cache(maxsize=1)
def _unit_asked() -> re.Pattern:
    """"多少条", "几期": the unit a question counts in."""
    units = "".join(sorted({u for u in (*model().specific_units, *model().same_kind_units, "个") if len(u) == 1}))
    return re.compile(f"多少([{units}])|几([{units}])")


@dataclass
class Scored:
    fact: dict
    score: float
    recall: float


def near(word: str, text: str, share: float = 0.6) -> bool:
    """Most (`share`) of a word's character pairs occur in the text (土地出让信息 ~ 土地出让类信息)."""
    if word in text:
        return True
    pairs = {word[i:i + 2] for i in range(len(word) - 1)}
    return bool(pairs) and sum(p in text for p in pairs) / len(pairs) >= share


def _clause_is_about(clause: str, subject: str, question: str) -> bool:
    """A figure labelled by a linking word ("…，占4.34%") is about the item its clause opens with
    ("不予公开35件"): that item must be the subject asked, whole ("予以公开及部分公开258件" is no
    share of 部分公开 alone)."""
    lead = re.split(r"\d", clause, maxsplit=1)[0]
    items = [p for p in re.split(r"以及|[及和与、]", lead) if len(p) >= 2]
    if len(items) >= 2 and not all(p in question for p in items):
        return False
    word = max(subject.split(), key=len, default="")      # the item, not "申请" beside it
    return len(word) < 2 or near(word, lead)


def head(part: str, parts: list[str]) -> str:
    """An item's own head word: its last word that the other item does not share."""
    other = " ".join(p for p in parts if p != part)
    own = [w for w in part.split() if len(w) >= 2 and w not in other]
    return own[-1] if own else ""


# "A中B": B is a part of A ("编发文章中原创的", "主动公开的信息中机关党建"), and only a figure whose
# own label names B counts it; a word that merely holds 中 (中国, 中心, 集中) is no such mark
_PART_OF = re.compile(r"[\u4e00-\u9fff“”]{2,}(?<!其)(?<!集|空|心)中(?![国心央文介])\s*([\u4e00-\u9fff]{2,})")


def _item_of_part(subject: str) -> str:
    m = None
    for m in _PART_OF.finditer(subject.replace(" ", "")):
        pass
    item = re.sub(r"(的|有|是|为)+$", "", m.group(1)) if m else ""
    return item if len(item) <= 6 else ""        # a long description ("因为不掌握等原因没法提供") is no name


class StatedFigures:
    def __init__(self, store, catalog: FactCatalog, template_keys: set[tuple]):
        self.store = store
        self.catalog = catalog
        self.template_keys = template_keys        # read through the question model, not scored here
        self._paragraphs: dict[str, list[dict]] = {}
        self._lock = threading.Lock()

    def best(self, subject: str, question: str, reports: list[dict], prose_only: bool = False) -> dict[str, Scored]:
        """The best-matching fact of each report (by report id), when it matches well enough."""
        return {rid: ranked[0] for rid, ranked in self.ranked(subject, question, reports, prose_only).items()}

    def ranked(self, subject: str, question: str, reports: list[dict], prose_only: bool = False,
               threshold: float = FIGURE_THRESHOLD) -> dict[str, list[Scored]]:
        """Every fact of each report that matches `subject` well enough, best first. "A中B" (B a
        part of A): where the whole subject finds nothing, B alone is looked for, and only figures
        whose label names B count either way."""
        found = self._ranked(subject, question, reports, prose_only, threshold)
        item = _item_of_part(subject)
        rest = [r for r in reports if r["report_id"] not in found]
        if item and rest and item != subject.strip():
            found.update(self._ranked(item, question, rest, prose_only, threshold))
        return found

    def _ranked(self, subject: str, question: str, reports: list[dict], prose_only: bool,
                threshold: float) -> dict[str, list[Scored]]:
        only_rate = bool(share_words_re().search(question))     # "占多大比例": a count is no answer
        durations = model().duration_units if any(w in question for w in model().duration_words) else ()
        if durations:       # "平均多少天办结": only a figure in days or hours is an answer
            subject = re.sub("|".join(map(re.escape, model().duration_words)), " ", subject)
        if only_rate:
            # the words of a share say which kind of figure (a percentage), not what it is about
            subject = share_words_re().sub(" ", subject)
        qg = grams(subject)
        if not qg:
            return {}
        qb = bridged(subject)
        asks_other = any(w in question for w in ("其他", "其它", "其余"))
        scope = {r["report_id"] for r in reports}
        cat = self.catalog
        unit = _unit_asked().search(question)
        unit = (unit.group(1) or unit.group(2)) if unit else None
        wants_rate = "%" in question or "率" in subject
        found: dict[str, list[Scored]] = {}

        def offer(f: dict, score: float, recall: float) -> None:
            found.setdefault(f["report_id"], []).append(Scored(f, score, recall))

        keys = [] if prose_only else [k for k in cat.score_cells(qg) if k[0] >= FIGURE_THRESHOLD and k[1] >= MIN_RECALL
                                      and k[2] not in self.template_keys][:12]
        for score, recall, key in keys:
            for f in self.store.facts_by_key(key, scope):
                if f["report_id"] in scope and (not durations or f["unit"] in durations):
                    offer(f, score, recall)
        hits = []
        in_context = len(scope) <= CONTEXT_SCOPE
        platforms = [w for w in model().platform_words if w in question]
        before = ""
        for i in cat.prose_candidates(qg, scope):
            score, recall = cat.score_prose(qg, i, qb)
            if in_context:      # words of the question may sit earlier in the figure's sentence
                before = self.sentence(cat.prose_reports[i], cat.prose_quote[i], upto_quote=True, at=cat.prose_start[i])
                label = cat.prose_label[i]
                if len(_CJK.findall(label)) <= 1:
                    # "…无法提供265件，占32.9%": a figure labelled by a linking word alone is about the
                    # clause before it
                    label = self.sentence(cat.prose_reports[i], cat.prose_quote[i], clause=True, at=cat.prose_start[i])
                    if not _clause_is_about(label, _item_of_part(subject) or subject, question):
                        continue
                ctx = overlap(qg, grams(f"{label} {before}"), cat.idf)
                if ctx > recall:
                    # the figure's own clause still counts: of two figures in sentences that hold the
                    # question's words, the one whose clause says them ("刊登…112件") is meant
                    own = recall if label == cat.prose_label[i] else ctx
                    score = max(score, 0.5 * ctx + 0.15 * own + 0.35 * overlap(grams(label), qb, cat.idf) - 0.05)
                    recall = ctx
            if platforms and _other_platform(platforms, f"{cat.prose_label[i]} {before if in_context else ''}"):
                continue        # "政务微信发了多少条": a figure counted on 政务微博 is another platform's
            if not asks_other and _REMAINDER.match(re.split(r"[中，,]", cat.prose_label[i])[-1]):
                # "其他应主动公开政府信息" is the rest of a list: never what a question that does not say
                # 其他 asks ("其他应公开的政府信息中机关党建" is an item, 机关党建)
                continue
            if unit and cat.prose_unit[i] == unit:
                score += 0.04
            elif (unit in model().specific_units or (unit and cat.prose_unit[i] in model().specific_units)) \
                    and not _unit_fits(unit, cat.prose_unit[i]):
                score -= 0.3        # "几期" is not answered by a count of 件, nor "多少条" by 4次
            is_rate = cat.prose_unit[i] in ("%", "％") or "%" in cat.prose_value[i]
            if durations and cat.prose_unit[i] not in durations:
                continue
            if unit and not (wants_rate or only_rate) and (is_rate or cat.prose_unit[i] in model().money_units):
                continue        # "多少条" asks a count: a percentage or an amount of money is no answer
            if (wants_rate or only_rate) and is_rate:
                score += 0.04
            elif only_rate:
                continue        # "占比多少": a count ("其他处理0件") is no answer, however well it matches
            if score >= threshold and recall >= min(MIN_RECALL, threshold):
                hits.append((score, recall, int(cat.prose_ids[i])))
        facts = {f["fact_id"]: f for f in self.store.facts_by_ids([h[2] for h in hits])}
        asked = _rows_named(normalise(question))
        for score, recall, fid in hits:
            if _rows_named(normalise(facts[fid]["label"] or "")) - asked:
                continue        # "政府信息公开行政复议351件" answers no question that does not ask about 行政复议
            offer(facts[fid], score, recall)
        item = _item_of_part(subject)
        for rid, ranked in found.items():
            ranked.sort(key=lambda s: (-s.score, s.fact["fact_id"]))
            if unit in model().specific_units and any(_unit_fits(unit, s.fact["unit"]) for s in ranked):
                # "多少场直播": where the report counts in 场, a count in 条 is another thing
                found[rid] = [s for s in ranked if _unit_fits(unit, s.fact["unit"])]
            if item:
                # "…编发文章中原创的": a part of the whole is counted by a figure that names the part
                found[rid] = [s for s in found[rid] if near(item, self.widened(s.fact)["label"] or "")]
        return {rid: lst for rid, lst in found.items() if lst}

    def paragraphs(self, report_id: str) -> list[dict]:
        got = self._paragraphs.get(report_id)
        if got is None:
            got = self.store.paragraphs([report_id])
            with self._lock:
                if len(self._paragraphs) > 64:
                    self._paragraphs.clear()
                self._paragraphs[report_id] = got
        return got

    def sentence(self, report_id: str, quote: str, upto_quote: bool = False, clause: bool = False,
                 at: int | None = None) -> str:
        """The sentence of a report's text that holds a stated figure's clause; with `upto_quote`,
        only as far as the clause: the words after it name the figures that follow ("在主动公开的24条
        政府信息中，…机关党建3条" — 机关党建 is not what the 24 counts). `at`: where the figure's clause
        starts in the document, so that a clause written twice ("其中依申请公开0件") is found where
        this figure stands, not where it first occurs."""
        paragraphs = self.paragraphs(report_id)
        if at is not None:      # the paragraph holding the figure first
            paragraphs = sorted(paragraphs, key=lambda p: not ((p["start_pos"] or 0) <= at <= (p["end_pos"] or -1)))
        for p in paragraphs:
            text = p["text"] or ""
            own = at is not None and (p["start_pos"] or 0) <= at <= (p["end_pos"] or -1)
            i = text.find(quote, max(0, at - (p["start_pos"] or 0))) if own else -1
            i = i if i >= 0 else text.find(quote)
            if i >= 0:
                # before a figure, the whole sentence (its topic may sit ahead of a "；": "视频号…；直播118场")
                # (`clause`: only from the last "；", up to the figure)
                whole = upto_quote and not clause
                starts = [m.end() for m in (_FULL_STOP if whole else _SENTENCE_END).finditer(text, 0, i)]
                end = _SENTENCE_END.search(text, i + len(quote))
                stop = i + len(quote) if upto_quote or clause else (end.end() if end else len(text))
                return text[starts[-1] if starts else 0:stop]
        return quote

    def widened(self, f: dict) -> dict:
        """A figure labelled by a linking word alone ("占19.6%") with its clause as label and quote
        ("不予处理158件，占19.6%"), so the answer says what the share is of; other figures as they are."""
        if f["kind"] != "prose" or len(_CJK.findall(f["label"] or "")) > 1:
            return f
        clause = self.sentence(f["report_id"], f["quote"] or "", clause=True, at=f.get("start_pos"))
        i = clause.rfind(f["value"])
        if i <= 0 or f["quote"] not in clause:
            return f
        lead = clause[:i].removesuffix(f["label"] or "").rstrip("，,")
        return {**f, "label": lead + "，" + (f["label"] or ""), "quote": clause}

    def context(self, f: dict, before: int = 30) -> str:
        """A stated figure's clause with the words just before it in its paragraph."""
        quote = f["quote"] or ""
        at = f["start_pos"] or 0
        for p in self.paragraphs(f["report_id"]):
            if not (p["start_pos"] or 0) <= at <= (p["end_pos"] or 0) + 1:
                continue
            i = (p["text"] or "").find(quote, max(0, at - (p["start_pos"] or 0)))
            i = i if i >= 0 else (p["text"] or "").find(quote)
            if i >= 0:
                return p["text"][max(0, i - before):i + len(quote)]
        return quote

    def mentioned(self, word: str, reports: list[dict]) -> bool:
        """Whether any report in scope speaks of `word` at all (e.g. 访问量): its text in a small
        scope, its stated figures (through the catalog's postings) in a large one."""
        if len(reports) <= CONTEXT_SCOPE:
            return any(word in (p["text"] or "") for r in reports for p in self.paragraphs(r["report_id"]))
        scope = {r["report_id"] for r in reports}
        return any(word in self.catalog.prose_text[i] for i in self.catalog.prose_candidates(grams(word), scope))
