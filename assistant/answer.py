"""Grounded answers: the matching facts and sentences -> answer text, figures and citations.

Every figure comes from a stored fact (a table cell or a prose clause) and carries the citation
whose quote contains it; computed figures (differences, sums) are computed here from cited cells
and cite every one of them. When nothing in scope matches well enough, the answer is a refusal
that names what was looked for.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from index.numbers import format_number

from . import corpus
from .catalog import FactCatalog
from .citations import AnswerBuilder, refusal, report_name
from .compose import add_figure, cite_value, combine_sentence, metric_words, refs, value_sentence
from .crossyear import cross_year_checks
from .lookup import CellIndex, Lookup
from .matching import Idf, grams, overlap
from .question import Question, agency_names, parse_question

FIGURE_THRESHOLD = 0.5
MIN_RECALL = 0.45
PART_THRESHOLD = 0.3      # one of two named items inside one report
CONTEXT_SCOPE = 5         # up to this many reports, stated figures are also matched with their whole sentence
_SENTENCE_END = re.compile(r"[。！？；!?;]")
_SPECIFIC_UNITS = {"期", "次", "篇", "份", "人", "家", "场", "名"}
TIE_MARGIN = 0.01         # scores this close are the same reading of the question
MAX_LISTED = 10          # beyond this many matching reports, ask which one instead of listing
PROSE_THRESHOLD = 0.34
_SENT_SPLIT = re.compile(r"(?<=[。！？；])")
_SHORTCOMING = re.compile(r"有待|不够|不足|差距|欠缺|薄弱|滞后|不强|不高|不到位|不完善|不规范|不及时|短板|无法满足|不能满足|松懈")


@dataclass
class Scored:
    fact: dict
    score: float
    recall: float


def _asks_rate_of_counts(q: Question) -> bool:
    """"百分之多少" of one count cell: a count cannot answer it (a ratio of two named cells can)."""
    return len(q.metrics) == 1 and q.operation != "ratio" and bool(re.search(r"百分|比例|占比|%|％|比率", q.text))


def _head(part: str, parts: list[str]) -> str:
    """An item's own head word: its last word that the other item does not share."""
    other = " ".join(p for p in parts if p != part)
    own = [w for w in part.split() if len(w) >= 2 and w not in other]
    return own[-1] if own else ""


def _near(word: str, text: str) -> bool:
    """Most of a word's character pairs occur in the text (土地出让信息 ~ 土地出让类信息)."""
    if word in text:
        return True
    pairs = {word[i:i + 2] for i in range(len(word) - 1)}
    return bool(pairs) and sum(p in text for p in pairs) / len(pairs) >= 0.6


class Answerer:
    def __init__(self, facts, retriever=None, chat_model=None):
        """`retriever` may be a zero-argument factory: it opens the vector store, which only prose
        questions over a wide scope need, so start-up does not pay for it."""
        self.store = facts
        self._retriever = retriever
        self.chat_model = chat_model
        self._reports: list[dict] = []
        self._names: dict[str, list[str]] = {}
        self._report_names: dict[str, str] = {}
        self.catalog: FactCatalog | None = None
        self._cross_failed: list[dict] = []
        self._paragraph_cache: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    # --- corpus-level caches (rebuilt when the index generation changes) --------------------

    def _refresh(self) -> None:
        gen = self.store.generation()
        with self._lock:
            if self.catalog is not None and self.catalog.generation == gen:
                return
            self._reports = self.store.reports()
            self._report_names = {r["report_id"]: f"{report_name(r)}{r['year'] or ''}年报告" for r in self._reports}
            self._names = agency_names(self._reports)
            catalog = FactCatalog(self.store)
            self.cells = CellIndex(catalog.cell_keys)
            self.lookup = Lookup(self.store, self.cells)
            self._template_keys = {k for keys in self.cells.by_row.values() for k in keys}
            self._paragraph_cache = {}
            self.catalog = catalog
            self._cross_failed = [c for c in cross_year_checks(self.store) if c["passed"] is False]

    def reports(self) -> list[dict]:
        self._refresh()
        return self._reports

    @property
    def retriever(self):
        if callable(self._retriever) and not hasattr(self._retriever, "search"):
            self._retriever = self._retriever()
        return self._retriever

    # --- entry point --------------------------------------------------------------------------

    def understand(self, question: str, agency: str | None = None, year: int | None = None) -> Question:
        """What the question asks about (agency, years, metric), as the answer would read it."""
        self._refresh()
        return parse_question(question, self._reports, agency=agency, year=year, names=self._names)

    def ask(self, question: str, agency: str | None = None, year: int | None = None,
            qid: str | None = None) -> dict:
        q = self.understand(question, agency=agency, year=year)
        result = self._answer(q)
        if self.chat_model is not None:
            from .llm import rephrase

            result = rephrase(self.chat_model, result)
        return {"id": qid, **result} if qid is not None else result

    def _answer(self, q: Question) -> dict:
        if not self._reports:
            return refusal(q, "索引中还没有任何报告")
        if q.unknown_place:
            have = "；语料中相关单位的报告有：" + "、".join(
                f"{r['agency']}（{r['year']}年）" for r in self._reports if r["agency"] in q.place_agencies) \
                if q.place_agencies else ""
            return refusal(q, f"语料中没有{q.unknown_place}的报告{have}")
        scope = self._reports
        if q.agencies:
            names = {m.agency for m in q.agencies}
            scope = [r for r in scope if r["agency"] in names]
        if q.years:
            in_years = [r for r in scope if r["year"] in q.years]
            missing = sorted(set(q.years) - {r["year"] for r in in_years})
            if not in_years:
                who = "、".join(sorted({r["agency"] for r in scope})) if q.agencies else "语料"
                return refusal(q, f"{who}没有{'、'.join(map(str, q.years))}年的报告"
                                  f"（已有年份：{'、'.join(str(y) for y in sorted({r['year'] for r in scope if r['year']}))}）")
        else:
            in_years, missing = scope, []
        absent = q.reading.absent_word if q.reading is not None else None
        if absent and not self._stated(absent, in_years):
            # a kind of number no template holds and no report states: not the nearest cell
            return refusal(q, f"报告中没有关于“{absent}”的数据")
        if q.reading is not None and q.reading.subject_parts and len(q.metrics) < 2:
            # two items named, but not two template cells: two stated figures may be meant
            res = self._prose_combination(q, in_years)
            if res is not None:
                return res
        prose_first = bool(q.metrics) and (self._prose_explains(q, in_years) or _asks_rate_of_counts(q))
        if q.metrics and not prose_first:
            single = len(q.metrics) == 1
            if single and q.wants_rank:
                return corpus.ranking(self, q, in_years)
            if single and (q.wants_sum or q.wants_avg) and len(q.agencies) != 1 and len(in_years) > 1:
                return corpus.total(self, q, in_years)
            if single and q.wants_trend and len(q.agencies) == 1:
                return corpus.trend(self, q, in_years, missing)
            if single and (q.wants_compare or len(q.agencies) == 2 or q.wants_change) and len(in_years) == 2:
                res = corpus.compare(self, q, in_years)
                if res:
                    return res
            res = self._cell_answer(q, in_years, missing)
            if res is not None:
                return res
        if q.reading is not None and q.reading.subject_parts and (not q.metrics or prose_first):
            res = self._prose_combination(q, in_years)
            if res is not None:
                return res
            if not self._one_stated_figure(q, in_years):
                # two items were named: answering one of them as if it were the whole is a wrong figure
                return refusal(q, f"没有在同一份报告中同时找到“{q.reading.subject_parts[0]}”和“{q.reading.subject_parts[1]}”两项数据")
        if q.wants_figure or q.metrics:
            if q.wants_rank:
                return corpus.ranking(self, q, in_years)
            if (q.wants_sum or q.wants_avg) and len(q.agencies) != 1 and len(in_years) > 1:
                return corpus.total(self, q, in_years)
            if q.wants_trend and len(q.agencies) == 1:
                return corpus.trend(self, q, in_years, missing)
            if (q.wants_compare or len(q.agencies) == 2 or q.wants_change) and len(in_years) == 2:
                res = corpus.compare(self, q, in_years)
                if res:
                    return res
            return self._figure_answer(q, in_years, missing)
        return self._prose_answer(q, in_years)

    # --- template cells named by the question model ------------------------------------------

    def metric_values(self, metric, reports: list[dict]) -> dict:
        """Report id -> Value of one template metric in these reports."""
        return self.lookup.values(metric, {r["report_id"] for r in reports})

    def _cell_answer(self, q: Question, reports: list[dict], missing_years: list[int]) -> dict | None:
        """Answer from the template cells the question names; None when no report in scope has them
        (then stated figures are tried)."""
        by_report = {r["report_id"]: r for r in reports}
        per_metric = [self.metric_values(m, reports) for m in q.metrics]
        rids = sorted({rid for vals in per_metric for rid in vals},
                      key=lambda rid: (by_report[rid]["year"] or 0, by_report[rid]["agency"] or ""))
        if not rids:
            return None
        if len(rids) > MAX_LISTED and not q.agencies:
            names = "、".join(f"{report_name(by_report[r])}{by_report[r]['year']}年" for r in rids[:3])
            res = refusal(q, f"共有{len(rids)}份报告含有该项（如{names}等），请指明单位和年份")
            res["warnings"].append(f"问题未指明单位，{len(rids)}份报告都符合，未作选择")
            return res
        b = AnswerBuilder(q)
        lines, warnings, any_figure = [], [], False
        if len(rids) > 1 and not q.agencies and len(q.years) <= 1:
            warnings.append(f"问题未指明单位，共有{len(rids)}份报告含有该数据，已分别列出；请指明单位以得到单一答案")
        for rid in rids:
            r = by_report[rid]
            values = [vals.get(rid) for vals in per_metric]
            if (len(q.metrics) > 1 and q.operation in ("sum", "difference", "ratio") and all(values)
                    and all(m.column is not None for m in q.metrics)):
                text, ok = combine_sentence(q.operation, q.metrics, values, r, b)
                lines.append(text)
                any_figure |= ok
                continue
            for metric, value in zip(q.metrics, values):
                if value is None:
                    lines.append(f"{report_name(r, with_year=True)}报告中没有{metric.describe()}这一项。")
                    continue
                if metric.column is None:          # no column named: every column of the row, each cited
                    warnings.append("问题未指明栏目，该项在报告中有多项数据，已一并列出，请核对所需的一项")
                    for col, v in self.lookup.row_values(metric, {rid}).get(rid, []):
                        m2 = type(metric)(metric.table, metric.row, col)
                        ids = cite_value(b, v, r)
                        if v.number is not None:
                            add_figure(b, m2, v, ids)
                            any_figure = True
                        lines.append(value_sentence(m2, v, r, ids))
                    continue
                ids = cite_value(b, value, r)
                if value.number is not None:
                    add_figure(b, metric, value, ids)
                    any_figure = True
                lines.append(value_sentence(metric, value, r, ids))
                if value.number is None and len(q.metrics) == 1 and metric.column is not None \
                        and metric.column.plain == "总计" and not value.computed:
                    # a blank total: the row's filled cells are what the report does say (each cited)
                    filled = [(c, v) for c, v in self.lookup.row_values(type(metric)(metric.table, metric.row, None),
                                                                       {rid}).get(rid, []) if v.number is not None]
                    if filled:
                        parts = []
                        for col, v in filled:
                            m2 = type(metric)(metric.table, metric.row, col)
                            ids2 = cite_value(b, v, r)
                            add_figure(b, m2, v, ids2)
                            parts.append(f"{col.plain}{v.value}{refs(ids2)}")
                        any_figure = True
                        lines.append("表中总计栏空白；该行填写了：" + "，".join(parts) + "。")
                        continue
                if value.number is None and len(q.metrics) == 1:
                    # a published blank: a figure the report states in its text may still answer it
                    alt = self.best_facts(q, [r], prose_only=True).get(rid)
                    if alt and alt.fact["number"] is not None and _near(metric_words(metric), alt.fact["label"] or ""):
                        aid = b.cite_fact(alt.fact, r)
                        b.figure(alt.fact, aid)
                        any_figure = True
                        lines.append("表中该栏空白；正文另有：" + b.sentence(alt.fact, r, aid))
        if q.wants_change and len(q.metrics) == 1 and len(rids) >= 2:
            first, last = per_metric[0][rids[0]], per_metric[0][rids[-1]]
            if first.number is not None and last.number is not None:
                ids = cite_value(b, first, by_report[rids[0]]) + cite_value(b, last, by_report[rids[-1]])
                y0, y1 = by_report[rids[0]]["year"], by_report[rids[-1]]["year"]
                value = format_number(last.number - first.number)
                expr = f"{last.value} - {first.value}"
                b.figures.append({"value": value, "unit": None, "label": f"{y1}年较{y0}年变化",
                                  "citation": ids[-1], "citations": ids, "computed": expr})
                lines.append(f"{y1}年较{y0}年变化 {value}（{expr}）{''.join(f'[{i}]' for i in ids)}")
        if missing_years:
            warnings.append(f"语料中没有{'、'.join(map(str, missing_years))}年的相关报告，未能列出这些年份")
            lines.append(f"（{'、'.join(map(str, missing_years))}年的报告不在语料中）")
        warnings += self.check_warnings_for(b)
        return b.result("\n".join(lines), list(dict.fromkeys(warnings)), grounded=any_figure)

    def _prose_explains(self, q: Question, reports: list[dict]) -> bool:
        """A stated figure fits the question's own words better than the template cell it names
        ("收到群众诉求多少件" is the 诉求 sentence, not the 自然人 applications)."""
        left = [w for w in (q.reading.leftover.split() if q.reading else []) if len(w) >= 2]
        wants_rate = bool(re.search(r"百分|比例|占比|%|％|率", q.text))
        if not left and not wants_rate:
            return False
        best = self.best_facts(q, reports, prose_only=True)
        for s in best.values():
            if s.score < FIGURE_THRESHOLD:
                continue
            if wants_rate and "%" in (s.fact["value"] + (s.fact["unit"] or "")).replace("％", "%"):
                return True      # a count cell cannot answer "百分之多少"; a stated percentage can
            if any(w in (s.fact["label"] or "") for w in left):
                return True
        return False

    def _one_stated_figure(self, q: Question, reports: list[dict]) -> bool:
        """One stated figure names both items at once ("主合办人大代表建议和政协提案135件")."""
        parts = q.reading.subject_parts
        heads = [h for h in map(lambda p: _head(p, parts), parts) if h]
        best = self.best_facts(q, reports, prose_only=True)
        for s in best.values():
            tail = (s.fact["label"] or "")[-(sum(map(len, heads)) + 6):]   # the subject right before the figure
            if len(heads) == len(parts) and all(_near(h, tail) for h in heads):
                return True
        return False

    def _sentence(self, report_id: str, quote: str) -> str:
        """The sentence of a report's text that holds a stated figure's clause."""
        paras = self._paragraph_cache.get(report_id)
        if paras is None:
            paras = [p["text"] or "" for p in self.store.paragraphs([report_id])]
            with self._lock:
                if len(self._paragraph_cache) > 64:
                    self._paragraph_cache.clear()
                self._paragraph_cache[report_id] = paras
        for text in paras:
            i = text.find(quote)
            if i >= 0:
                starts = [m.end() for m in _SENTENCE_END.finditer(text, 0, i)]
                end = _SENTENCE_END.search(text, i + len(quote))
                return text[starts[-1] if starts else 0:end.end() if end else len(text)]
        return quote

    def _context(self, f: dict, before: int = 30) -> str:
        """A stated figure's clause with the words just before it in its paragraph."""
        quote = f["quote"] or ""
        for p in self.store.paragraphs([f["report_id"]]):
            i = (p["text"] or "").find(quote)
            if i >= 0 and (p["start_pos"] or 0) <= (f["start_pos"] or 0) <= (p["end_pos"] or 0) + 1:
                return p["text"][max(0, i - before):i + len(quote)]
        return quote

    def _stated(self, word: str, reports: list[dict]) -> bool:
        """Whether any report in scope states a figure about `word` (e.g. 访问量)."""
        rids = [r["report_id"] for r in reports]
        return any(word in (p["text"] or "") for p in self.store.paragraphs(rids))

    def _prose_combination(self, q: Question, reports: list[dict]) -> dict | None:
        """Two stated figures joined by an operation ("征地信息比土地出让信息多多少条")."""
        from dataclasses import replace

        from .lookup import Value
        from .reader import Metric

        parts = q.reading.subject_parts
        if self._one_stated_figure(q, reports):
            return None
        found = []
        for part in parts:
            sub = replace(q, metric=part, metrics=[])
            # each part is one of two items the question names in one report: a looser match will do,
            # and both figures are shown with their quotes
            threshold = PART_THRESHOLD if len(reports) == 1 else FIGURE_THRESHOLD
            ranked = self.ranked_facts(sub, reports, prose_only=True, threshold=threshold)
            head = _head(part, parts)
            # the figure must sit next to the item's own head word ("动态类信息", not the clause
            # "全年累计发布信息" that only shares the context words of the question)
            found.append({rid: picked for rid, lst in ranked.items()
                          if head and (picked := next((s for s in lst if _near(head, self._context(s.fact))), None))})
        common = set(found[0]).intersection(*found[1:])
        if len(common) != 1:
            return None
        rid = common.pop()
        r = next(x for x in reports if x["report_id"] == rid)
        facts = [f[rid].fact for f in found]
        if len({f["fact_id"] for f in facts}) < len(facts):
            return None
        metrics = [Metric(subject=f["label"]) for f in facts]
        values = [Value(f["number"], f["value"], [f], [] if f["number"] is not None else [f]) for f in facts]
        b = AnswerBuilder(q)
        text, ok = combine_sentence(q.operation, metrics, values, r, b)
        return b.result(text, self.check_warnings_for(b), grounded=ok)

    # --- figures ------------------------------------------------------------------------------

    def best_facts(self, q: Question, reports: list[dict], prose_only: bool = False) -> dict[str, Scored]:
        """The best-matching fact of each report (by report id), when it matches well enough."""
        return {rid: ranked[0] for rid, ranked in self.ranked_facts(q, reports, prose_only).items()}

    def ranked_facts(self, q: Question, reports: list[dict], prose_only: bool = False,
                     threshold: float = FIGURE_THRESHOLD) -> dict[str, list[Scored]]:
        """Every fact of each report that matches well enough, best first."""
        qg = grams(q.metric)
        if not qg:
            return {}
        scope = {r["report_id"] for r in reports}
        cat = self.catalog
        unit = re.search(r"多少([条件个次篇项人家期份])|几([条件个次篇项人家期份])", q.text)
        unit = (unit.group(1) or unit.group(2)) if unit else None
        wants_rate = "%" in q.text or "率" in q.metric
        found: dict[str, list[Scored]] = {}

        def offer(f: dict, score: float, recall: float) -> None:
            found.setdefault(f["report_id"], []).append(Scored(f, score, recall))

        # template cells are read through the question model; bigram scoring is for other tables only
        keys = [] if prose_only else [k for k in cat.score_cells(qg) if k[0] >= FIGURE_THRESHOLD and k[1] >= MIN_RECALL
                                      and k[2] not in self._template_keys][:12]
        for score, recall, key in keys:
            for f in self.store.facts_by_key(key, scope):
                if f["report_id"] in scope:
                    offer(f, score, recall)
        prose_hits = []
        in_context = len(scope) <= CONTEXT_SCOPE
        for i in cat.prose_candidates(qg, scope):
            score, recall = cat.score_prose(qg, i)
            if in_context:      # words of the question may sit earlier in the figure's sentence
                sentence = self._sentence(cat.prose_reports[i], cat.prose_quote[i])
                ctx = overlap(qg, grams(f"{cat.prose_label[i]} {sentence}"), cat.idf)
                if ctx > recall:
                    score = max(score, 0.65 * ctx + 0.35 * overlap(grams(cat.prose_label[i]), qg, cat.idf) - 0.05)
                    recall = ctx
            if unit and cat.prose_unit[i] == unit:
                score += 0.04
            elif unit in _SPECIFIC_UNITS and cat.prose_unit[i] != unit:
                score -= 0.3        # "几期" is not answered by a count of 件
            if wants_rate and (cat.prose_unit[i] in ("%", "％") or "%" in cat.prose_value[i]):
                score += 0.04
            if score >= threshold and recall >= min(MIN_RECALL, threshold):
                prose_hits.append((score, recall, int(cat.prose_ids[i])))
        facts = {f["fact_id"]: f for f in self.store.facts_by_ids([h[2] for h in prose_hits])}
        for score, recall, fid in prose_hits:
            offer(facts[fid], score, recall)
        for ranked in found.values():
            ranked.sort(key=lambda s: (-s.score, s.fact["fact_id"]))
        return found

    def _figure_answer(self, q: Question, reports: list[dict], missing_years: list[int]) -> dict:
        ranked = self.ranked_facts(q, reports)
        best = {rid: r[0] for rid, r in ranked.items()}
        if not best:
            scope = "、".join(f"{r['agency']}{r['year']}年" for r in reports[:5]) + ("等" if len(reports) > 5 else "")
            return refusal(q, f"在{scope}的报告中没有找到“{q.metric}”这一数据")
        by_report = {r["report_id"]: r for r in reports}
        chosen = sorted(best.values(), key=lambda s: (by_report[s.fact["report_id"]]["year"] or 0,
                                                      by_report[s.fact["report_id"]]["agency"] or ""))
        if len(chosen) > MAX_LISTED and not q.agencies:
            names = "、".join(f"{by_report[s.fact['report_id']]['agency']}{by_report[s.fact['report_id']]['year']}年"
                             for s in chosen[:3])
            res = refusal(q, f"共有{len(chosen)}份报告含有“{q.metric}”（如{names}等），请指明单位和年份")
            res["warnings"].append(f"问题未指明单位，{len(chosen)}份报告都符合，未作选择")
            return res
        builder = AnswerBuilder(q)
        warnings: list[str] = []
        if len(chosen) > 1 and not q.agencies and len(q.years) <= 1:
            warnings.append(f"问题未指明单位，共有{len(chosen)}份报告含有该数据，已分别列出；请指明单位以得到单一答案")
        lines = []
        for s in chosen:
            r = by_report[s.fact["report_id"]]
            cid = builder.cite_fact(s.fact, r)
            builder.figure(s.fact, cid)
            lines.append(builder.sentence(s.fact, r, cid))
            if not s.fact["value"]:       # published blank: also give the best reading that has a number
                alt = next((t for t in ranked[s.fact["report_id"]][1:] if t.fact["value"]), None)
                if alt:
                    aid = builder.cite_fact(alt.fact, r)
                    builder.figure(alt.fact, aid)
                    lines.append("该栏空白；另见：" + builder.sentence(alt.fact, r, aid))
            # a near-tie with another value: the question may mean either, so both are shown, never one picked
            for t in ranked[s.fact["report_id"]][1:]:
                if t.score < s.score - TIE_MARGIN or t.fact["value"] == s.fact["value"]:
                    continue
                tid = builder.cite_fact(t.fact, r)
                builder.figure(t.fact, tid)
                lines.append("或指：" + builder.sentence(t.fact, r, tid))
                warnings.append("问题可能指报告中的多项数据，已一并列出，请核对所需的一项")
        if q.wants_change and len(chosen) >= 2:
            first, last = chosen[0], chosen[-1]
            if first.fact["number"] is not None and last.fact["number"] is not None:
                diff = last.fact["number"] - first.fact["number"]
                y0 = by_report[first.fact["report_id"]]["year"]
                y1 = by_report[last.fact["report_id"]]["year"]
                expr = f"{last.fact['value']} - {first.fact['value']}"
                ids = [builder.cite_fact(first.fact, by_report[first.fact["report_id"]]),
                       builder.cite_fact(last.fact, by_report[last.fact["report_id"]])]
                value = format_number(diff)
                builder.figures.append({"value": value, "unit": last.fact["unit"], "label": f"{y1}年较{y0}年变化",
                                        "citation": ids[-1], "citations": ids, "computed": expr})
                lines.append(f"{y1}年较{y0}年变化 {value}（{expr}）{''.join(f'[{i}]' for i in ids)}")
        if missing_years:
            warnings.append(f"语料中没有{'、'.join(map(str, missing_years))}年的相关报告，未能列出这些年份")
            lines.append(f"（{'、'.join(map(str, missing_years))}年的报告不在语料中）")
        warnings += self.check_warnings_for(builder)
        answer = "\n".join(lines)
        return builder.result(answer, list(dict.fromkeys(warnings)))

    # --- prose ----------------------------------------------------------------------------------

    def _prose_answer(self, q: Question, reports: list[dict]) -> dict:
        qg = grams(q.metric)
        if not qg:
            return refusal(q, "问题中没有可查找的内容")
        ids = [r["report_id"] for r in reports]
        if len(ids) <= 5:
            paragraphs = self.store.paragraphs(ids)
        else:   # large scope: let hybrid retrieval pick the candidate passages first
            hits = self.retriever.search(q.text, report_ids=ids, k=10, kinds={"paragraph"}) if self.retriever else []
            wanted = {(h.chunk["report_id"], h.chunk["start_pos"]) for h in hits}
            paragraphs = [p for p in self.store.paragraphs({h.chunk["report_id"] for h in hits})
                          if any(rid == p["report_id"] and p["start_pos"] <= (s or 0) <= p["end_pos"]
                                 for rid, s in wanted)]
        sentences = []
        for p in paragraphs:
            for sent in _SENT_SPLIT.split(p["text"]):
                if len(sent.strip()) >= 6:
                    sentences.append((p, sent.strip()))
        if not sentences:
            return refusal(q, f"没有找到与“{q.metric}”相关的内容")
        idf = Idf([s for _, s in sentences])
        problem_q = bool(re.search(r"不足|问题|差距|改进", q.text))
        scored = []
        for p, sent in sentences:
            s = overlap(qg, grams(sent), idf)
            s = 0.85 * s + 0.15 * overlap(qg, grams(p["section"] or ""), idf)
            if problem_q:     # "哪些不足/问题": the sentences that state shortcomings, in the problems section
                s += 0.1 * ("问题" in (p["section"] or "")) + 0.15 * bool(_SHORTCOMING.search(sent))
            scored.append((s, p, sent))
        scored.sort(key=lambda x: -x[0])
        top_score, top_p, top_sent = scored[0]
        if top_score < PROSE_THRESHOLD:
            return refusal(q, f"没有找到与“{q.metric}”相关的内容")
        picked = [(top_p, top_sent)]
        for s, p, sent in scored[1:3]:
            if s >= 0.8 * top_score and p["report_id"] == top_p["report_id"] and sent != top_sent:
                picked.append((p, sent))
        stated = [(s, p, sent) for s, p, sent in scored if problem_q and "问题" in (p["section"] or "")
                  and _SHORTCOMING.search(sent)]
        if stated:       # the problems section states them: quote those sentences, in their order
            best_report = stated[0][1]["report_id"]
            picked = [(p, sent) for _, p, sent in stated if p["report_id"] == best_report][:3]
            top_p = picked[0][0]
        picked.sort(key=lambda ps: (ps[0]["start_pos"] or 0, ps[0]["text"].find(ps[1])))
        builder = AnswerBuilder(q)
        by_report = {r["report_id"]: r for r in reports}
        parts = []
        for p, sent in picked:
            r = by_report[p["report_id"]]
            cid = builder.cite_sentence(p, sent, r)
            parts.append(f"{sent}[{cid}]")
        r = by_report[top_p["report_id"]]
        answer = f"据{r['agency']}{r['year']}年报告（{top_p['section']}）：" + "".join(parts)
        warnings = self._check_warnings({top_p["report_id"]}, set())
        if len(reports) > 1 and not q.agencies:
            warnings.insert(0, f"问题未指明单位，范围内有{len(reports)}份报告，以上引自最相关的{r['agency']}{r['year']}年报告；"
                               "请指明单位以查看其他报告")
        return builder.result(answer, warnings)

    def check_warnings_for(self, builder: AnswerBuilder) -> list[str]:
        """Warnings for what an answer cites: its reports' failed checks, and failed cross-year
        checks that involve a cited cell."""
        cited = builder.cited_facts
        out = self._check_warnings({f["report_id"] for f in cited}, {f["table_title"] for f in cited if f["table_title"]})
        ids = {f["fact_id"] for f in cited}
        for c in self._cross_failed:
            if ids & {x["fact_id"] for x in c["cells"]}:
                out.append(f"{c['agency']}跨年度校验未通过：{c['rule']}（应为{c['expected']}，实为{c['found']}）")
        return out

    def _check_warnings(self, report_ids: set[str], tables: set[str]) -> list[str]:
        """Failed checks of the cited tables in full; the cited reports' other failures in one line each."""
        out = []
        names = self._report_names
        others: dict[str, int] = {}
        for c in self.store.checks(report_ids):
            if c["passed"] is not False:
                continue
            name = names.get(c["report_id"], c["report_id"])
            if c["table_title"] in tables:
                out.append(f"{name}「{c['table_title']}」一致性校验未通过：{c['rule']}"
                           f"（应为{c['expected']}，表中为{c['found']}）；数字按原文列出")
            else:
                others[name] = others.get(name, 0) + 1
        out += [f"{name}另有{n}项表格一致性校验未通过（见报告详情）" for name, n in others.items()]
        return out
