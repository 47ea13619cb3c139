"""Read a question into metrics and an operation, using the question model's data.

The reader finds concept mentions (rows, blocks, columns of the template tables) anywhere in the
question, tolerant of extra words and word order: the longest word wins where two overlap, a
group gives way to its own part when both are named ("不予公开…属于行政查询事项" is the item),
and words that are no concept do not block a cell. What is left after concepts, fillers, agency
and years is the question's subject, used for stated (prose) figures and for refusing a metric
no source holds.
"""
from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, field, fields
from types import SimpleNamespace
from functools import lru_cache

from .chars import compact
from .concepts import Concept, QuestionModel, model
from .unread import doubtful_defaults, narrowing_spans, other_table_words

_GAP = ".{0,8}?"


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    word: str
    concepts: tuple[Concept, ...]


@dataclass(frozen=True)
class Metric:
    """One figure the question names: a template cell (table, row, column concepts) or a prose subject."""
    table: str | None = None
    row: Concept | None = None
    column: Concept | None = None          # None with a table: every column of the row
    subject: str | None = None
    defaulted: bool = field(default=False, compare=False)   # its column or row was not named: the table's default

    @property
    def is_cell(self) -> bool:
        return self.table is not None

    def describe(self, m: QuestionModel | None = None) -> str:
        if not self.is_cell:
            return f"{self.subject}（正文）"
        name = (m or model()).tables[self.table].name
        col = self.column.plain if self.column else "各栏"
        return f"{name} {self.row.plain} × {col}" if self.row else f"{name} {col}"

    def to_json(self) -> dict:
        if not self.is_cell:
            return {"table": None, "row": None, "column": None, "subject": self.subject}
        return {"table": model().tables[self.table].name, "row": self.row.plain if self.row else None,
                "column": self.column.plain if self.column else None, "subject": None}


@dataclass(frozen=True)
class Reading:
    metrics: list[Metric] = field(default_factory=list)      # template cells named by concepts
    operation: str = "value"
    ops: set[str] = field(default_factory=set)                # every operation word family present
    subject: str = ""                                         # what is left: the prose subject
    subject_parts: list[str] = field(default_factory=list)    # two named prose items, when an operation joins them
    absent_word: str | None = None                            # a metric word no template holds
    leftover: str = ""                                        # content no concept, filler or operation explains
    wants_figure: bool = False                                # asks for a number (not for words)
    wants_overview: bool = False                              # "公开情况怎么样": the report's headline figures
    rank_ascending: bool = False                              # a ranking from the bottom ("最少")
    asks_duration: bool = False                               # "多少天": only a stated duration answers
    unread_exception: str | None = None                       # "除了…以外" leaving out nothing the model names
    decimals: int = 2                                         # "保留一位小数": places of a computed percentage
    unread: list = field(default_factory=list)                # narrowing words no concept read (unread.Unread)
    subject_without_unread: str = ""                          # the subject without them: what candidates answer
    table_score: dict[str, int] = field(default_factory=dict)


def normalise(text: str) -> str:
    """The form every word is looked up in (one normaliser for the read path: `chars.compact`)."""
    return compact(text)


@lru_cache(maxsize=1)
def _word_index() -> list[tuple[str, re.Pattern | None, tuple[Concept, ...]]]:
    """Every word of every concept, longest first, with a pattern for gapped words ("先复议…起诉")."""
    by_word: dict[str, list[Concept]] = {}
    for c in model().all_concepts():
        for w in c.words:
            by_word.setdefault(w, []).append(c)
    out = []
    for w, cs in by_word.items():
        pat = re.compile(_GAP.join(re.escape(p) for p in w.split("…"))) if "…" in w else None
        out.append((w, pat, tuple(cs)))
    out.sort(key=lambda x: -len(x[0].replace("…", "")))    # literal length: a gapped word never outranks a plain one
    return out


def _patterns(words: tuple[str, ...]) -> list[re.Pattern]:
    return _compiled(words)


@lru_cache(maxsize=16)
def _compiled(words: tuple[str, ...]) -> list[re.Pattern]:
    return [re.compile(_GAP.join(re.escape(p) for p in w.split("…"))) for w in words]


@lru_cache(maxsize=1)
def _op_patterns() -> dict[str, list[re.Pattern]]:
    return {op: [re.compile(_GAP.join(re.escape(p) for p in w.split("…"))) for w in words]
            for op, words in model().operations.items()}


_COUNTING = re.compile(r"(?:几|多少|[一二两三四五六七八九十百千\d])$")


def find_hits(text: str) -> list[Hit]:
    """Concept mentions in `text`; where two overlap the longer stays (same span: both stay)."""
    raw: list[Hit] = []
    for w, pat, cs in _word_index():
        if pat is None:
            start = text.find(w)
            while start >= 0:
                raw.append(Hit(start, start + len(w), w, cs))
                start = text.find(w, start + 1)
        else:
            for m in pat.finditer(text):
                raw.append(Hit(m.start(), m.end(), w, cs))
    raw.sort(key=lambda h: (-len(h.word.replace("…", "")), h.end - h.start, h.start))
    kept: list[Hit] = []
    for h in raw:
        if any(h.start < k.end and k.start < h.end and (h.start, h.end) != (k.start, k.end) for k in kept):
            continue
        kept.append(h)
    # "逾期答复了": a qualifier right before the word makes it another measure, not this concept
    quals = model().qualifiers
    kept = [h for h in kept if not any(text.endswith(w, 0, h.start) for w in quals)]
    # "一共收获了": 共收 cut out of 收获 is no mention of 本年新收
    others = [(m.start(), m.end()) for w in model().other_words for m in re.finditer(re.escape(w), text)]
    kept = [h for h in kept if not any(h.start < e and s < h.end and not (h.start <= s and e <= h.end)
                                       for s, e in others)]
    # "几个人具体办": a word that starts with a measure word right after a number word counts people
    # (几|个人), it is not the concept (个人 = 自然人)
    kept = [h for h in kept if not (h.word[:1] in model().measure_words and h.start > 0
                                    and _COUNTING.search(text[:h.start]))]
    kept.sort(key=lambda h: h.start)
    return kept


def operations_in(text: str) -> set[str]:
    return {op for op, pats in _op_patterns().items() if any(p.search(text) for p in pats)}


def _ordered_unique(items):
    seen, out = set(), []
    for x in items:
        if x.id not in seen:
            seen.add(x.id)
            out.append(x)
    return out


def _prune_groups(concepts: list[Concept]) -> list[Concept]:
    """A group gives way to a part of it named in the same question (the part is more specific)."""
    ids = {c.id for c in concepts}
    return [c for c in concepts if not (set(c.parts) | set(c.parts_when_split) | set(c.minus[1:]) | set(c.covers)) & ids]


def _strip_generic(text: str, m: QuestionModel) -> str:
    for w in sorted(m.generic_words, key=len, reverse=True):
        text = text.replace(w, "|")
    return text


def _strip_fillers(text: str, m: QuestionModel) -> str:
    """Fillers out, word by word (jieba), so that a one-character filler never cuts a word in two
    ("到" goes, "收到" stays)."""
    measures = "|".join(sorted(map(re.escape, m.measure_words), key=len, reverse=True))
    # "机关党建有多少条": the 有 before a question word is a filler even where jieba would read 建有
    text = re.sub(rf"[有是为]?(?:多少|几)(?:{measures})?", "|", text)
    for w in _long_fillers():
        text = text.replace(w, "|")
    fillers = _filler_set()
    return "".join("|" if tok in fillers else tok for tok in tokens(text))


@lru_cache(maxsize=1)
def _long_fillers() -> tuple[str, ...]:
    return tuple(sorted((w for w in model().filler_words if len(w) > 1), key=len, reverse=True))


@lru_cache(maxsize=1)
def _filler_set() -> frozenset[str]:
    return frozenset(w for w in model().filler_words if len(w) == 1)


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[str, ...]:
    import jieba

    return tuple(jieba.lcut(text, HMM=False))


_EXCEPT = re.compile(r"(?:除了|除去|除开|除)[^，,。？?]{0,5}$")


# what an exception leaves out: "除了自然人和企业以外" -> 自然人和企业 ("除此之外" leaves out nothing named)
_EXCEPT_SPAN = re.compile(r"(?:除了|除去|除开|除)(?![此这上以])(?P<what>[^，,。？?]{1,14}?)(?:以外|之外|外|[，,。？?的]|$)")
_JOINS = re.compile(r"^(?:和|与|及|、|跟|以及|还有)$")


def _complements(text: str, hits: list[Hit], m: QuestionModel) -> list[Hit]:
    """"除了老百姓个人，别的申请人…": a column named after 除 means every other column, the table's
    total minus that one (the answer shows the expression); "除自然人和企业外" is the total minus
    both. Groups and complements the data file already names ("除自然人以外") are left as they are."""
    out, excepted = [], False
    for h in hits:
        if excepted and h.word.startswith(("其他", "其它", "其余", "别的")):
            continue            # "除了企业以外，其他申请人": the rest is the complement already read
        if any(c.minus and c.dim == "columns" for c in h.concepts):
            excepted = True     # a complement the data file names ("除自然人以外")
        elif _EXCEPT.search(text[:h.start]):
            h = Hit(h.start, h.end, h.word, tuple(_except(c, m) for c in h.concepts))
            excepted = any(c.id.startswith("except_") for c in h.concepts)
            prev = out[-1] if out else None
            if excepted and prev and _JOINS.match(text[prev.end:h.start]) and len(prev.concepts) == len(h.concepts) == 1 \
                    and prev.concepts[0].minus and prev.concepts[0].dim == "columns" \
                    and prev.concepts[0].table == h.concepts[0].table:
                # two columns left out together: one complement of both
                out[-1] = Hit(prev.start, h.end, text[prev.start:h.end], (_except_also(prev.concepts[0], h.concepts[0], m),))
                continue
        out.append(h)
    return out


def unread_exception(text: str, hits: list[Hit]) -> str | None:
    """"除了其他以外的申请人": an exception whose left-out part no concept names. Answering the whole
    then would be a wrong figure, so the reader reports it."""
    for mm in _EXCEPT_SPAN.finditer(text):
        if not mm.group("what").strip("|"):
            continue            # what is left out is an agency or a year the question names ("除了|，")
        inside = [h for h in hits if mm.start() <= h.start < mm.end("what") + 2]
        # a left-out part counts as read only when it became a complement (total minus it): a row
        # named after 除 ("除了不予公开以外的办理结果") is not, and answering it would answer the part
        if not any(c.minus for h in inside for c in h.concepts):
            return mm.group(0)
    return None


def _except_also(first: Concept, also: Concept, m: QuestionModel) -> Concept:
    """A complement that leaves out one more column: total − A − B."""
    minus = (*first.minus, also.minus[-1])
    names = "、".join(m.tables[first.table].concepts[c].plain for c in minus[1:])
    return Concept(id="except_" + "_".join(minus[1:]), table=first.table, dim="columns", plain=f"{names}以外的各栏合计",
                   minus=minus, names_table=first.names_table and also.names_table)


def _except(c: Concept, m: QuestionModel) -> Concept:
    total = m.tables[c.table].default_column
    if c.dim != "columns" or c.is_group or not total or c.id == total:
        return c
    return Concept(id=f"except_{c.id}", table=c.table, dim="columns", plain=f"{c.plain}以外的各栏合计",
                   minus=(total, c.id), names_table=c.names_table)


def _subject(text: str, hits: list[Hit], m: QuestionModel) -> str:
    """The question's words in order, fillers out but concept words whole ("不予处理" keeps its 处理)."""
    out, pos = [], 0
    for h in hits:
        out.append(_strip_fillers(_strip_operations(text[pos:h.start], m), m))
        out.append("|" + text[h.start:h.end] + "|")
        pos = h.end
    out.append(_strip_fillers(_strip_operations(text[pos:], m), m))
    return content_of("".join(out))


def _strip_operations(text: str, m: QuestionModel) -> str:
    for words in m.operations.values():
        for w in words:
            if "…" not in w:
                text = text.replace(w, "|")
    return text


def content_of(text: str) -> str:
    """The CJK/Latin words left in a stripped text, joined by spaces."""
    return " ".join(t for t in re.findall(r"[\u4e00-\u9fffA-Za-z《》]{2,}", text))


def read(text: str) -> Reading:
    """`text` is the question with agency names and years already blanked out (as "|")."""
    m = model()
    text = normalise(text)
    hits = _complements(text, find_hits(text), m)
    # built as a draft, returned frozen: nothing after the reader changes how the question was read
    reading = SimpleNamespace(**{f.name: (f.default_factory() if f.default_factory is not MISSING else f.default)
                                 for f in fields(Reading)})
    reading.ops = operations_in(text)
    by_table: dict[str, dict[str, list[Concept]]] = {}
    score: dict[str, int] = {}
    for h in hits:
        for c in h.concepts:
            by_table.setdefault(c.table, {"rows": [], "columns": []})[c.dim].append(c)
            score[c.table] = score.get(c.table, 0) + (2 if c.dim == "rows" else 1) * len(h.word)
    reading.table_score = score
    reading.unread = narrowing_spans(text, hits, m, content_of, lambda t: _strip_fillers(_strip_generic(t, m), m))
    # the question without its narrowing words: when the whole question finds nothing, this finds the
    # nearest figures ("上半年主动公开了多少条": the year's), offered as candidates, never as the answer
    looked_up = _masked(text, [u.whole for u in reading.unread])
    # the subject: what no concept explains (for stated figures and for refusals)
    left = text
    for start, end in sorted({(h.start, h.end) for h in hits}, reverse=True):     # two concepts may share a span
        left = left[:start] + "|" + left[end:]
    stripped = _strip_fillers(_strip_generic(_strip_operations(left, m), m), m)
    reading.absent_word = next((w for w in m.absent_metric_words if w in text), None)
    reading.unread_exception = unread_exception(text, hits)
    places = _DECIMALS.search(text)
    if places:
        first = (places.group(1) or "整")[0]
        reading.decimals = int(first) if first.isdigit() else {"一": 1, "两": 2, "二": 2, "三": 3}.get(first, 0)
    asks_words = any(w in text for w in m.words_words)
    reading.wants_figure = (any(w in text for w in m.figure_words) and not (asks_words and "多少" not in text)) \
        or bool({"rank", "trend", "compare"} & reading.ops)
    reading.rank_ascending = any(p.search(text) for p in _patterns(m.rank_ascending))
    reading.asks_duration = any(w in text for w in m.duration_words)
    if reading.asks_duration:
        # "平均多少天办结": no template cell is a duration; the concepts are the stated figure's subject
        hits, by_table, score = [], {}, {}
    reading.subject = _subject(text, hits, m)
    reading.subject_without_unread = _subject(looked_up, hits, m) if reading.unread else reading.subject
    reading.metrics = _metrics(by_table, score, m)
    if any(w in text for w in m.money_words):
        # "收了多少元": only a cell that holds money answers it
        reading.metrics = [x for x in reading.metrics if _unit_of_cell(x, m) in m.money_units]
    reading.wants_overview = (not reading.metrics and "多少" not in text and not reading.ops
                              and any(w in text for w in m.overview_words)
                              and _about_whole_report(reading.subject, m))
    reading.operation = "overview" if reading.wants_overview else _operation(reading, text)
    if reading.operation in ("sum", "difference", "ratio") or (
            any(c in text for c in m.connectors) and ({"sum", "difference", "total"} & reading.ops)):
        op = reading.operation if reading.operation in ("sum", "difference", "ratio") else \
            ("difference" if "difference" in reading.ops else "sum")
        reading.subject_parts, at = _split_subject(text, op, m)
        if reading.subject_parts and len(reading.metrics) >= 2 and len({h.start < at for h in hits}) < 2:
            # every template word sits inside one of the two items ("法规规章规范性文件类信息和机构职能类
            # 信息"): the cells they name are not the two items, and summing them answers a part
            reading.metrics = []
        if not reading.metrics or len(reading.metrics) < 2:
            reading.operation = op if reading.subject_parts else reading.operation
    reading.leftover = content_of(stripped)
    reading.unread += doubtful_defaults(reading.metrics, reading.leftover, m, content_of)
    reading.unread += other_table_words(reading.metrics, hits, m)
    return Reading(**vars(reading))


def _masked(text: str, spans: list[str]) -> str:
    """`text` with each span blanked in place (same length, so concept offsets still hold)."""
    for span in spans:
        if span:
            text = text.replace(span, "|" * len(span))
    return text


def _about_whole_report(subject: str, m: QuestionModel) -> bool:
    """"公开工作总体情况如何" asks about the report; "网站建设情况怎么样" about one of its subjects."""
    rest = subject
    for w in sorted((*m.whole_report_words, *m.overview_words), key=len, reverse=True):
        rest = rest.replace(w, "")
    return not re.sub(r"[\s\W]", "", rest)


def _metrics(by_table: dict[str, dict[str, list[Concept]]], score: dict[str, int], m: QuestionModel) -> list[Metric]:
    """The cells the question names, in the best-named table (a table is named by a row or block;
    table 三 also by an applicant column alone, which then means the year's new requests)."""
    candidates = []
    for tid, dims in by_table.items():
        spec = m.tables[tid]
        rows = _prune_groups(_ordered_unique(dims["rows"]))
        cols = _prune_groups(_ordered_unique(dims["columns"]))
        defaulted = False
        if not rows and spec.default_row and any(c.id != spec.default_column and c.names_table for c in cols):
            rows, defaulted = [spec.concepts[spec.default_row]], True
        if not rows:
            continue
        if not cols:
            cols = [spec.concepts[spec.default_column]] if spec.default_column else [None]
            defaulted = True
        # a word that names two columns ("金额": 收费金额, 采购总金额) names the one its row has
        fitting = [c for c in cols if c is None or not c.for_rows or any(r.id in c.for_rows for r in rows)]
        cols = fitting or cols
        if len(rows) > 1 and len(cols) > 1:
            pairs = list(zip(rows, cols)) if len(rows) == len(cols) else [(r, c) for r in rows for c in cols]
        else:
            pairs = [(r, c) for r in rows for c in cols]
        candidates.append((score.get(tid, 0), tid, [Metric(tid, r, c, defaulted=defaulted) for r, c in pairs[:6]]))
    if not candidates:
        return []
    candidates.sort(key=lambda x: -x[0])
    return candidates[0][2]


def _unit_of_cell(metric: Metric, m: QuestionModel) -> str:
    """A cell's unit; an amount column (采购总金额) is money in whatever unit its source printed."""
    col, row = metric.column, metric.row
    if col is not None and not col.unit and "金额" in col.plain:
        return "元"
    return (col.unit if col is not None and col.unit else None) or (row.unit if row is not None and row.unit else None) \
        or m.tables[metric.table].unit


def _operation(reading: Reading, text: str) -> str:
    ops = reading.ops
    n = len(reading.metrics)
    two_items = n >= 2 or any(c in text for c in model().connectors)
    if two_items and "ratio" in ops:          # before difference: "比例是多少" also reads as "比…多"
        return "ratio"
    if two_items and "difference" in ops and ("比" in text or "相差" in text or "差" in text):
        return "difference"
    if "sum" in ops and two_items:
        return "sum"
    if n >= 2 and re.search(r"一共|总共|共计|共有|合计", text):
        return "sum"
    for op in ("rank", "trend", "average", "compare", "change"):
        if op in ops:
            return op
    return "value"


_DECIMALS = re.compile(r"保留(整数|[0-4零一两二三]位?)(?:小数)?|取整")
_LAST_YEAR = re.compile(r"\||去年|上年|上一年|前一年|往年|前年|以前|过去")


def _split_subject(text: str, operation: str, m: QuestionModel) -> tuple[list[str], int]:
    """Two prose items joined by a connector ("征地信息比土地出让信息多", "机关党建和工作动态合计"),
    and where the connector stands."""
    seps = ["比"] if operation == "difference" else [c for c in m.connectors if c != "比"]
    if operation == "ratio":
        seps = ["占", *seps]
    for sep in seps:
        i = text.find(sep)
        while sep == "比" and i > 0 and (text[i - 1] in "同环对占相" or _LAST_YEAR.match(text, i + 1)):
            # 同比, 环比, 对比: one word; "比2018年回落", "比去年多": a change on a year, not two items
            i = text.find(sep, i + 1)
        while sep == "占" and i >= 0 and text[i + 1:i + 2] == "比":     # 占比: one word ("…的占比多少")
            i = text.find(sep, i + 1)
        if i <= 0:
            continue
        a, b = text[:i], text[i + len(sep):]
        a = content_of(_strip_fillers(a, m))
        b = content_of(_strip_fillers(_cut_operation(b, m), m))
        if a and b:
            return [a, b], i
    return [], -1


def _cut_operation(text: str, m: QuestionModel) -> str:
    """The second item ends where the operation words begin ("…信息多多少条" -> "…信息")."""
    cut = len(text)
    for op in ("sum", "difference", "ratio"):
        for w in m.operations.get(op, ()):
            first = w.split("…")[-1] if w.startswith("比…") else w.split("…")[0]
            i = text.find(first)
            if i > 0:
                cut = min(cut, i)
    i = re.search(r"多[多几少]|少[多几]|多出|一共|共|总共|合计", text)
    if i and i.start() > 0:
        cut = min(cut, i.start())
    return text[:cut]
