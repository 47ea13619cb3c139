"""Question understanding without a language model: which agency, which years, which metric, which kind.

Agencies and years are read here; metrics and operations by `reader` from the question model's
data (`concepts.yaml`).

Agency names are matched loosely because people shorten them (宁波对口支援局, 沭阳县发改局, 洪泽区)
and OCR misreads them (沐阳县): a mention matches an agency when it shares the agency's place name
and the rest of the mention is a subsequence of the full name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import cn2an

from .chars import fold, plain_name
from .concepts import model

# "2024年", and the short "24年" people say (a two-digit year only where it cannot be a count of
# years: not "近10年", "连续12年", "10年来", "在那10年里"; a follow-up may open with it: "那23年的呢")
YEAR_RE = re.compile(r"(?<![\d.])((?:19|20)\d{2})\s*年(?:度)?"
                     r"|(?<![\d.近前后过去多数第这每余续了有])(?<![^\s]那)((?:0[89]|[12]\d))年(?:度)?(?![代来间内以多])")


def years_in(text: str) -> list[int]:
    """Every year a text names, short forms as 20xx."""
    return [int(full) if full else 2000 + int(short) for full, short in YEAR_RE.findall(text)]

_SINCE = ("以后", "之后", "以来", "起", "及以后")
_SINCE_UNTIL = re.compile(r"(?<![\d近前后过去多数第这那每余续了有历])((?:19|20)?\d{2})\s*年(?:度)?(以后|之后|以来|及以后|起|以前|之前|及以前)")
RANGE_RE = re.compile(r"(?<!\d)((?:19|20)?\d{2})\s*年?\s*(?:到|至|—|-|～|~)\s*((?:19|20)?\d{2})\s*年")
_PLACE_RE = re.compile(r"([\u4e00-\u9fff]{2,3}?)(?:省|市|县|区|州|旗|盟)")
_ADMIN_SUFFIX = "省市县区州旗盟"

@dataclass
class AgencyMatch:
    agency: str
    mention: str
    score: float


@dataclass(frozen=True)
class Question:
    text: str
    years: list[int]
    agencies: list[AgencyMatch]
    unknown_place: str | None
    metric: str                       # the question with agency, years and question words removed
    wants_figure: bool
    wants_change: bool
    wants_sum: bool
    wants_rank: bool = False
    rank_desc: bool = True
    top_n: int | None = None
    wants_trend: bool = False
    wants_compare: bool = False
    wants_avg: bool = False
    metrics: list = field(default_factory=list)       # template cells named by concepts (reader.Metric)
    operation: str = "value"
    reading: object = None                            # the reader's full output (reader.Reading)
    place_agencies: list[str] = field(default_factory=list)   # for a refusal: what the corpus has for that place
    excluded: list[str] = field(default_factory=list)         # "除了淮安市政府，哪个单位…": agencies left out
    ignored_filters: list[str] = field(default_factory=list)  # filters the question's own words overrode


@lru_cache(maxsize=100000)
def _places(name: str) -> tuple[str, ...]:
    """Place-name roots of an agency name: 淮安市洪泽区人民政府 -> [淮安, 洪泽];
    平潭综合实验区君山片区管理局 -> [平潭, 君山] (places the data file lists, like 实验区 and 片区)."""
    roots = []
    pos = 0
    while True:
        m = _PLACE_RE.match(name, pos)
        if not m:
            break
        roots.append(m.group(1))
        pos = m.end()
    if not roots and len(name) >= 2:
        roots.append(name[:2])
    for m in _sub_place_re().finditer(name):
        # the words after the last 市/县/区 only: "无锡市开发区" and "昆明市高新区" add no place
        # (开发区 and 高新区 are kinds of zone, "锡市" and "市高" no names)
        words = re.split(f"[{_ADMIN_SUFFIX}]", m.group(1))[-1]
        if len(words) < 2:
            continue
        root = words[-2:] if m.start() == 0 or words[:2] in roots else words[:2]
        if root not in roots:
            roots.append(root)
    return tuple(roots)


def _office_part(name: str) -> str:
    """What an agency name says after its places: 上海市科委 -> 科委, 沭阳县发展和改革局 -> 发展和改革局."""
    pos = 0
    while m := _PLACE_RE.match(name, pos):
        pos = m.end()
    return name[pos:] if pos else ""


@lru_cache(maxsize=1)
def _sub_place_re() -> re.Pattern:
    suffixes = "|".join(sorted(map(re.escape, model().place_suffixes), key=len, reverse=True))
    return re.compile(rf"([\u4e00-\u9fff]{{2,4}}?)(?:{suffixes})")


def is_government(name: str, mention: str) -> bool:
    """The agency a bare place name means: the place plus a government word (淮安市人民政府, 平潭综合实验区)."""
    full = plain_name(name)
    i = full.find(mention)
    if i < 0:
        return False
    rest = full[i + len(mention):].lstrip(_ADMIN_SUFFIX)
    return rest == "" or rest in model().government_suffixes


@lru_cache(maxsize=200000)
def _sub_unit_of(name: str, mention: str) -> bool:
    """A government named in full ("平潭综合实验区", "淮安市人民政府") is not one of its own bureaus
    (平潭综合实验区国有资产管理局), even though its name is a prefix of theirs."""
    full = _plain(name)
    for suffix in _government_suffixes():
        short = suffix.replace("人民", "")
        if mention.endswith(suffix) or (short != suffix and mention.endswith(short)):
            i = full.find(suffix) if suffix in full else full.find(short)
            if i < 0:
                return False
            rest = full[i + len(suffix if suffix in full else short):]
            return len(rest) >= 2
    return False


@lru_cache(maxsize=1)
def _government_suffixes() -> tuple[str, ...]:
    return tuple(sorted(model().government_suffixes, key=len, reverse=True))


@lru_cache(maxsize=100000)
def _plain(name: str) -> str:
    """A name as questions are matched: OCR look-alikes folded (cached: names repeat per question)."""
    return plain_name(name)


@lru_cache(maxsize=1)
def _agency_suffix_re() -> str:
    return "|".join(sorted(map(re.escape, model().agency_suffixes), key=len, reverse=True))




def _thing_of(text: str, mention: str) -> bool:
    """The mention names an agency's meeting, publication or website ("上海市政府常务会议",
    "淮安市政府公报"), the question's context, not the agency it asks about."""
    at = text.find(mention)
    return at >= 0 and text[at + len(mention):].startswith(model().agency_things)


def agency_mentions(text: str, roots: list[str]) -> list[list[str]]:
    """Agency-like mentions in a question: a place root followed by words ending in an agency
    word (淮安市教育局, 上海市政府办公厅); for each, every reading from the shortest to the longest
    (上海市政府, 上海市政府办公厅), since which one is meant depends on what the corpus holds."""
    out = []
    suffix = re.compile(rf"(?:{_agency_suffix_re()})")
    for root in roots:
        for m in re.finditer(re.escape(root), text):
            # a name never runs past a particle or a list mark ("淮安市公安局的政府信息…")
            run = re.match(r"[\u4e00-\u9fff]{0,14}", text[m.end():]).group(0)
            run = _name_run(re.split(r"[的之在跟同或比]", run)[0], suffix)
            ends = sorted({m.end() + k.end() for i in range(len(run) + 1) if (k := suffix.match(run, i))})
            # "…政府" followed by 信息 is the words 政府信息, not a government
            readings = [text[m.start():e] for e in ends if e - m.end() <= 14
                        and not (text[e - 2:e] == "政府" and text[e:e + 2] == "信息")
                        and text[e - 1:e + 1] not in model().suffix_in_word
                        and text[e - 2:e] not in model().words_not_agency]
            if readings:
                out.append(readings)
    return out


def _name_run(run: str, suffix: re.Pattern) -> str:
    """A name's words up to a 和/与/及 that joins two names ("洪泽区和沭阳发改局"); one inside an
    office's name, before any agency word ("自然资源和规划局", "交通与建设局"), does not end it."""
    joins = [m.start() for m in re.finditer("[和与及]", run)]
    for at in joins:
        before = run[:at]
        if not before or before[-1] in _ADMIN_SUFFIX or any(
                (k := suffix.match(before, i)) and k.end() == at for i in range(at)):
            return before
        if not re.match(r"[\u4e00-\u9fff]{1,5}?(?:局|委员会|厅)", run[at + 1:]):
            return before
    return run


@lru_cache(maxsize=200000)
def _chars(name: str) -> frozenset[str]:
    return frozenset(name)


def _is_subsequence(small: str, big: str) -> bool:
    it = iter(big)
    return all(ch in it for ch in small)


def match_agency(question: str, agency: str, aliases: list[str] = (), folded: bool = False) -> AgencyMatch | None:
    """The longest mention in the question that names this agency, or None. `folded`: the question
    is already without spaces and with OCR look-alikes folded."""
    q = question if folded else re.sub(r"\s+", "", question)
    best: AgencyMatch | None = None
    for name in [agency, *aliases]:
        if not name:
            continue
        full = _plain(name)
        if full in q:
            cand = AgencyMatch(agency, full, 3.0 + len(full) / 100)     # the whole name always wins
            if best is None or cand.score > best.score:
                best = cand
            continue
        for depth, root in enumerate(_places(full)):
            tail = full[full.index(root) + len(root):]
            at = q.find(root)
            while at >= 0:
                # grow the mention to the right while it stays a subsequence of the full name (the
                # leftmost match of each character, so one pass: a city's thousand agencies per question)
                start, end = at, at + len(root)
                at = q.find(root, end)                # the next occurrence, not overlapping (as re.finditer)
                k, pos = end, 0
                while k < len(q) and (pos := tail.find(q[k], pos) + 1):
                    k += 1
                # one character after the place is a name word only when the name ends in it (洪泽区,
                # 上海市): "平潭有事你说" is 平潭, not 平潭综合实验区国有资产管理局 by the 有 of 国有
                if k == end + 1 and q[end] not in _name_endings(full):
                    k = end
                mention = q[start:k]
                # a bare place name ("洪泽区") names the agency only if nothing else in the name is needed
                rest = mention[len(root):]
                covered = (len(root) + len(rest)) / len(full)
                if len(rest) == 0:
                    score = 0.5
                elif rest in _ADMIN_SUFFIX and len(rest) == 1:
                    score = 0.6
                else:
                    score = 0.6 + covered
                # the agency's own place (洪泽 of 淮安市洪泽区人民政府) names it better than its parent's (淮安)
                cand = AgencyMatch(agency, mention, score + 0.01 * depth)
                if best is None or cand.score > best.score:
                    best = cand
    return best


@lru_cache(maxsize=1)
def _government_words() -> tuple[str, ...]:
    """The data file's government suffixes, longest first; a general office (办公厅) is no government."""
    return tuple(sorted((w for w in model().government_suffixes if "办" not in w), key=len, reverse=True))




def _government_of(readings: list[str], roots: list[str], pool: dict[str, list[str]]) -> str | None:
    """The one indexed government a mention names by a place and a government word of its own
    ("平潭管委会", "平潭实验区政府"), when the place has exactly one government in the corpus. A
    general office (办公厅) is not its government."""
    mention = readings[-1]          # the whole mention: "平潭管委会教育局" is no government
    for r in roots:
        rest = mention[len(r):].lstrip(_ADMIN_SUFFIX) if mention.startswith(r) else None
        # nothing but government words after the place ("管委会", "实验区政府"; not "公安局的政府")
        if not rest or re.sub("|".join(_government_words()), "", rest):
            continue
        # a zone's government: "淮安管委会" is no name of 淮安市人民政府 (while "平潭政府" names 平潭综合实验区)
        zones = model().zone_words
        zone = any(w in rest for w in zones)
        govs = {n for n, spellings in pool.items() if r in _places(spellings[0])
                and any(own in _government_words() and (not zone or any(w in own for w in zones))
                        for x in spellings if r in x for own in [x[x.find(r) + len(r):].lstrip(_ADMIN_SUFFIX)])}
        if len(govs) == 1:
            return govs.pop()
    return None


_PLACELESS = re.compile(r"^\s*(?:\d{4}\s*年度?)?\s*([\u4e00-\u9fff]{1,6}?(?:办公厅|办公室|管理局|委员会|局|委|办(?![理结件复法事])))")


def _placeless_agency(text: str, names: dict[str, list[str]]) -> AgencyMatch | None:
    """An agency named without its place at the head of a question ("市府办公厅2019年…", "国资局…"):
    the one indexed agency whose name holds that mention (in order) and ends in the same kind of
    office; several or none is no match (the question is then read as naming no agency)."""
    m = _PLACELESS.match(text)
    return _placeless_fit(m.group(1), names) if m else None


def _placeless_fit(mention: str, names: dict[str, list[str]]) -> AgencyMatch | None:
    kind = next(k for k in ("办公厅", "办公室", "管理局", "委员会", "局", "委", "办") if mention.endswith(k))
    fits = {n for n, aliases in names.items() for x in (n, *aliases)
            if _is_subsequence(mention, _plain(x)) and (_plain(x).endswith(kind) or kind in ("委", "办") and kind in x)}
    return AgencyMatch(fits.pop(), mention, 1.5) if len(fits) == 1 else None


# the second agency of a comparison named without its place: "…比市科委2024年多", "科委2024年…比沭阳发改局"
_PLACELESS_PAIRED = re.compile(r"(?:^|(?<=[比和与跟同、，,]))\s*(?:\d{4}\s*年度?)?\s*"
                               r"([\u4e00-\u9fff]{1,6}?(?:办公厅|办公室|管理局|委员会|局|委))")


def _placeless_beside(text: str, names: dict[str, list[str]], matches: list[AgencyMatch]) -> list[AgencyMatch]:
    """Agencies named without their place beside one named with it: each the one indexed agency
    its words fit, and not inside another mention."""
    q = text
    taken = [_span(q, m.mention) for m in matches]
    out: list[AgencyMatch] = []
    for m in _PLACELESS_PAIRED.finditer(q):
        a, b = m.span(1)
        if any(a < e and s < b for s, e in taken):
            continue
        found = _placeless_fit(m.group(1), names)
        if found and found.agency not in {x.agency for x in (*matches, *out)}:
            out.append(found)
    return out


def _placeless_unknown(text: str) -> str | None:
    """An agency named without a place at the head of a question that no indexed agency fits
    ("教育局2023年…"): refused by that name rather than answered for every agency."""
    m = _PLACELESS.match(text)
    if m and len(m.group(1)) >= 3 and not re.match(r"^(全|本|各|该|我|这|那|哪)", m.group(1)):
        return m.group(1)
    return None


@lru_cache(maxsize=100000)
def _name_endings(full: str) -> frozenset[str]:
    """Characters a name shortened to one character after its place may take: the first character
    of a word of the name, or the last of the name, of its places and of its agency words."""
    words = (*model().agency_suffixes, *model().place_suffixes, *_ADMIN_SUFFIX, "厅", "政府")
    ends = {w[-1] for w in words if w and w in full} | {full[-1]}
    # short names take the first character of each word (科学技术委员会 -> 科委, 国有资产 -> 国资)
    ends |= {w[0] for w in _name_words(full)}
    office = _office_part(full)
    ends |= {office[0]} if office else set()
    ends |= {"委"} if "委员会" in full else set()
    return frozenset(ends)


def _name_words(full: str) -> list[str]:
    import jieba

    return jieba.lcut_for_search(full, HMM=False)


def _office_under(name: str, mention: str) -> bool:
    """"平潭综合实验区公安局" names an office under 平潭综合实验区, not that agency by a longer name."""
    return mention.startswith(name) and _office_re().fullmatch(mention[len(name):]) is not None


@lru_cache(maxsize=1)
def _office_re() -> re.Pattern:
    """An office's own name after its government's: 公安局, 财政金融局, 价格监测中心 (not 承办, 主办)."""
    words = "|".join(sorted(map(re.escape, model().office_words), key=len, reverse=True))
    return re.compile(rf"[\u4e00-\u9fff]{{1,8}}?(?:{words})")


def _span(q: str, mention: str) -> tuple[int, int]:
    at = q.find(mention)
    return (at, at + len(mention)) if at >= 0 else (-1, -1)


def _best_per_place(q: str, found: list[AgencyMatch]) -> list[AgencyMatch]:
    """Short names: the best-scoring agencies of each separate mention. Two agencies named apart
    ("洪泽区和沭阳发改局比", "淮安市政府和上海科委") are both meant, however short one of the names
    is; agencies competing for the same words keep only the best of them (and ties stay ties)."""
    spans = {id(m): _span(q, m.mention) for m in found}
    kept: list[AgencyMatch] = []
    for m in sorted(found, key=lambda m: -m.score):
        s = spans[id(m)]
        rivals = [k for k in kept if s[0] < spans[id(k)][1] and spans[id(k)][0] < s[1]]
        if not rivals or all(abs(k.score - m.score) < 1e-9 for k in rivals):
            kept.append(m)
    # a bare place named beside another agency ("洪泽区和沭阳县发改局", "平潭和宁波…") is that place's
    # government when the corpus has it, not every agency of the place
    if len({spans[id(m)] for m in kept}) > 1:
        for span in {spans[id(m)] for m in kept}:
            same = [m for m in kept if spans[id(m)] == span]
            gov = [m for m in same if m.score < 1.0 and is_government(m.agency, m.mention)]
            if len(same) > 1 and len(gov) == 1:
                kept = [m for m in kept if spans[id(m)] != span or m is gov[0]]
    return kept


def agency_names(reports: list[dict]) -> dict[str, list[str]]:
    """Distinct agencies with all the aliases their reports carry (what names are matched against)."""
    out: dict[str, list[str]] = {}
    for r in reports:
        if r["agency"]:
            al = out.setdefault(r["agency"], [])
            al += [a for a in r.get("aliases") or [] if a not in al]
    return out


_ROOT_INDEX: dict[int, tuple[dict, dict[str, set[str]]]] = {}


def root_index(names: dict[str, list[str]]) -> dict[str, set[str]]:
    """Place root -> agencies whose name or alias has it; built once per agency list."""
    cached = _ROOT_INDEX.get(id(names))
    if cached is not None and cached[0] is names:
        return cached[1]
    index: dict[str, set[str]] = {}
    for name, aliases in names.items():
        for n in (name, *aliases):
            for root in _places(plain_name(n)):
                index.setdefault(root, set()).add(name)
    _ROOT_INDEX.clear()
    _ROOT_INDEX[id(names)] = (names, index)
    return index


def parse_question(text: str, reports: list[dict], agency: str | None = None,
                   year: int | None = None, names: dict[str, list[str]] | None = None,
                   corpus_years: list[int] | None = None) -> Question:
    """`names` and `corpus_years` (the years the reports have) may be given, computed once per
    index generation: at national scale a pass over every report per question is the cost."""
    text = fold(text)           # idempotent: callers that folded already lose nothing
    years = set(years_in(text))
    for a, b in RANGE_RE.findall(text):     # "2019年到2023年" names every year between
        lo, hi = sorted(int(y) if len(y) == 4 else 2000 + int(y) for y in (a, b))
        if hi - lo <= 30:
            years |= set(range(lo, hi + 1))
    if corpus_years is None:
        corpus_years = sorted({r["year"] for r in reports if r.get("year")})
    for y, side in _SINCE_UNTIL.findall(text):       # "2022年以后的几份年报": every year the corpus has from then
        y = int(y) if len(y) == 4 else 2000 + int(y)
        years |= {c for c in corpus_years if (c >= y if side in _SINCE else c <= y)}
    years = sorted(years)
    ignored: list[str] = []
    if year and years and int(year) not in years:
        ignored.append(f"年份：{year}")      # the question names its own years: they win
    elif year:
        years = [int(year)]
    # a filter's agency applies only when the question names none of its own: the question is read
    # as typed first, and the filter fills in what it leaves open
    filter_agency, agency = agency, None
    names = names if names is not None else agency_names(reports)
    matches: list[AgencyMatch] = []
    if agency:
        matches = [m for name, aliases in names.items() if (m := match_agency(agency, name, aliases))]
    else:
        by_agency: dict[str, AgencyMatch] = {}
        q = re.sub(r"\s+", "", text)
        index = root_index(names)
        # cheap filter: only agencies one of whose place roots the question contains
        candidates = {name for root, owners in index.items() if root in q for name in owners}
        for name in sorted(candidates):
            aliases = names[name]
            m = match_agency(q, name, aliases, folded=True)
            if m and not _sub_unit_of(name, m.mention):
                by_agency[name] = m
        if by_agency:
            # every agency named apart counts (comparisons name two, one of them often short:
            # "洪泽区和沭阳县发改局"); agencies competing for the same words keep the best of them
            found = list(by_agency.values())
            # a mention that a longer mention holds names the less specific agency ("平潭综合实验区" in
            # "平潭综合实验区君山片区"): the longer one is meant, however fully the shorter is spelled
            # (compared among the distinct mentions: a place's thousand agencies share a few mentions)
            mentions = {m.mention for m in found}
            held = {x for x in mentions if any(x != o and x in o and len(o) - len(x) >= 2 for o in mentions)}
            found = [m for m in found if m.mention not in held]
            matches = _best_per_place(q, found)
            # a mention inside a longer mention of another agency is not a separate agency
            matches = [m for m in matches if not any(m.mention != o.mention and m.mention in o.mention
                                                     for o in matches)]
            # a bare place ("淮安", "平潭实验区") means that place's government when the corpus has it
            if len(matches) > 1 and all(m.score < 1.0 for m in matches):
                gov = [m for m in matches if is_government(m.agency, m.mention)]
                if len(gov) == 1 or (gov and len({g.agency for g in gov}) < len(matches)):
                    matches = gov
    if matches and not agency:
        matches = matches + _placeless_beside(text, names, matches)
    excluded, left_out = [], []
    if matches and not agency:
        # "除了淮安市政府，哪个单位…最多": an agency named to be left out of the question's scope
        q_text = text
        left_out = [m for m in matches if (at := q_text.find(m.mention)) >= 0
                    and re.search(r"(除了|除去|除开|除|不含|不包括|不算)\s*$", q_text[:at])]
        if left_out:
            excluded = sorted({m.agency for m in left_out})
            matches = [m for m in matches if m not in left_out]
    unknown = None
    place_agencies: list[str] = []
    if not agency:
        # an agency-like mention no indexed agency fits ("淮安市教育局" when only 淮安市人民政府 is
        # indexed) is refused by that name, not answered from another agency of the same place
        q_plain = YEAR_RE.sub("|", re.sub(r"\s+", "", text))
        q_plain = re.sub(r"《[^》]*》", "|", q_plain)      # 《上海市人民政府公报》 is a title, not an agency
        index = root_index(names)
        roots = [r for r in index if r in q_plain]
        # a mention starts with a place root, so only the agencies of the question's places can fit it
        # (at 10,000 reports, scanning every agency name per mention was most of an answer's time)
        pool = {n: [_plain(x) for x in (n, *names[n])]
                for n in sorted({n for r in roots for n in index[r]})}
        for readings in agency_mentions(q_plain, roots):
            # (a spelling that lacks one of the mention's characters cannot hold it: a set test
            # first, as a place's thousand agencies are tried per mention)
            chars_of = {m: frozenset(m) for m in readings}
            fits = [n for n, spellings in pool.items() for mention in readings
                    if any(len(mention) <= len(x) and chars_of[mention] <= _chars(x) and _is_subsequence(mention, x)
                           for x in spellings)
                    and not _sub_unit_of(n, mention)]
            whole = readings[-1]
            if fits and len(readings) > 1 and not any(
                    any(len(whole) <= len(x) and chars_of[whole] <= _chars(x) and _is_subsequence(whole, x) for x in spellings)
                    for spellings in pool.values()) \
                    and any(_office_under(r, whole) for r in readings[:-1]) \
                    and not _government_of(readings, roots, pool) and not _thing_of(q_plain, whole):
                # "平潭综合实验区公安局": an office under the agency, which has no report here
                unknown = whole
                place_agencies = sorted({n for r in roots if whole.startswith(r) for n in root_index(names)[r]})
                matches = []
                break
            # the question may use the full name of an agency indexed under its short name
            # (上海市科学技术委员会 for 上海市科委)
            longer = [(n, mention) for mention in readings for n, spellings in pool.items()
                      if any(4 <= len(x) <= len(mention) and _chars(x) <= chars_of[mention] and _is_subsequence(x, mention)
                             and not _office_under(x, mention) for x in spellings)]
            if not fits and longer:
                if not any(m.agency in {n for n, _ in longer} for m in matches):
                    matches = [AgencyMatch(n, mention, 2.0) for n, mention in longer]
                continue
            if not fits and any(o.mention.startswith(r) and len(o.mention) > len(r) for o in matches for r in readings):
                # "上海市政府公文…（上海市政府办公厅年报）": the shorter mention is the agency's parent,
                # named as context, while the question names the indexed agency itself
                continue
            government = _government_of(readings, roots, pool)
            if not fits and government:
                # "平潭管委会" is the 平潭综合实验区 government under another of its government words
                if not any(m.score >= 3.0 for m in matches):      # bureaus that only share the place lose
                    matches = [AgencyMatch(government, readings[-1], 2.0)]
                continue
            if not fits and _thing_of(q_plain, readings[-1]):
                # "上海市政府常务会议的重要议题": a meeting of that government, not the agency asked
                # (nor another agency of the place its first words would name)
                matches = [m for m in matches if m.mention not in readings[-1]]
                continue
            if not fits:
                mention = readings[-1]          # refused by the whole name it was asked by
                unknown = mention
                place_agencies = sorted({n for r in roots if mention.startswith(r) for n in root_index(names)[r]})
                matches = []
                break
    if unknown or excluded:
        pass
    elif not matches and not agency and (found := _placeless_agency(text, names)):
        matches = [found]
    elif not matches and not agency:
        head = YEAR_RE.sub("", text)
        m = re.match(r"^\s*([\u4e00-\u9fff]{2,8}?(?:省|市|县|区|州)[\u4e00-\u9fff]{0,10}?(?:局|委|办|厅|政府|委员会|中心)?)", head)
        if m and not re.match(r"^(全|本|各|该|我|市|县|区)", m.group(1)) and not _thing_of(head, m.group(1)):
            unknown = m.group(1)
            index = root_index(names)
            place_agencies = sorted({n for r in index if unknown.startswith(r) for n in index[r]})
        else:
            unknown = _placeless_unknown(text)
    elif agency and not matches:
        unknown = agency
    if filter_agency and (matches or unknown or excluded):
        if not any(match_agency(filter_agency, m.agency, names.get(m.agency, [])) for m in matches):
            ignored.append(f"单位：{filter_agency}")
    elif filter_agency:
        unknown, place_agencies = None, []
        # a filter chosen from the list names that agency exactly; typed by hand, it is matched loosely
        matches = [AgencyMatch(filter_agency, filter_agency, 3.0)] if filter_agency in names else \
            [m for name, aliases in names.items() if (m := match_agency(filter_agency, name, aliases))]
        if not matches:
            unknown = filter_agency
    top_n = None
    topm = re.search(r"[前后]\s*(\d+|[一二三四五六七八九十])\s*[名位个]", text)
    if topm:
        num = topm.group(1)
        top_n = int(num) if num.isdigit() else int(cn2an.cn2an(num, "smart"))
    from .reader import read

    blanked = text
    for m in sorted(matches + left_out, key=lambda m: -len(m.mention)):
        # a government's own government word after its name is part of the name ("平潭综合实验区管委会")
        tail = f"(?:{'|'.join(_government_words())})?" if is_government(m.agency, m.mention) else ""
        name = re.compile(r"\s*".join(map(re.escape, m.mention)) + tail)
        # a place inside a title is part of the title ("《问政平潭》一共办了几期")
        blanked = "".join(part if part.startswith("《") else name.sub("|", part)
                          for part in re.split(r"(《[^》]*》)", blanked))
    for m in matches:
        # the agency named again without its place ("（科委2024年报）") is no part of the subject
        for n in (m.agency, *names.get(m.agency, [])):
            office = _office_part(n)
            if len(office) >= 2:
                blanked = blanked.replace(office, "|")
    if unknown:
        blanked = blanked.replace(unknown, "|")
    reading = read(YEAR_RE.sub("|", RANGE_RE.sub("|", blanked)))
    ops = reading.ops
    return Question(text=text, years=years, agencies=matches, unknown_place=unknown, metric=reading.subject,
                    wants_figure=reading.wants_figure, wants_change="change" in ops and len(years) >= 2,
                    wants_sum="total" in ops or "sum" in ops, wants_rank="rank" in ops,
                    rank_desc=not reading.rank_ascending, top_n=top_n if "rank" in ops else None,
                    wants_trend="trend" in ops, wants_compare="compare" in ops, wants_avg="average" in ops,
                    metrics=reading.metrics, operation=reading.operation, reading=reading,
                    place_agencies=place_agencies, excluded=excluded, ignored_filters=ignored)
