"""The question model's data: template concepts and question words, loaded from `concepts.yaml`.

Knowledge about what people mean lives in that file so that a new phrasing is one line of data;
this module only loads it, checks that it is consistent (every part and default names a concept
of its table) and answers "which concepts does this word stand for".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from index.errors import InputError

DATA = Path(__file__).with_name("concepts.yaml")
DIMENSIONS = ("rows", "columns")


@dataclass(frozen=True)
class Concept:
    """A row, block or column of a template table, or a group/complement of them."""
    id: str
    table: str                     # "t2", "t3", "t4"
    dim: str                       # "rows" or "columns"
    plain: str                     # how an answer names it
    labels: tuple[str, ...] = ()   # published label leaves it stands for
    words: tuple[str, ...] = ()    # what people say
    parts: tuple[str, ...] = ()    # a group: the sum of these concepts
    minus: tuple[str, ...] = ()    # a complement: first minus second
    parts_when_split: tuple[str, ...] = ()
    covers: tuple[str, ...] = ()   # a stored total: gives way when one of these is named too
    unit: str | None = None
    item: str | None = None        # table 二: which 第二十条 item the row belongs to
    names_table: bool = True       # a column alone names its table (not 其他: too common a word)
    for_rows: tuple[str, ...] = () # a column only these rows have (采购总金额: 政府集中采购)

    @property
    def is_group(self) -> bool:
        return bool(self.parts or self.minus)


@dataclass(frozen=True)
class TableSpec:
    id: str
    name: str                      # 表二 / 表三 / 表四
    title: str | None              # the stored table title (None: matched by prefix)
    title_prefix: str | None
    unit: str
    default_column: str | None
    default_row: str | None
    concepts: dict[str, Concept] = field(default_factory=dict)
    strict_default: bool = False   # its default column stands only when nothing of the question is left unread
    default_row_words: tuple[str, ...] = ()     # general words that name the default row ("申请")

    def matches_title(self, title: str | None) -> bool:
        if not title:
            return False
        return title == self.title if self.title else title.startswith(self.title_prefix or "\0")


@dataclass(frozen=True)
class Narrowing:
    """A kind of words that narrow a figure the reports give whole (period, channel, topic, part, rate)."""
    kind: str
    says: str                                   # what the reports give instead, for the refusal
    words: tuple[str, ...] = ()
    patterns: tuple[re.Pattern, ...] = ()
    after_concept: bool = False                 # patterns read right after a concept word (a part of it)
    excepted: tuple[re.Pattern, ...] = ()        # matches inside these are no narrowing ("1至12月" is the year)
    before_column: tuple[re.Pattern, ...] = ()   # patterns ending right before a column word (its modifier)


@dataclass(frozen=True)
class QuestionModel:
    tables: dict[str, TableSpec]
    operations: dict[str, tuple[str, ...]]
    connectors: tuple[str, ...]
    filler_words: tuple[str, ...]
    generic_words: tuple[str, ...]
    measure_words: tuple[str, ...]
    absent_metric_words: tuple[str, ...]
    government_suffixes: tuple[str, ...]
    agency_suffixes: tuple[str, ...]
    place_suffixes: tuple[str, ...]
    figure_words: tuple[str, ...]
    words_words: tuple[str, ...]
    rank_ascending: tuple[str, ...]
    overview_words: tuple[str, ...] = ()
    qualifiers: tuple[str, ...] = ()
    other_words: tuple[str, ...] = ()       # words that hold a concept word's characters and mean another thing
    duration_words: tuple[str, ...] = ()
    duration_units: tuple[str, ...] = ()
    share_words: tuple[str, ...] = ()
    money_words: tuple[str, ...] = ()
    money_units: tuple[str, ...] = ()
    agency_things: tuple[str, ...] = ()
    whole_report_words: tuple[str, ...] = ()
    overview_cells: tuple[tuple[str, str, str], ...] = ()       # (table, row, column) concept ids
    narrowing: tuple[Narrowing, ...] = ()
    context_words: tuple[str, ...] = ()
    specific_units: tuple[str, ...] = ()
    platform_words: tuple[str, ...] = ()
    same_kind_units: tuple[str, ...] = ()
    last_year_words: tuple[str, ...] = ()      # patterns: a change against the year before
    changed_words: tuple[str, ...] = ()        # how a figure changed (增长, 回落…)
    typos: tuple[tuple[re.Pattern, str], ...] = ()
    confusable_table: dict = field(default_factory=dict)      # str.translate table of confusable characters
    suffix_in_word: tuple[str, ...] = ()
    words_not_agency: tuple[str, ...] = ()
    zone_words: tuple[str, ...] = ()
    office_words: tuple[str, ...] = ()

    def concept(self, table: str, cid: str) -> Concept:
        return self.tables[table].concepts[cid]

    def all_concepts(self) -> list[Concept]:
        return [c for t in self.tables.values() for c in t.concepts.values()]


def _tuple(v) -> tuple[str, ...]:
    if v is None:
        return ()
    if not isinstance(v, list) or not all(isinstance(x, (str, int)) for x in v):
        raise InputError(f"{DATA.name}: expected a list of words, got {v!r}")
    return tuple(str(x) for x in v)


def load_model(path: Path = DATA) -> QuestionModel:
    """Read and validate the data file; a mistake in it is a clear error at start, not a wrong answer."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path.name}: cannot read the question model: {exc}") from exc
    tables: dict[str, TableSpec] = {}
    for tid, t in (raw.get("tables") or {}).items():
        concepts: dict[str, Concept] = {}
        for dim in DIMENSIONS:
            for c in t.get(dim) or []:
                if "id" not in c or "plain" not in c:
                    raise InputError(f"{path.name}: {tid}.{dim}: every concept needs an id and a plain name: {c!r}")
                if c["id"] in concepts:
                    raise InputError(f"{path.name}: {tid}: concept {c['id']} defined twice")
                concepts[c["id"]] = Concept(
                    id=c["id"], table=tid, dim=dim, plain=c["plain"], labels=_tuple(c.get("labels")),
                    words=_tuple(c.get("words")), parts=_tuple(c.get("parts")), minus=_tuple(c.get("minus")),
                    parts_when_split=_tuple(c.get("parts_when_split")), covers=_tuple(c.get("covers")), unit=c.get("unit"), item=c.get("item"),
                    names_table=bool(c.get("names_table", True)), for_rows=_tuple(c.get("for_rows")))
        spec = TableSpec(id=tid, name=t["name"], title=t.get("title"), title_prefix=t.get("title_prefix"),
                         unit=t.get("unit", ""), default_column=t.get("default_column"),
                         default_row=t.get("default_row"), concepts=concepts,
                         strict_default=bool(t.get("strict_default")),
                         default_row_words=_tuple(t.get("default_row_words")))
        for c in concepts.values():
            for ref in (*c.parts, *c.minus, *c.parts_when_split, *c.covers):
                if ref not in concepts or concepts[ref].dim != c.dim:
                    raise InputError(f"{path.name}: {tid}.{c.id} refers to {ref}, not a {c.dim[:-1]} of {tid}")
            for ref in c.for_rows:
                if ref not in concepts or concepts[ref].dim != "rows":
                    raise InputError(f"{path.name}: {tid}.{c.id} is for {ref}, not a row of {tid}")
            if not c.labels and not c.is_group:
                raise InputError(f"{path.name}: {tid}.{c.id} has neither labels nor parts")
        for ref, dim in ((spec.default_column, "columns"), (spec.default_row, "rows")):
            if ref and (ref not in concepts or concepts[ref].dim != dim):
                raise InputError(f"{path.name}: {tid}: default {ref} is not a {dim[:-1]} of the table")
        tables[tid] = spec
    ops = {k: _tuple(v) for k, v in (raw.get("operations") or {}).items()}
    ag = raw.get("agencies") or {}
    overview = raw.get("overview") or {}
    cells = tuple(tuple(c) for c in overview.get("cells") or [])
    for c in cells:
        ok = len(c) == 3 and c[0] in tables and all(
            x in tables[c[0]].concepts and tables[c[0]].concepts[x].dim == dim for x, dim in zip(c[1:], DIMENSIONS))
        if not ok:
            raise InputError(f"{path.name}: overview cell {list(c)} is not [table, row, column] of the model")
    narrowing = []
    for kind, spec in (raw.get("narrowing") or {}).items():
        try:
            pats = tuple(re.compile(p) for p in _tuple(spec.get("patterns")))
        except re.error as exc:
            raise InputError(f"{path.name}: narrowing.{kind}: bad pattern: {exc}") from exc
        if not spec.get("says"):
            raise InputError(f"{path.name}: narrowing.{kind} needs `says` (what the reports give instead)")
        try:
            excepted = tuple(re.compile(p) for p in _tuple(spec.get("except")))
        except re.error as exc:
            raise InputError(f"{path.name}: narrowing.{kind}.except: bad pattern: {exc}") from exc
        try:
            before = tuple(re.compile(p) for p in _tuple(spec.get("before_column")))
        except re.error as exc:
            raise InputError(f"{path.name}: narrowing.{kind}.before_column: bad pattern: {exc}") from exc
        narrowing.append(Narrowing(kind, spec["says"], _tuple(spec.get("words")), pats, bool(spec.get("after_concept")),
                                   excepted, before))
    words = {name: _tuple(raw.get(name)) for name in _WORD_LISTS}
    agency_words = {f: _tuple(ag.get(key)) for f, key in _AGENCY_LISTS.items()}
    asks = raw.get("question_words") or {}
    return QuestionModel(tables=tables, operations=ops, **words, **agency_words,
                         figure_words=_tuple(asks.get("figure")), words_words=_tuple(asks.get("words")),
                         overview_words=_tuple(overview.get("words")), overview_cells=cells, narrowing=tuple(narrowing),
                         typos=_typos(raw.get("typos") or {}),
                         last_year_words=_tuple((raw.get("last_year") or {}).get("words")),
                         changed_words=_tuple((raw.get("last_year") or {}).get("changed")),
                         confusable_table=str.maketrans({str(k): str(v) for k, v in
                                                         (raw.get("confusable_characters") or {}).items()}),
                         whole_report_words=_tuple(overview.get("whole_report_words")))


def _typos(raw: dict) -> tuple[tuple[re.Pattern, str], ...]:
    try:
        return tuple((re.compile(str(k)), str(v)) for k, v in raw.items())
    except re.error as exc:
        raise InputError(f"{DATA.name}: typos: bad pattern: {exc}") from exc


# word lists of the data file read as they are (top-level key = field name)
_WORD_LISTS = ("platform_words", "specific_units", "same_kind_units", "context_words", "connectors", "filler_words", "generic_words", "measure_words", "absent_metric_words", "rank_ascending",
               "qualifiers", "other_words", "duration_words", "duration_units", "share_words", "money_words", "money_units")
_AGENCY_LISTS = {"government_suffixes": "government_suffixes", "agency_suffixes": "agency_suffixes",
                 "place_suffixes": "place_suffixes", "agency_things": "things", "suffix_in_word": "suffix_in_word",
                 "words_not_agency": "words_not_agency", "zone_words": "zone_words", "office_words": "office_words"}


@lru_cache(maxsize=1)
def model() -> QuestionModel:
    return load_model()


@lru_cache(maxsize=1)
def last_year_re() -> re.Pattern:
    """"同比", "比上年": a change against the year before (the data file's patterns)."""
    return re.compile("|".join(model().last_year_words) or "(?!)")


@lru_cache(maxsize=1)
def change_asked_re() -> re.Pattern:
    """The whole ask for a change ("比2018年增长了百分之多少"): taken out for this year's own figure."""
    changed = "|".join(sorted(map(re.escape, model().changed_words), key=len, reverse=True))
    return re.compile(rf"(?:{'|'.join(model().last_year_words)}|比\d{{4}}年)(?:[^，,？?]{{0,8}}?)(?:{changed})?了?"
                      r"(?:百分之|百分比|几个百分点|多少个百分点)?")


@lru_cache(maxsize=1)
def share_words_re() -> re.Pattern:
    """The data file's words for a share (longest first), as one pattern: asked, and removed from a subject."""
    words = sorted(map(re.escape, model().share_words), key=len, reverse=True)
    return re.compile("|".join(words) if words else "(?!)")


@dataclass(frozen=True)
class PassageModel:
    """What the data file says about questions that ask for words (its `passages` part)."""
    asking_words: tuple[str, ...]                       # longest first: taken out of the question
    sections: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]   # (words of its heading, words pointing at it)
    shortcoming_words: tuple[str, ...]
    words_question: tuple[str, ...] = ()                # a question with these (and no figure words) asks for words
    same_as: dict = field(default_factory=dict)         # everyday word -> the words reports write for it
    whole_words: tuple[str, ...] = ()                   # kept whole when a question is cut into words
    figure_units: tuple[str, ...] = ()                  # what a number in the text counts in (longest first)
    unit_kin: tuple[frozenset, ...] = ()                # units that answer one another


@lru_cache(maxsize=1)
def passage_model(path: Path = DATA) -> PassageModel:
    raw = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("passages") or {}
    sections = []
    for spec in raw.get("sections") or []:
        if not isinstance(spec, dict) or not spec.get("about") or not spec.get("words"):
            raise InputError(f"{path.name}: passages.sections: each needs `about` and `words`, got {spec!r}")
        sections.append((_tuple(spec["about"]), _tuple(spec["words"])))
    return PassageModel(asking_words=tuple(sorted(_tuple(raw.get("asking_words")), key=len, reverse=True)),
                        sections=tuple(sections), shortcoming_words=_tuple(raw.get("shortcoming_words")),
                        words_question=_tuple(raw.get("words_question")),
                        same_as={str(k): _tuple(v) for k, v in (raw.get("same_as") or {}).items()},
                        whole_words=tuple(sorted(_tuple(raw.get("whole_words")), key=len, reverse=True)),
                        figure_units=tuple(sorted(set(_tuple(raw.get("figure_units"))), key=len, reverse=True)),
                        unit_kin=tuple(frozenset(_tuple(k)) for k in raw.get("unit_kin") or []))
