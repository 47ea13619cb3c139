"""Turn a loaded `Document` into a `Report`: metadata, section tree, paragraphs, tables, facts, checks.

The reader is layout-agnostic: it only needs lines and, for table rows, cells. Table meaning comes
from `templates`; prose figures from `prose_facts`.
"""
from __future__ import annotations

import re
from pathlib import Path

from .loaders import Document, Line, load
from .model import Fact, Paragraph, Report, ReportMeta, Section, Table
from .numbers import NUMBER, is_value_token, normalise_label, split_unit
from .portal_tables import extract as extract_flat_tables
from .portal_tables import looks_flat, prose_lines
from .errors import NotAReport
from .prose_facts import extract_prose_facts, statistics_period
from .templates import (ITEM_TITLES, T3_TITLE, T4_TITLE, RawRow, build_item_tables, build_table3, build_table4,
                        check_table3, check_table4, item_row)

CN_NUM = "一二三四五六七八九十"
H1 = re.compile(rf"^\s*([{CN_NUM}]{{1,3}})\s*、\s*(\S.*)$")
H2 = re.compile(rf"^\s*[（(]\s*([{CN_NUM}]{{1,3}})\s*[）)]\s*(\S.*)$")
_TABLE_ROW_WORDS = ("本年新收", "上年结转", "本年度办理结果", "结转下年度", "本年度办理", "年度办理结果")
_REGION_KEYS = (("三", "收到和处理政府信息公开申请"), ("四", "行政复议"), ("二", "主动公开政府信息情况"))
_AGENCY_END = (r"(?:人民政府办公室|人民政府|委员会|办公室|政府|局|委|厅|院|办|署|会|中心|站|所|处|室|队|馆"
               r"|实验区|试验区|示范区|新区|开发区|高新区|园区|保税区|片区|管委会|管理局|街道|乡|镇)")
_CRUMB_TITLE = re.compile(r"([\u4e00-\u9fff（）()]{2,40}?)\s*((?:19|20)\d{2})\s*年\s*度?\s*(?:的)?\s*政府信息公开(?:工作)?年度?报告")
TITLE_RE = re.compile(r"^(?P<agency>.{2,40}?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*(?:度)?\s*(?:的)?\s*政府信息公开")
TITLE_RE2 = re.compile(r"^(?P<year>(?:19|20)\d{2})\s*年\s*(?:度)?\s*(?P<agency>.{2,40}?)\s*政府信息公开")


def parse_file(path: str | Path) -> Report:
    return parse_document(load(path))


def _tokens(line: Line) -> list[str]:
    if line.cells is not None:
        return list(line.cells)
    return line.text.split()


def _split_values(tokens: list[str]) -> tuple[str, list[str]]:
    """Trailing run of values (numbers or blank marks) and the label before it."""
    k = len(tokens)
    while k > 0 and is_value_token(tokens[k - 1]):
        k -= 1
    label = " ".join(t for t in tokens[:k] if t.strip())
    return label, [t.strip() for t in tokens[k:]]


def _has_numbers(values: list[str]) -> bool:
    return any(NUMBER.match(v) for v in values)


def _heading(line: Line) -> tuple[int, str] | None:
    """(level, heading text) when the line opens a section."""
    if line.cells is not None and line.xs is None:      # rows of real tables are never headings
        return None
    text = line.text.strip()
    _, values = _split_values(text.split())
    if _has_numbers(values) or any(w in text for w in _TABLE_ROW_WORDS):
        return None
    m = H1.match(text)
    if m and len(text) <= 40 and "。" not in text[:-1]:
        return 1, re.sub(r"\s+", "", text)
    m = H2.match(text)
    if m:
        head = re.split(r"[。；]", text, maxsplit=1)[0]
        if len(head) <= 30:
            return 2, re.sub(r"\s+", "", head)
    return None


def _unflatten(doc: Document, year: int | None) -> tuple[list[Line], list[Table], list[str]]:
    """Portal pages hold whole tables on one line: read those tables, and give the parser the rest
    of such a line as prose lines cut at the section headings."""
    lines: list[Line] = []
    tables: list[Table] = []
    warnings: list[str] = []
    for line in doc.lines:
        if line.cells is None and looks_flat(line.text):
            flat = extract_flat_tables(line.text, year, doc.text)
            if flat.tables:
                at = doc.text.find(line.text, line.start, line.end + 1)
                lines += prose_lines(line, flat.spans, at if at >= 0 else line.start)
                tables += flat.tables
                warnings += flat.warnings
                continue
        lines.append(line)
    return lines, tables, warnings


def parse_document(doc: Document) -> Report:
    meta = _metadata(doc)
    doc_lines, flat_tables, flat_warnings = _unflatten(doc, meta.year)
    sections: list[Section] = []
    paragraphs: list[Paragraph] = []
    path: list[str] = []
    region: str | None = None
    t3_rows: list[RawRow] = []
    t4_rows: list[RawRow] = []
    item_rows: list[tuple[RawRow, str, tuple[str, ...] | None]] = []
    generic_rows: list[list[tuple[str, ...]]] = []
    header: tuple[str, ...] | None = None
    para: list[Line] = []
    para_section = ""

    def close_paragraph() -> None:
        if para:
            paragraphs.append(_paragraph(para, para_section))
            para.clear()

    prev_was_row = False
    for line in doc_lines:
        head = _heading(line)
        if head and head[0] == 2 and region == "三":
            head = None           # "（三）不予公开" inside a table laid out as text is a row label
            if len(line.text) < 40:
                continue
        if head and region == "四":
            region = None         # table 四 has no （x） rows: a heading after it ends the table
        if head:
            close_paragraph()
            level, text = head
            path = path[:level - 1] + [text] if level <= len(path) + 1 else path + [text]
            sections.append(Section(path=tuple(path), heading=text, level=level, start=line.start))
            if level == 1:
                region = next((r for r, key in _REGION_KEYS if key in text), None)
            para_section = " › ".join(path)
            if level == 2 and len(re.sub(r"\s+", "", line.text)) > len(text) + 1:
                para.append(line)   # "（一）主动公开的信息量。2019年…": the heading opens its paragraph
            continue
        tokens = _tokens(line)
        label, values = _split_values(tokens)
        real_table = line.cells is not None and line.xs is None
        is_row = _has_numbers(values) and (real_table or not label or region in ("三", "四")
                                           or item_row(label) is not None)
        first = normalise_label(tokens[0]) if tokens else ""
        if first.startswith("信息内容"):
            close_paragraph()
            rest = [t for t in tokens[1:] if t.strip()] or [re.sub(r"^\s*信息内容\s*", "", tokens[0])]
            header = tuple(re.sub(r"\s+", "", t) for t in rest if t)
            continue
        if is_row:
            close_paragraph()
            xs = tuple(line.xs[len(tokens) - len(values):]) if line.xs and len(line.xs) == len(tokens) else None
            raw = RawRow(label=label, values=tuple(values), page=line.page, xs=xs,
                         layout="grid" if real_table else "words")
            canon = item_row(label) if len(values) <= 3 else None
            if region != "三" and len(values) >= 5 and any(w in label for w in ("本年新收", "上年结转")):
                region = "三"     # a table 三 whose heading was lost (OCR, scraped fragments)
            if canon:
                item_rows.append((raw, canon, header))
            elif region == "三":
                t3_rows.append(raw)
            elif region == "四":
                t4_rows.append(raw)
            elif real_table:
                _add_generic(generic_rows, tokens, prev_was_row)
            prev_was_row = True
            continue
        if ("行政复议" in line.text and "行政诉讼" in line.text and region != "四" and len(line.text) < 60
                and "。" not in line.text):
            region = "四"         # the header of table 四, even where its section heading is missing
        if real_table:
            close_paragraph()
            if region not in ("二", "三", "四") and not item_row(label):
                _add_generic(generic_rows, tokens, prev_was_row)
            prev_was_row = True
            continue
        prev_was_row = False
        text = line.text.strip()
        if region in ("三", "四") and (len(text) < 20 and "。" not in text or "勾稽关系" in text):
            continue      # label debris of a table laid out as text
        if para and _ends_paragraph(para[-1].text):
            close_paragraph()
        para_section = " › ".join(path)
        para.append(line)
    close_paragraph()

    version = "2021" if (meta.year or 0) >= 2021 else "2019"
    if any(h and any("制发" in c or "废止" in c for c in h) for _, _, h in item_rows):
        version = "2021"
    tables: list[Table] = build_item_tables(item_rows, "二、主动公开政府信息情况", version)
    prefer_split = (meta.year or 0) >= 2021
    t3 = build_table3(t3_rows, "三、" + T3_TITLE, prefer_split)
    dropped_warnings = []
    if t3:
        tables.append(t3)
    elif t3_rows:
        dropped_warnings.append(f"表三: {len(t3_rows)} row(s) of figures under section 三 fit no template row "
                                f"(too few values): not read as a table")
    t4 = build_table4(t4_rows, "四、" + T4_TITLE)
    if t4:
        tables.append(t4)
    elif t4_rows:
        n = sum(len(r.values) for r in t4_rows)
        dropped_warnings.append(f"表四: {n} figure(s) under section 四, not the 15 of the template: not read as a table")
    generic, skipped = _generic_tables(generic_rows)
    tables += generic
    dropped_warnings += skipped
    have = {t.title for t in tables}
    tables += [t for t in flat_tables if t.title not in have]
    order = [*ITEM_TITLES.values(), T3_TITLE, T4_TITLE]
    tables.sort(key=lambda t: order.index(t.title) if t.title in order else len(order))
    checks = []
    for t in tables:
        if t.title == T3_TITLE:
            checks += check_table3(t)
        elif t.title == T4_TITLE:
            checks += check_table4(t)
    warnings = [w for t in tables for w in t.warnings] + flat_warnings + dropped_warnings
    if not any(t.template for t in tables):
        warnings.append("no national report template recognised: tables parsed as generic grids only")
    if t3 and any("placed by" in w for w in t3.warnings) and any(c.passed is False for c in checks
                                                                 if c.table == T3_TITLE):
        warnings.append("表三: rows were placed by template order and the table's own checks fail: "
                        "cell positions are uncertain")
    facts = [_cell_fact(c, t) for t in tables for c in t.cells]
    facts += extract_prose_facts(paragraphs)
    period, off_year = statistics_period(paragraphs, meta.year)
    if period:
        facts.append(period)
    if off_year:
        warnings.append(off_year)
    warnings = list(doc.notes) + warnings
    if meta.agency is None:
        warnings.append("agency not recognised from the content")
    if meta.year is None:
        warnings.append("report year not recognised from the content")
    return Report(meta=meta, sections=tuple(sections), paragraphs=tuple(paragraphs), tables=tuple(tables),
                  facts=tuple(facts), checks=tuple(checks), warnings=tuple(warnings))


def ensure_report(report: Report) -> Report:
    """Refuse, before indexing, a text that is not an annual report at all: no agency, no year and no
    template table were found in it ("hello world 你好")."""
    if report.meta.agency is None and report.meta.year is None and not any(t.template for t in report.tables):
        raise NotAReport(f"{report.meta.source}: 不像政府信息公开工作年度报告：未识别出单位名称和年份，"
                         f"也没有年度报告模板中的统计表格，未编入索引")
    return report


def _ends_paragraph(text: str) -> bool:
    return text.rstrip().endswith(("。", "！", "？", "：", ":"))


def _paragraph(lines: list[Line], section: str) -> Paragraph:
    text = "".join(ln.text.strip() for ln in lines)
    return Paragraph(section=section, text=text, start=lines[0].start, end=lines[-1].end, page=lines[0].page)


def _cell_fact(cell, table: Table) -> Fact:
    label = " / ".join(x for x in (table.title, cell.row, cell.column) if x)
    value, unit = split_unit(cell.value)        # "251000元" is the figure 251000 in 元
    return Fact(kind="cell", label=label, value=value, number=cell.number, unit=unit, quote=cell.quote,
                section=table.section, table=table.title, row=cell.row or None, column=cell.column,
                page=cell.page, layout=cell.layout, note=cell.note)


def _add_generic(acc: list[list[tuple[str, ...]]], tokens: list[str], continues: bool) -> None:
    if continues and acc:
        acc[-1].append(tuple(tokens))
    else:
        acc.append([tuple(tokens)])


def _generic_tables(groups: list[list[tuple[str, ...]]]) -> tuple[list[Table], list[str]]:
    """Tables that match no template: header row and first column become the labels. A group with
    figures that cannot be read this way is not dropped silently: a warning says so."""
    from .templates import _cell, row_quote

    tables, skipped = [], []
    for n, rows in enumerate(groups, start=1):
        if len(rows) < 2:
            figures = sum(1 for t in rows[0] if NUMBER.match(t.strip())) if rows else 0
            if figures >= 2:
                skipped.append(f"表格{n}: a lone row of {figures} figures matches no template and has no header: "
                               f"not read as a table")
            continue
        header, body = rows[0], rows[1:]
        title = f"表格{n}"
        cells = []
        for r in body:
            label = r[0] if r else ""
            cols = [header[k] if k < len(header) and header[k] else f"列{k + 1}" for k in range(1, len(r))]
            quote = row_quote(label, cols, r[1:])
            for col, val in zip(cols, r[1:]):
                if is_value_token(val):
                    cells.append(_cell(title, label, col, val, quote, None, "grid"))
        if any(not c.blank for c in cells):
            tables.append(Table(title=title, section="", template=None, columns=tuple(header[1:]),
                                rows=tuple(dict.fromkeys(c.row for c in cells)), cells=tuple(cells)))
        elif any(NUMBER.match(t.strip()) for r in body for t in r[1:]):
            skipped.append(f"{title}: its figures could not be placed under its header: not read as a table")
    return tables, skipped


# --- metadata -------------------------------------------------------------------------------

def _metadata(doc: Document) -> ReportMeta:
    agency, year, title = None, None, None
    candidates = []
    hint_title = doc.meta_hints.get("标题") or doc.meta_hints.get("title")
    if hint_title:
        candidates.append(hint_title)
    head_lines = [ln.text.strip() for ln in doc.lines[:8] if (ln.cells is None or ln.xs is not None)
                  and not ln.text.lstrip().startswith("当前位置")]     # a crumb: read below, where its spaces still count
    for k in range(len(head_lines)):
        candidates.append(re.sub(r"\s+", "", "".join(head_lines[k:k + 2])))
        candidates.append(re.sub(r"\s+", "", head_lines[k]))
    for cand in candidates:
        cand = re.sub(r"^(正文|标题[：:])", "", clean_name(cand))
        m = TITLE_RE.match(cand) or TITLE_RE2.match(cand)
        if m and re.search(_AGENCY_END + "$", m.group("agency")):
            agency, year = m.group("agency"), int(m.group("year"))
            end = re.search(r"年度?报告", cand[m.end():])
            title = cand[:m.end()] + "工作年度报告" if end is None else cand[:m.end() + end.end()]
            break
    if agency is None:     # a portal page: "当前位置：首页…部门文件 XX局2019年政府信息公开工作年度报告 时间：…"
        for m in _CRUMB_TITLE.finditer(doc.text[:3000]):
            name = clean_name(m.group(1))
            if re.search(_AGENCY_END + "$", name):
                agency, year = name, int(m.group(2))
                title = re.sub(r"\s+", "", m.group(0))
                break
    if agency is None:
        for text in head_lines[:3]:
            t = re.sub(r"\s+", "", text)
            if 3 <= len(t) <= 30 and re.search(_AGENCY_END + "$", t) and not re.search(r"\d", t):
                agency = t
                break
    if agency is None:     # "本报告由XX局编制" or "XX局2023年…" further into the opening text
        head = re.sub(r"\s+", "", doc.text[:1500])
        m = (re.search(r"(?:本报告由|本年度报告由|报告由)([\u4e00-\u9fff]{2,25}?" + _AGENCY_END + r")(?:根据|依据|编制|按照)", head)
             or re.search(r"([\u4e00-\u9fff]{2,25}?" + _AGENCY_END + r")(?:(?:19|20)\d{2})年(?:度)?政府信息公开", head))
        if m:
            agency = m.group(1)
    for key in ("发布机构", "来源"):
        if agency is None and doc.meta_hints.get(key) and re.search(_AGENCY_END + "$", doc.meta_hints[key]):
            agency = clean_name(doc.meta_hints[key])
    if year is None:
        years = re.findall(r"((?:19|20)\d{2})\s*年", doc.text[:3000])
        if years:
            year = int(max(set(years), key=years.count))
    aliases = set()
    if agency:
        agency = clean_name(agency)
        full = _longest_form(doc.text, agency)
        if full != agency:
            aliases.add(agency)
            agency = full
    for key in ("单位", "发布机构"):
        if doc.meta_hints.get(key) and clean_name(doc.meta_hints[key]) != agency:
            aliases.add(clean_name(doc.meta_hints[key]))
    if title is None and agency and year:
        title = f"{agency}{year}年政府信息公开工作年度报告"
    report_id = doc.sha256[:16]
    return ReportMeta(report_id=report_id, agency=agency, year=year, title=title, source=doc.source,
                      sha256=doc.sha256, format=doc.format, aliases=tuple(sorted(aliases)))


def clean_name(name: str) -> str:
    """A name as printed, without layout: no spaces, no markdown marks ("#沭阳县人民政府", "**…**")."""
    name = re.sub(r"\s+", "", name)
    return re.sub(r"^[#>*_`]+|[*_`]+$", "", name)


def _longest_form(text: str, agency: str) -> str:
    """'洪泽区人民政府' printed elsewhere as '淮安市洪泽区人民政府': keep the fuller official name."""
    compact = re.sub(r"\s+", "", text)
    best = agency
    for m in re.finditer(re.escape(agency), compact):
        pre = compact[max(0, m.start() - 8):m.start()]
        pm = re.search(r"([\u4e00-\u9fff]{2}[省市])$", pre)
        if pm and len(pm.group(1)) + len(agency) > len(best):
            best = pm.group(1) + agency
    return best
