"""Which part is largest, inside one report: of a total its text lists ("平潭2020年公布的信息哪一类
最多"), or of a template group (the reasons of 不予公开, the applicant columns of table 三).

Reports list a total and its parts in one sentence: "共公布政府信息2602条(其中机构职能类信息82条，
……重大建设项目信息390条，……其他应主动公开政府信息1053条)". The parts are the stated figures of
that sentence after 其中 in the total's unit; each is cited, and the largest (or smallest) is named.
A remainder (其他…) is not a category: it is listed, never the winner. Nothing here is computed
beyond ordering cited figures."""
from __future__ import annotations

import re

from .citations import AnswerBuilder, refusal, report_name
from .compose import add_figure, cite_value, combine_sentence, metric_words, refs, unit_of
from .compute import Value
from .understand.concepts import model, share_words_re
from .evidence import Evidence
from .understand.question import YEAR_RE, Question
from .understand.reader import Metric
from .stated import _FULL_STOP, _REMAINDER

_LEAD = re.compile(r"^[\s（(，,、；;]*(其中|包括|含)?[\s：:]*")
# "除了“其他”类", "不算其他", "其他除外": the parts the question leaves out of the comparison
_LEFT_OUT = re.compile(r"(?:除了|除去|除开|除|不算|不含|不包括)[“\"「]?([\u4e00-\u9fff]{1,8}?)[”\"」]?(?:类|项|以外|之外|外|[，,。？?]|$)"
                       r"|[“\"「]?([\u4e00-\u9fff]{1,8}?)[”\"」]?(?:类)?除外")
# words that ask which part, not what: not part of the subject a total is found by
_WHICH = re.compile(r"哪一类|哪类|哪一种|哪种|哪一项|哪项|哪个方面|哪方面|哪个|哪些|分类|类别|类型|最多|最少|最高|最低|除了|除外|不算|其他|其它|里|中")
MIN_PARTS = 2
_PLACES = re.compile(r"保留\S{0,3}?小数|保留整数|取整|\d+(?:\.\d+)?")     # rounding asked; numbers given
# a total is looked for more loosely than a figure asked for itself: it must also list its parts
# after 其中, and the answer names it with every part cited
TOTAL_THRESHOLD = 0.25


def answer_breakdown(ev: Evidence, q: Question, report: dict) -> dict | None:
    """The parts of the stated total the question's subject names, ranked; None when the report
    lists no such parts (the caller then refuses)."""
    rid = report["report_id"]
    left_out = _left_out(q.text)
    subject = _WHICH.sub(" ", q.metric)
    for word in left_out:
        subject = subject.replace(word, " ")
    if not subject.strip():
        return None
    ranked = ev.stated.ranked(subject, q.text, [report], prose_only=True, threshold=TOTAL_THRESHOLD).get(rid, [])
    for s in ranked[:3]:
        whole, parts = _parts_listed_with(ev, s.fact)
        if len(parts) >= MIN_PARTS:
            break
    else:
        return None
    kept = [f for f in parts if not _REMAINDER.match(_name(f)) and not any(w in _name(f) for w in left_out)]
    aside = [f for f in parts if f not in kept]
    if len(kept) < MIN_PARTS:
        return None
    best = (min if q.reading is not None and q.reading.rank_ascending else max)(f["number"] for f in kept)
    winners = [f for f in kept if f["number"] == best]
    b = AnswerBuilder(q)
    who = report_name(report, with_year=True)
    topic = _name(whole) if whole else subject.strip()
    ids = {f["fact_id"]: b.cite_fact(f, report) for f in [*([whole] if whole else []), *kept, *aside]}
    for f in [*winners, *(f for f in kept if f not in winners), *([whole] if whole else []), *aside]:
        b.figure(f, ids[f["fact_id"]])
    word = "最少" if q.reading is not None and q.reading.rank_ascending else "最多"
    names = "、".join(f"{_name(f)}{f['value']}{_unit(f)}[{ids[f['fact_id']]}]" for f in winners)
    if whole:
        lines = [f"{who}{topic}{whole['value']}{_unit(whole)}[{ids[whole['fact_id']]}]，其中{word}的是{names}。"]
    else:
        lines = [f"{who}{topic}的各分项中，{word}的是{names}。"]
    lines.append("各分项：" + "，".join(f"{_name(f)}{f['value']}{_unit(f)}[{ids[f['fact_id']]}]" for f in kept) + "。")
    if aside:
        lines.append("未参与比较：" + "，".join(f"{_name(f)}{f['value']}{_unit(f)}[{ids[f['fact_id']]}]" for f in aside) + "。")
    return b.result("\n".join(lines), [], checks=ev.checks)


def _left_out(question: str) -> list[str]:
    return [w for m in _LEFT_OUT.finditer(question) for w in m.groups() if w]


def _name(f: dict) -> str:
    """A part's own words: its label after 其中 and after any figure before it in its clause."""
    label = f["label"] or ""
    label = label[label.rfind("其中") + 2:] if "其中" in label else label
    label = re.split(r"\d[\d.,，]*\s*[^\d\s（(]{0,3}?[（(]", label)[-1]
    return _LEAD.sub("", label).rstrip("：:，, ") or (f["label"] or "")


def _unit(f: dict) -> str:
    return "" if not f["unit"] or f["value"].endswith(f["unit"]) else f["unit"]


def _parts_listed_with(ev: Evidence, fact: dict) -> tuple[dict | None, list[dict]]:
    """The total a figure's sentence states and the parts it lists after 其中 (same unit), or
    (None, []) when the sentence lists no parts."""
    at = fact.get("start_pos")
    rid = fact["report_id"]
    para = next((p for p in ev.stated.paragraphs(rid)
                 if at is not None and (p["start_pos"] or 0) <= at <= (p["end_pos"] or -1)), None)
    if para is None:
        return None, []
    text, base = para["text"] or "", para["start_pos"] or 0
    i = at - base
    starts = [m.end() for m in _FULL_STOP.finditer(text, 0, max(i, 0))]
    lo = starts[-1] if starts else 0
    end = _FULL_STOP.search(text, max(i, 0))
    hi = end.start() if end else len(text)
    cat = ev.stated.catalog
    in_sentence = sorted((cat.prose_start[k], int(cat.prose_ids[k])) for k in cat.prose_by_report.get(rid, [])
                         if cat.prose_start[k] is not None and base + lo <= cat.prose_start[k] < base + hi)
    facts = {f["fact_id"]: f for f in ev.stated.store.facts_by_ids([fid for _, fid in in_sentence])}
    split = text.find("其中", lo, hi)
    if split < 0:
        return None, []
    # where each figure stands: a clause may hold several ("…2602条(其中机构职能类信息82条")
    placed, last = [], {}
    for start, fid in in_sentence:
        f = facts.get(fid)
        if f is None or f["number"] is None:
            continue
        quote = f["quote"] or ""
        k = quote.find(f["value"], last.get(start, 0))
        last[start] = k + len(f["value"]) if k >= 0 else last.get(start, 0)
        placed.append((start + max(k, 0) - base, f))
    whole = next((f for pos, f in reversed(placed) if pos < split), None)
    unit = whole["unit"] if whole else None
    parts = [f for pos, f in placed if pos > split and (unit is None or f["unit"] == unit)]
    return whole, parts


def answer_cell_parts(ev: Evidence, q: Question, report: dict) -> dict | None:
    """"洪泽区2023年哪一类不予公开理由最多", "淮安市政府2024年哪类申请人最多": the parts of the
    template group the question names (the reasons of 不予公开, the applicant columns), each cell
    cited, the largest (or smallest) named; None when the metric is no group."""
    if len(q.metrics) != 1 or not q.metrics[0].is_cell:
        return None
    metric = q.metrics[0]
    spec = model().tables[metric.table]
    row, col = metric.row, metric.column
    # the group the question names as a group (哪类申请人: the columns) is what is ranked
    if col is not None and col.parts:
        parts = [Metric(metric.table, row, spec.concepts[p]) for p in col.parts]
        topic, among = metric_words(Metric(metric.table, row, None)), f"中，{col.plain}里"
    elif row is not None and (row.parts or row.parts_when_split) and not row.minus:
        parts = [Metric(metric.table, spec.concepts[p], col) for p in row.parts or row.parts_when_split]
        topic, among = metric_words(Metric(metric.table, row, col)), "的各项中"
    else:
        return None
    rid = report["report_id"]
    values = [(p, ev.cells.values(p, {rid}).get(rid)) for p in parts]
    numbered = [(p, v) for p, v in values if v is not None and v.number is not None]
    if len(numbered) < MIN_PARTS:
        if any(v is not None for _, v in values):
            return refusal(q, f"{report_name(report, with_year=True)}{topic}的各项在表中为空白或无法读出，无法比较")
        return None
    lowest = q.reading is not None and q.reading.rank_ascending
    best = (min if lowest else max)(v.number for _, v in numbered)
    b = AnswerBuilder(q)
    who = report_name(report, with_year=True)
    shown = []
    for p, v in values:
        if v is None:
            continue
        ids = cite_value(b, v, report)
        if v.number is not None:
            add_figure(b, p, v, ids)
        shown.append((p, v, ids))
    by_column = col is not None and bool(col.parts)
    item = lambda p, v, ids: f"{_part_name(p, by_column)}{v.value if v.number is not None else '（空白）'}{unit_of(p, v) if v.number is not None else ''}{refs(ids)}"
    if all(v.number == 0 for _, v in numbered):
        head = f"{who}{topic}的各项均为0。"
    else:
        winners = [(p, v, ids) for p, v, ids in shown if v.number == best]
        head = f"{who}{topic}{among}{'最少' if lowest else '最多'}的是" + "、".join(item(*w) for w in winners) + "。"
    lines = [head, "各项：" + "，".join(item(*s) for s in shown) + "。"]
    return b.result("\n".join(lines), [], checks=ev.checks)


def _part_name(metric: Metric, by_column: bool) -> str:
    """A part as its list item says it: its column when the columns are ranked, else its row (the
    reason in brackets: "属于行政查询事项")."""
    if by_column:
        return metric.column.plain if metric.column is not None else ""
    plain = metric.row.plain if metric.row else ""
    inner = re.search(r"（(.+)）$", plain)
    return inner.group(1) if inner else plain


def answer_part_share(ev: Evidence, q: Question, report: dict) -> dict | None:
    """"发布的249条信息里，政府网站信息占比多少": a part a stated total lists after 其中, over that
    total, both cited, with the expression. A number the question gives for the total must be the
    total found. None when the part is no listed part of a stated total."""
    plain = share_words_re().sub(" ", q.text)
    subject = _PLACES.sub(" ", share_words_re().sub(" ", q.metric))
    ranked = ev.stated.ranked(subject, plain, [report], prose_only=True, threshold=TOTAL_THRESHOLD)
    given = {n for n in re.findall(r"\d+(?:\.\d+)?", YEAR_RE.sub(" ", plain))}
    for s in ranked.get(report["report_id"], [])[:3]:
        whole, parts = _parts_listed_with(ev, s.fact)
        if whole and whole["number"] and s.fact["fact_id"] in {f["fact_id"] for f in parts} \
                and (not given or whole["value"] in given):
            break
    else:
        return None
    b = AnswerBuilder(q)
    decimals = q.reading.decimals if q.reading is not None else 2
    text, ok = combine_sentence("ratio", [Metric(subject=_name(s.fact)), Metric(subject=_name(whole))],
                                [Value.of(s.fact), Value.of(whole)], report, b, decimals)
    return b.result(text, ["报告没有直接给出该比例，以上按正文所列的分项与合计计算"], grounded=ok, checks=ev.checks)
