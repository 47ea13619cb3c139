"""Template tables that a portal page holds on one line of text, labels and values run together:

    …规章007规范性文件7777166第二十条第（五）项…一、本年新收政府信息公开申请数量200 000121二、上年结转…

For each template table found in such a line this module locates the template's row labels in order
(by their text with spaces, numbering and punctuation ignored, so wrapped or shortened labels still
match), takes the digit run that follows each label, and reads the runs with `digit_runs`, which
splits them only as far as the template's arithmetic pins them down. It also cuts the rest of the
line into prose lines at the report's six section headings, so sections and paragraphs work as for
any other layout. Cells that stay ambiguous are kept as unread cells (value "", a note saying why).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .digit_runs import AMOUNT, INT, SIGNED, CellReading, RowRead, RowSpec, agree, read_row, solve_columns
from .loaders import Line
from .model import UNREAD_NOTE, Cell, Table
from .text_pins import apply_pins, pins_for
from .numbers import normalise_label
from .templates import (_R3, _T3_HEAD, _T3_TAIL, ITEM_COLUMNS, ITEM_ROWS, ITEM_TEMPLATE_ROWS, ITEM_TITLES,
                        T3_COLUMNS, T3_TITLE, T3_VARIANTS, T4_COLUMNS, T4_TITLE, _cell, item_expected)

_DROP = re.compile(r"[\s，,。、；;：:“”\"'‘’（）()《》<>〈〉/／·．.\-—]")
_RUN = re.compile(r"[\d\s.+\-]*")
_ITEM_HEAD = re.compile(r"第二十条第[（(]([一二三四五六七八九十]+)[）)]项")
SECTION_HEADINGS = re.compile(
    r"(?<![\d])([一二三四五六])\s*、\s*(总体情况|主动公开政府信息情况|收到和处理政府信息公开申请情况"
    r"|(?:因)?政府信息公开(?:申请)?(?:行政复议|提起)[^。；]{0,24}?情况"
    r"|(?:政府信息公开工作)?存在的主要问题及改进情况|其他需要报告的事项)")
_LABEL_ANCHOR = 10          # characters of a label that must match (longer labels are often shortened)
_SHORT_ANCHORS = (6, 4)     # failing that, this many opening characters, found soon after the last label
_SHORT_WINDOW = 40          # "soon": within this many (normalised) characters
_SHOW = 6                   # candidates shown in a warning or note


@dataclass
class FlatTables:
    tables: list[Table] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)     # offsets in the line text
    warnings: list[str] = field(default_factory=list)


def looks_flat(text: str) -> bool:
    """A line holding a template table run together (row labels followed by digits on one line)."""
    if len(text) < 60:
        return False
    t3 = re.search(r"本年新收政府信息公开申请数量\s*\d", text) and re.search(r"上年结转政府信息公开申请数量\s*\d", text)
    t2 = re.search(r"第二十条第[（(]一[）)]项.{0,60}?规章\s*\d", text)
    t4 = re.search(r"结果维持结果纠正其他结果尚未审结总计.{0,80}?\d{5}", text)
    return bool(t3 or t2 or t4)


# --- finding labels -------------------------------------------------------------------------------

class _Text:
    """The line with spaces, numbering dots and punctuation dropped, mapped back to offsets."""

    def __init__(self, text: str):
        self.text = text
        keep = [(i, ch) for i, ch in enumerate(text) if not _DROP.match(ch)]
        self.norm = "".join(ch for _, ch in keep)
        self.pos = [i for i, _ in keep]

    def find(self, label: str, start: int, end: int) -> tuple[int, int] | None:
        """(start, end) in the original text of `label` at or after offset `start` and before `end`."""
        want = normalise_label(label)
        if not want:
            return None
        ns = _bisect(self.pos, start)
        ne = _bisect(self.pos, end)
        anchor = want[:_LABEL_ANCHOR]
        k = self.norm.find(anchor, ns, ne)
        for short in _SHORT_ANCHORS:          # a shortened label: its opening words, close by
            if k >= 0 or len(want) <= short:
                break
            anchor = want[:short]
            k = self.norm.find(anchor, ns, min(ne, ns + _SHORT_WINDOW))
        if k < 0:
            return None
        j = k + len(anchor)
        while j < ne and j - k < len(want) and self.norm[j] == want[j - k]:
            j += 1
        return self.pos[k], self.pos[j - 1] + 1


def _bisect(xs: list[int], x: int) -> int:
    lo, hi = 0, len(xs)
    while lo < hi:
        mid = (lo + hi) // 2
        if xs[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _run_after(text: str, start: int, end: int, next_label: str | None) -> tuple[str, int, int] | None:
    """The digit run after a label: from the first digit to the first character that is not part of
    a run, minus the next label's own numbering ("…0000000" + "2.其他法律…")."""
    m = re.search(r"\d", text[start:end])
    if not m:
        return None
    s = start + m.start()
    run = _RUN.match(text, s, end).group()
    num = re.match(r"(\d+)[.．、]", next_label or "")
    if num:
        n = num.group(1)
        stripped = run.rstrip()
        tail = text[s + len(run):s + len(run) + 1]
        if re.search(rf"{n}[.．]$", stripped):
            run = stripped[:-len(n) - 1]
        elif tail in ("、", "．") and stripped.endswith(n) and stripped == run:
            run = stripped[:-len(n)]
    run = run.rstrip().rstrip(".+-").rstrip()
    if not re.search(r"\d", run):
        return None
    return run, s, s + len(run)


def _leaf(path: str) -> str:
    return path.split(" / ")[-1]


def _cands(values: tuple[str, ...]) -> str:
    shown = "、".join(values[:_SHOW])
    return shown + (f"等{len(values)}种" if len(values) > _SHOW else "")


def _quote(label: str, columns, readings: list[CellReading], run: str) -> str:
    body = "；".join(f"{c} {r.value if r.value is not None else '（无法唯一读出）'}"
                     for c, r in zip(columns, readings))
    return f"{label}：{body}（原文：{label}{run}）"


def _cells(title: str, row: str, label: str, columns, rr: RowRead, cuts: list[tuple[str, ...]],
           warnings: list[str], short: str, pins=()) -> list[Cell]:
    """Cells of one row from its surviving cuts: read where they agree, unread (with a note) elsewhere.
    `pins`: sentences of the text that narrowed the cuts; a cell they decided says so in its quote."""
    n = len(columns)
    readings = agree(cuts, n)
    before = agree(rr.candidates, n)
    layout = "runs-split" if rr.split_needed else "words"
    quote = _quote(label, columns, readings, rr.run)
    said = "；".join(dict.fromkeys(p.sentence for p in pins))
    out, unread = [], []
    for col, r, was in zip(columns, readings, before):
        if r.value is not None:
            by_text = pins and was.value is None
            out.append(_cell(title, row, col, r.value, quote + (f"（据正文：“{said}”）" if by_text else ""),
                             None, "runs-split+text" if by_text else layout))
            continue
        if r.candidates:
            why = f"候选：{_cands(r.candidates)}"
        elif rr.reason:
            why = f"数字串“{rr.run}”{rr.reason}"
        else:
            why = f"数字串“{rr.run}”不能按表内规则拆成{n}个数"
        out.append(_cell(title, row, col, "", quote, None, "runs-split", f"{UNREAD_NOTE}（{why}）"))
        unread.append(f"{col}（{why}）")
    if unread:
        warnings.append(f"{short}: row {row or '(only row)'}: digit run “{rr.run}” is not pinned down by the "
                        f"template's rules; unread: " + "；".join(unread))
    return out


# --- the tables -----------------------------------------------------------------------------------

def extract(text: str, year: int | None, prose: str | None = None) -> FlatTables:
    """Every template table found in one flattened line. `prose`: the report's whole text, whose
    sentences may pin down a digit run the arithmetic leaves open (default: the line itself)."""
    out = FlatTables()
    t = _Text(text)
    t3_start = _find_first(text, ("（本列数据", "申请人情况"), t, "本年新收政府信息公开申请数量")
    t4 = re.search(r"结果维持\s*结果纠正", text[t3_start or 0:])
    t4_start = None
    if t4:
        at = (t3_start or 0) + t4.start()
        back = text.rfind("行政复议", max(0, at - 40), at)
        t4_start = back if back >= 0 else at
    t2 = _ITEM_HEAD.search(text)
    if t2 and (t3_start is None or t2.start() < t3_start):
        end = t3_start if t3_start is not None else (t4_start if t4_start is not None else len(text))
        h3 = SECTION_HEADINGS.search(text, t2.start(), end)
        end = h3.start() if h3 and h3.group(1) == "三" else end
        region = text[t2.start():end]         # the table's own line is no sentence of the text
        _table2(text, t, t2.start(), end, year, out, (prose if prose is not None else text).replace(region, "。"))
    if t3_start is not None:
        end = t4_start if t4_start is not None else len(text)
        _table3(text, t, t3_start, end, out)
    if t4_start is not None:
        _table4(text, t4_start, out)
    return out


def _find_first(text: str, markers: tuple[str, ...], t: _Text, row1: str) -> int | None:
    hit = t.find(row1, 0, len(text))
    if hit is None:
        return None
    starts = [text.rfind(m, max(0, hit[0] - 200), hit[0]) for m in markers]
    starts = [s for s in starts if s >= 0]
    return min(starts) if starts else hit[0]


def _kind(column: str) -> str:
    if "增/减" in column or "增减" in column:
        return SIGNED
    if "金额" in column:
        return AMOUNT
    return INT


def _table2(text: str, t: _Text, start: int, end: int, year: int | None, out: FlatTables,
            prose: str = "") -> None:
    region = text[start:end]
    if "制发" in region or "废止" in region:
        version = "2021"
    elif "新制作" in region or "增/减" in region or "采购" in region:
        version = "2019"
    else:
        version = "2021" if (year or 0) >= 2021 else "2019"
    heads = [(m.start() + start, m.group(1)) for m in _ITEM_HEAD.finditer(region)]
    last_end = start
    for k, (hs, item) in enumerate(heads):
        he = heads[k + 1][0] if k + 1 < len(heads) else end
        rows = ITEM_TEMPLATE_ROWS[version].get(item)
        cols = ITEM_COLUMNS[version].get(item)
        if not rows or not cols:
            continue
        title = ITEM_TITLES[item]
        spec = RowSpec(tuple(_kind(c) for c in cols))
        found = []
        cursor = hs
        for canon in rows:
            spellings = sorted(ITEM_ROWS[canon][1], key=len, reverse=True)
            hits = [(h, sp) for sp in spellings if (h := t.find(sp, cursor, he)) is not None]
            if not hits:
                out.warnings.append(f"{title}: row {canon} not found in the page text")
                continue
            (ls, le), sp = min(hits, key=lambda x: (x[0][0], -len(x[1])))
            found.append((canon, normalise_label(sp), ls, le))
            cursor = le
        cells: list[Cell] = []
        for i, run, rend in _row_runs(text, [(label, ls, le) for _, label, ls, le in found], he, title,
                                      out.warnings):
            canon, label, ls, le = found[i]
            last_end = max(last_end, rend)
            rr = read_row(run, spec)
            cuts, used = rr.candidates, []
            if len(cuts) > 1:           # the arithmetic leaves several readings: the text may say which
                cuts, used, ignored = apply_pins(cuts, pins_for(prose, canon, tuple(cols)))
                for pin in ignored:
                    out.warnings.append(f"{title}: 正文“{pin.sentence}”所说的{cols[pin.column]}{pin.value}"
                                        f"与表中数字串“{run}”的任何读法都不符，未采用")
            cells += _cells(title, label, text[ls:le], cols, rr, cuts, out.warnings, title, used)
        if cells:
            out.tables.append(Table(title=title, section="二、主动公开政府信息情况", template=f"二:{version}",
                                    columns=tuple(cols), rows=tuple(dict.fromkeys(c.row for c in cells)),
                                    cells=tuple(cells), expected=item_expected(item, version, tuple(cols), ())))
    if out.tables:
        out.spans.append((start, last_end))


def _row_runs(text: str, rows: list[tuple[str, int, int]], end: int, title: str, warnings: list[str],
              next_label=None):
    """(index, digit run, where it ends) after each row's label (name, start, end), up to the next
    row's label or `end`; a row without figures is warned about and left out. `next_label` gives the
    next row's own label words, which end a run that would otherwise reach into them."""
    for i, (name, _, le) in enumerate(rows):
        stop = rows[i + 1][1] if i + 1 < len(rows) else end
        nxt = next_label(rows[i + 1][0]) if next_label and i + 1 < len(rows) else None
        got = _run_after(text, le, stop, nxt)
        if got is None:
            warnings.append(f"{title}: row {name} has no figures in the page text")
            continue
        run, _, rend = got
        yield i, run, rend


def _table3(text: str, t: _Text, start: int, end: int, out: FlatTables) -> None:
    region = text[start:end]
    variant = "split-六" if re.search(r"申请人无正当理由|逾期未按收费通知", region) else "single-六"
    template = T3_VARIANTS[variant]
    found: list[tuple[str, int, int]] = []
    cursor = start
    for row in template:
        hit = t.find(_leaf(row), cursor, end)
        if hit is None:
            out.warnings.append(f"表三: row {row} not found in the page text")
            continue
        found.append((row, *hit))
        cursor = hit[1]
    if len(found) < 2:
        return
    spec = RowSpec((INT,) * 7, ((0, 6),))
    reads: dict[str, RowRead] = {}
    labels: dict[str, str] = {}
    last_end = start
    for i, run, rend in _row_runs(text, found, end, "表三", out.warnings, next_label=_leaf):
        row, ls, le = found[i]
        last_end = max(last_end, rend)
        reads[row] = read_row(run, spec)
        labels[row] = text[ls:le]
        if reads[row].dropped:
            out.warnings.append(f"表三: row {row}: no split of “{run}” has its six applicant columns adding up to "
                                f"its 总计; read with the column rules only")
    usable = {r: rr.candidates for r, rr in reads.items() if rr.candidates}
    items = [r for r in template if r.startswith(_R3) and r != _T3_TAIL[0]]
    solve = solve_columns(usable, items, _T3_TAIL[0], (_T3_HEAD[0], _T3_HEAD[1], _T3_TAIL[0], _T3_TAIL[1]), 7)
    if solve.dropped:
        what = ", ".join(solve.dropped)
        out.warnings.append(f"表三: no reading of the digit runs satisfies every rule of the table as published "
                            f"(dropped: {what}); only what the remaining rules pin down is read")
    cells: list[Cell] = []
    for row in template:
        if row not in reads:
            continue
        cuts = solve.viable.get(row, [])
        cells += _cells(T3_TITLE, row, labels[row], T3_COLUMNS, reads[row], cuts, out.warnings, "表三")
    out.tables.append(Table(title=T3_TITLE, section="三、收到和处理政府信息公开申请情况", template=f"三:{variant}",
                            columns=T3_COLUMNS, rows=tuple(template), cells=tuple(cells),
                            expected=len(template) * len(T3_COLUMNS)))
    out.spans.append((start, last_end))


def _table4(text: str, start: int, out: FlatTables) -> None:
    m = re.search(r"\d", text[start:start + 400])
    if not m:
        return
    s = start + m.start()
    run = _RUN.match(text, s).group().rstrip()
    if not run:
        return
    spec = RowSpec((INT,) * 15, ((0, 4), (5, 9), (10, 14)))
    rr = read_row(run, spec)
    if rr.dropped:
        out.warnings.append("表四: no split of the digit run has every block adding up to its 总计; "
                            "read with the remaining blocks' rules")
    label = text[start:s].strip()
    cells = _cells(T4_TITLE, "", label[-12:], T4_COLUMNS, rr, rr.candidates, out.warnings, "表四")
    out.tables.append(Table(title=T4_TITLE, section="四、政府信息公开行政复议、行政诉讼情况", template="四",
                            columns=T4_COLUMNS, rows=("",), cells=tuple(cells), expected=len(T4_COLUMNS)))
    out.spans.append((start, s + len(run)))


# --- the prose around them ------------------------------------------------------------------------

def prose_lines(line: Line, spans: list[tuple[int, int]], base: int) -> list[Line]:
    """The line without its table spans, cut before and after each section heading, as Lines whose
    offsets still point into the document text (`base` is where the line's text starts)."""
    text = line.text
    pieces, pos = [], 0
    for s, e in sorted(spans):
        if s > pos:
            pieces.append((pos, s))
        pos = max(pos, e)
    if pos < len(text):
        pieces.append((pos, len(text)))
    cuts: list[tuple[int, int]] = []
    for ps, pe in pieces:
        at = ps
        for m in SECTION_HEADINGS.finditer(text, ps, pe):
            if m.start() > at:
                cuts.append((at, m.start()))
            cuts.append((m.start(), m.end()))
            at = m.end()
        if at < pe:
            cuts.append((at, pe))
    out = []
    for s, e in cuts:
        piece = text[s:e]
        lead = len(piece) - len(piece.lstrip())
        piece = piece.strip()
        if piece:
            out.append(Line(text=piece, start=base + s + lead, end=base + s + lead + len(piece), page=line.page))
    return out
