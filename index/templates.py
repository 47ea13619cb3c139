"""The national report templates (国办公开办函〔2019〕60号 and 〔2021〕30号) and the matcher that maps
rows read from any layout onto them, plus the arithmetic rules printed on the tables.

Format readers hand over rows as (label, values); this module decides which template row each
one is, filling unlabeled rows by template order, and says in a warning when that is a guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .model import Cell, Check, Table
from .numbers import bigrams, format_number, normalise_label, to_number

# --- section 二 -----------------------------------------------------------------------------

ITEM_TITLES = {"一": "第二十条第（一）项", "五": "第二十条第（五）项", "六": "第二十条第（六）项",
               "八": "第二十条第（八）项", "九": "第二十条第（九）项"}
ITEM_ROWS = {  # canonical row label -> (item, accepted published spellings)
    "规章": ("一", ("规章",)),
    "规范性文件": ("一", ("规范性文件", "行政规范性文件")),
    "行政许可": ("五", ("行政许可",)),
    "其他对外管理服务事项": ("五", ("其他对外管理服务事项",)),
    "行政处罚": ("六", ("行政处罚",)),
    "行政强制": ("六", ("行政强制",)),
    "行政事业性收费": ("八", ("行政事业性收费",)),
    "政府集中采购": ("九", ("政府集中采购",)),
}
ITEM_COLUMNS = {
    "2019": {"一": ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
             "五": ("上一年项目数量", "本年增/减", "处理决定数量"),
             "六": ("上一年项目数量", "本年增/减", "处理决定数量"),
             "八": ("上一年项目数量", "本年增/减"),
             "九": ("采购项目数量", "采购总金额")},
    "2021": {"一": ("本年制发件数", "本年废止件数", "现行有效件数"),
             "五": ("本年处理决定数量",),
             "六": ("本年处理决定数量",),
             "八": ("本年收费金额（单位：万元）",)},
}
_ROW_SPELLINGS = {normalise_label(sp): canon for canon, (_, sps) in ITEM_ROWS.items() for sp in sps}


ITEM_TEMPLATE_ROWS = {   # rows each item table has in each template
    "2019": {"一": ("规章", "规范性文件"), "五": ("行政许可", "其他对外管理服务事项"), "六": ("行政处罚", "行政强制"),
             "八": ("行政事业性收费",), "九": ("政府集中采购",)},
    "2021": {"一": ("规章", "规范性文件"), "五": ("行政许可",), "六": ("行政处罚", "行政强制"),
             "八": ("行政事业性收费",)},
}


def item_expected(item: str, version: str, columns: tuple[str, ...], rows: tuple[str, ...]) -> int:
    """Cells an item table should have: its template rows (or the rows found, if more) x columns."""
    n_rows = max(len(ITEM_TEMPLATE_ROWS.get(version, {}).get(item, ())), len(rows))
    return n_rows * len(columns)


def item_row(label: str) -> str | None:
    """The canonical 二-table row a published label names, or None."""
    return _ROW_SPELLINGS.get(normalise_label(label))


# --- section 三 -----------------------------------------------------------------------------

T3_TITLE = "收到和处理政府信息公开申请情况"
T3_COLUMNS = ("自然人", "法人或其他组织 / 商业企业", "法人或其他组织 / 科研机构", "法人或其他组织 / 社会公益组织",
              "法人或其他组织 / 法律服务机构", "法人或其他组织 / 其他", "总计")
_R3 = "三、本年度办理结果"
_T3_HEAD = ["一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量",   # the second is T3_CARRY_IN
            f"{_R3} / （一）予以公开", f"{_R3} / （二）部分公开"]
_T3_MID = ([f"{_R3} / （三）不予公开 / {x}" for x in (
    "1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
    "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项")]
    + [f"{_R3} / （四）无法提供 / {x}" for x in (
        "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确")]
    + [f"{_R3} / （五）不予处理 / {x}" for x in (
        "1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
        "5.要求行政机关确认或重新出具已获取信息")])
T3_CARRY_IN, T3_CARRY_OUT = "二、上年结转政府信息公开申请数量", "四、结转下年度继续办理"
_T3_TAIL = [f"{_R3} / （七）总计", T3_CARRY_OUT]
T3_VARIANTS = {
    "single-六": _T3_HEAD + _T3_MID + [f"{_R3} / （六）其他处理"] + _T3_TAIL,
    "split-六": _T3_HEAD + _T3_MID + [f"{_R3} / （六）其他处理 / {x}" for x in (
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他")] + _T3_TAIL,
}

# --- section 四 -----------------------------------------------------------------------------

T4_TITLE = "政府信息公开行政复议、行政诉讼情况"
_RESULTS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
T4_COLUMNS = tuple([f"行政复议 / {r}" for r in _RESULTS]
                   + [f"行政诉讼 / 未经复议直接起诉 / {r}" for r in _RESULTS]
                   + [f"行政诉讼 / 复议后起诉 / {r}" for r in _RESULTS])


@dataclass(frozen=True)
class RawRow:
    """A row as read from the page: its label text (may be empty) and its values in column order."""
    label: str
    values: tuple[str, ...]
    page: int | None = None
    xs: tuple[float, ...] | None = None      # x centre of each value (PDF), to place values under columns
    layout: str = "words"                    # "grid" for rows of table markup (HTML, DOCX, markdown)


def _leaf(path: str) -> str:
    return path.split(" / ")[-1]


@lru_cache(maxsize=65536)
def label_similarity(label: str, template_row: str) -> float:
    """How much of the template row's own label the published label contains (0..1)."""
    if not normalise_label(label):
        return 0.0
    leaf = bigrams(_leaf(template_row))
    got = bigrams(label)
    return len(leaf & got) / len(leaf) if leaf else 0.0


def align_rows(rows: list[RawRow], template: list[str]) -> tuple[list[tuple[RawRow, str]], float]:
    """Order-preserving alignment of rows to template rows that maximises label agreement.

    Unlabeled rows are placed by order between labeled ones. Returns the pairs and the score.
    """
    n, m = len(rows), len(template)
    neg = float("-inf")
    score = [[neg] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, bool] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    for j in range(m + 1):
        score[0][j] = 0.0
    for i in range(1, n + 1):
        for j in range(0, m + 1):
            best, arg = score[i - 1][j] - 1.0, (i - 1, j, False)          # drop a row (costly)
            if j > 0:
                if score[i][j - 1] > best:                                  # template row left empty
                    best, arg = score[i][j - 1], (i, j - 1, False)
                s = score[i - 1][j - 1] + 0.2 + label_similarity(rows[i - 1].label, template[j - 1])
                if s > best:
                    best, arg = s, (i - 1, j - 1, True)
            score[i][j], back[i][j] = best, arg
    pairs: list[tuple[RawRow, str]] = []
    i, j = n, m
    while i > 0 and back[i][j] is not None:
        pi, pj, matched = back[i][j]
        if matched:
            pairs.append((rows[i - 1], template[j - 1]))
        i, j = pi, pj
    pairs.reverse()
    return pairs, score[n][m]


def row_quote(label: str, columns: tuple[str, ...] | list[str], values: tuple[str, ...] | list[str]) -> str:
    """A table row as text: its published label, then each column with its value ("（空）" if blank)."""
    label = re.sub(r"\s+", "", label)
    body = "；".join(f"{c} {v if v else '（空）'}" for c, v in zip(columns, values))
    return f"{label}：{body}" if label else body


def _cell(table: str, row: str, column: str, value: str, quote: str, page: int | None,
          layout: str = "words", note: str | None = None) -> Cell:
    number = None if note else to_number(value)
    return Cell(table=table, row=row, column=column, value=value, number=number,
                blank=number is None, quote=quote, page=page, layout=layout, note=note)


def place_by_columns(rows: list[RawRow], n: int) -> list[RawRow]:
    """PDF rows with blank cells have fewer numbers: put each under the nearest column, whose x
    positions come from the rows that have all n values."""
    full = [r.xs for r in rows if r.xs and len(r.values) == n]
    if not full:
        return rows
    centres = [sorted(x[k] for x in full)[len(full) // 2] for k in range(n)]
    out = []
    for r in rows:
        if r.xs and 0 < len(r.values) < n:
            slots = [""] * n
            for v, x in zip(r.values, r.xs):
                k = min(range(n), key=lambda i: abs(centres[i] - x))
                slots[k] = v
            r = RawRow(label=r.label, values=tuple(slots), page=r.page, xs=None, layout=r.layout)
        out.append(r)
    return out


def merge_split_rows(rows: list[RawRow], n: int) -> list[RawRow]:
    """Text extracted column by column puts each value on its own line: runs of short rows (no
    x positions) that add up to exactly n values become one row."""
    out: list[RawRow] = []
    run: list[RawRow] = []

    def close() -> None:
        total = sum(len(r.values) for r in run)
        if run and total % n == 0 and len(run) > 1:
            values = [v for r in run for v in r.values]
            label = next((r.label for r in run if r.label), "")
            out.extend(RawRow(label=label if k == 0 else "", values=tuple(values[k:k + n]), page=run[0].page,
                              layout=run[0].layout)
                       for k in range(0, total, n))
        else:
            out.extend(run)
        run.clear()

    for r in rows:
        if len(r.values) < n and r.xs is None and not (run and r.label):
            run.append(r)
            continue
        close()
        if len(r.values) < n and r.xs is None:
            run.append(r)
        else:
            out.append(r)
    close()
    return out


def build_table3(rows: list[RawRow], section: str, prefer_split: bool) -> Table | None:
    """Map the value rows of section 三 onto the better-fitting template variant."""
    merged = merge_split_rows(place_by_columns(rows, 7), 7)
    rows = [r for r in merged if len(r.values) >= 5]
    if not rows:
        return None
    warnings: list[str] = []
    short = [r for r in merged if 2 <= len(r.values) < 5]     # a lone figure is page-number debris
    if short:
        warnings.append(f"表三: {len(short)} row(s) with 2 to 4 figures fit no column layout of the template "
                        f"and were not read: " + "; ".join(f"{r.label or '(no label)'} {' '.join(r.values)}"
                                                             for r in short[:3]))
    fits = [name for name, tpl in T3_VARIANTS.items() if len(tpl) == len(rows)]
    if fits:
        variant = fits[0]
        pairs, _ = align_rows(rows, T3_VARIANTS[variant])
    else:
        options = sorted(T3_VARIANTS, key=lambda v: (v == "split-六") == prefer_split, reverse=True)
        best = max(options, key=lambda v: align_rows(rows, T3_VARIANTS[v])[1])
        variant = best
        pairs, _ = align_rows(rows, T3_VARIANTS[variant])
        warnings.append(f"表三: {len(rows)} value rows for the {len(T3_VARIANTS[variant])} rows of the template; "
                        f"rows placed by their labels and template order, so unlabeled rows may be misplaced")
    disagreements = [tpl for raw, tpl in pairs
                     if normalise_label(raw.label) and label_similarity(raw.label, tpl) < 0.34]
    if disagreements:
        warnings.append("表三: published labels differ from the template at " + "; ".join(disagreements[:5]))
    cells = []
    for raw, tpl in pairs:
        values = list(raw.values[:7])
        if len(values) < 7:
            warnings.append(f"表三: row {tpl} has {len(values)} of 7 values; columns assumed from the left")
            values += [""] * (7 - len(values))
        quote = row_quote(raw.label or _leaf(tpl), T3_COLUMNS, values)
        for col, val in zip(T3_COLUMNS, values):
            cells.append(_cell(T3_TITLE, tpl, col, val, quote, raw.page, raw.layout))
    return Table(title=T3_TITLE, section=section, template=f"三:{variant}", columns=T3_COLUMNS,
                 rows=tuple(tpl for _, tpl in pairs), cells=tuple(cells), warnings=tuple(warnings),
                 expected=len(T3_VARIANTS[variant]) * len(T3_COLUMNS))


def build_table4(rows: list[RawRow], section: str) -> Table | None:
    """The fifteen numbers of section 四, from one row or from consecutive rows that add up to 15."""
    values: list[str] = []
    page = None
    layout = rows[0].layout if rows else "words"
    for r in rows:
        if len(r.values) >= 15:
            values, page = list(r.values[:15]), r.page
            break
        if r.values:
            values += list(r.values)
            page = page or r.page
        if len(values) >= 15:
            break
    if len(values) < 15:
        return None
    quote = row_quote("", T4_COLUMNS, values[:15])
    cells = tuple(_cell(T4_TITLE, "", col, val, quote, page, layout) for col, val in zip(T4_COLUMNS, values[:15]))
    return Table(title=T4_TITLE, section=section, template="四", columns=T4_COLUMNS, rows=("",), cells=cells,
                 expected=len(T4_COLUMNS))


def build_item_tables(rows: list[tuple[RawRow, str, tuple[str, ...] | None]], section: str,
                      version: str) -> list[Table]:
    """Section 二's item tables from rows already recognised by `item_row` (with their header)."""
    by_item: dict[str, list[Cell]] = {}
    columns_of: dict[str, tuple[str, ...]] = {}
    for raw, canon, header in rows:
        item = ITEM_ROWS[canon][0]
        n = len(raw.values)
        template_cols = ITEM_COLUMNS["2021" if version == "2021" else "2019"].get(item, ())
        other = ITEM_COLUMNS["2019" if version == "2021" else "2021"].get(item, ())
        if header and len(header) == n:
            cols = tuple(header)
        elif len(template_cols) == n:
            cols = template_cols
        elif len(other) == n:
            cols = other
        else:
            cols = tuple(f"列{k + 1}" for k in range(n))
        columns_of.setdefault(item, cols)
        title = ITEM_TITLES[item]
        label = normalise_label(raw.label) if normalise_label(raw.label) in {
            normalise_label(s) for s in ITEM_ROWS[canon][1]} else canon
        quote = row_quote(raw.label, cols, raw.values)
        for col, val in zip(cols, raw.values):
            by_item.setdefault(item, []).append(_cell(title, label, col, val, quote, raw.page, raw.layout))
    tables = []
    for item in sorted(by_item, key=list(ITEM_TITLES).index):
        cells = tuple(by_item[item])
        rows_ = tuple(dict.fromkeys(c.row for c in cells))
        tables.append(Table(title=ITEM_TITLES[item], section=section, template=f"二:{version}",
                            columns=columns_of[item], rows=rows_, cells=cells,
                            expected=item_expected(item, version, columns_of[item], rows_)))
    return tables


# --- checks -----------------------------------------------------------------------------------

def _sum_check(table: str, rule: str, parts: list[Cell], total: Cell | None, extra: list[Cell] = ()) -> Check:
    cited = tuple(f"{c.row} | {c.column}" for c in [*parts, *extra, *([total] if total else [])])
    if total is None or any(c.blank for c in parts) or total.blank or any(c.blank for c in extra):
        return Check(table=table, rule=rule, expected="-", found="blank cell(s): not checkable",
                     passed=None, cells=cited)
    lhs = sum(c.number for c in parts)
    rhs = total.number + sum(c.number for c in extra)
    return Check(table=table, rule=rule, expected=format_number(lhs), found=format_number(rhs),
                 passed=abs(lhs - rhs) < 1e-6, cells=cited)


def check_table3(table: Table) -> list[Check]:
    """一+二 = （七）总计+四 per column; each row's six applicant columns = 总计; items of 三 = （七）总计."""
    grid = {(c.row, c.column): c for c in table.cells}
    checks: list[Check] = []
    first, second = _T3_HEAD[0], _T3_HEAD[1]
    total_row, carry = _T3_TAIL
    items = [r for r in table.rows if r.startswith(_R3) and r != total_row]
    for col in T3_COLUMNS:
        parts = [grid.get((first, col)), grid.get((second, col))]
        t, k = grid.get((total_row, col)), grid.get((carry, col))
        if None not in parts and t and k:
            checks.append(_sum_check(table.title, f"一+二 = （七）总计+四 [{col}]", parts, t, [k]))
        leaves = [grid.get((r, col)) for r in items]
        if t and leaves and None not in leaves:
            checks.append(_sum_check(table.title, f"三的各项之和 = （七）总计 [{col}]", leaves, t))
    for row in table.rows:
        parts = [grid.get((row, c)) for c in T3_COLUMNS[:6]]
        total = grid.get((row, "总计"))
        if None not in parts and total:
            checks.append(_sum_check(table.title, f"各申请人列之和 = 总计 [{row}]", parts, total))
    return checks


def check_table4(table: Table) -> list[Check]:
    """In each 表四 block the first four results add up to its 总计."""
    grid = {c.column: c for c in table.cells}
    checks = []
    for block in ("行政复议", "行政诉讼 / 未经复议直接起诉", "行政诉讼 / 复议后起诉"):
        parts = [grid[f"{block} / {r}"] for r in _RESULTS[:4]]
        checks.append(_sum_check(table.title, f"{block}: 四项结果之和 = 总计", parts, grid[f"{block} / 总计"]))
    return checks
