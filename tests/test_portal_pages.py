"""Golden tests for the three portal pages saved as text (each table on one line, digits touching),
and golden metadata for every shared report.

Every expected value below was read by hand from the file; the comment beside a row says how its
digit run splits and why no other split is possible (or why it stays unread).
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from index.model import UNREAD_NOTE
from index.parser import parse_file
from index.templates import T3_TITLE, T3_VARIANTS, T4_COLUMNS, T4_TITLE

from .conftest import ROOT, SHARED_REPORTS, need_shared

GUOZI = "20181_平潭综合实验区国有资产管理局2019年政府信息公开工作年度报告_page.txt"
JUNSHAN = "50246_平潭综合实验区君山片区管理局 2022年政府信息公开工作年度报告_page.txt"
PINGTAN = "80595_平潭综合实验区2020年度政府信息公开工作年度报告_page.txt"
R3 = "三、本年度办理结果"
I1, I5, I6, I8, I9 = (f"第二十条第（{x}）项" for x in "一五六八九")


def parsed(name):
    return parse_file(need_shared(SHARED_REPORTS / name))


@pytest.fixture(scope="module")
def guozi():
    return parsed(GUOZI)


@pytest.fixture(scope="module")
def junshan():
    return parsed(JUNSHAN)


@pytest.fixture(scope="module")
def pingtan():
    return parsed(PINGTAN)


def read_cells(report):
    """(table, row, column) -> value for every cell that was read."""
    return {(t.title, c.row, c.column): c.value for t in report.tables for c in t.cells if c.note is None}


def unread_cells(report):
    return {(t.title, c.row, c.column) for t in report.tables for c in t.cells if c.note is not None}


def t3_rows(variant, rows: dict[str, list[str]] | None = None, default="0000000"):
    """Expected table 三 cells: `rows` maps a row (by a unique part of its label) to its seven values."""
    out = {}
    for row in T3_VARIANTS[variant]:
        vals = next((v for k, v in (rows or {}).items() if k in row), list(default))
        for col, v in zip(("自然人", "法人或其他组织 / 商业企业", "法人或其他组织 / 科研机构", "法人或其他组织 / 社会公益组织",
                           "法人或其他组织 / 法律服务机构", "法人或其他组织 / 其他", "总计"), vals):
            out[(T3_TITLE, row, col)] = v
    return out


def t4_zeros():
    return {(T4_TITLE, "", col): "0" for col in T4_COLUMNS}


C19_1 = ("本年新制作数量", "本年新公开数量", "对外公开总数量")
C19_5 = ("上一年项目数量", "本年增/减", "处理决定数量")


def item(title, row, cols, values):
    return {(title, row, c): v for c, v in zip(cols, values)}


# --- 平潭综合实验区国有资产管理局 2019 (2019 template) ------------------------------------------------

def test_guozi_every_pinned_cell(guozi):
    expected = {}
    # "规范性文件666": three digits for three cells, 6|6|6
    expected |= item(I1, "规范性文件", C19_1, "666")
    # "行政许可000", "其他对外管理服务事项000", "行政处罚000", "行政强制000": 0|0|0 each
    for title, row in ((I5, "行政许可"), (I5, "其他对外管理服务事项"), (I6, "行政处罚"), (I6, "行政强制")):
        expected |= item(title, row, C19_5, "000")
    # "行政事业性收费00 " and "政府集中采购00 ": 0|0
    expected |= item(I8, "行政事业性收费", ("上一年项目数量", "本年增/减"), "00")
    expected |= item(I9, "政府集中采购", ("采购项目数量", "采购总金额"), "00")
    # table 三: every run is seven zeros, spaced anywhere ("00 00000", "0 00 0 0 00", "0 0 0 0 0 00" + "2." of
    # the next label): 0|0|0|0|0|0|0 in every row
    expected |= t3_rows("single-六")
    # table 四: "000000000000000" = fifteen zeros
    expected |= t4_zeros()
    assert read_cells(guozi) == expected
    # "规章1411" has no rule: 1|4|11, 1|41|1 and 14|1|1 are all well formed, so the row stays unread
    assert unread_cells(guozi) == {(I1, "规章", c) for c in C19_1}
    assert all(c.passed is not False for c in guozi.checks)


def test_guozi_unread_cells_say_why(guozi):
    cells = {(c.row, c.column): c for t in guozi.tables for c in t.cells}
    first = cells[("规章", "本年新制作数量")]
    assert first.value == "" and first.number is None and first.layout == "runs-split"
    assert first.note == f"{UNREAD_NOTE}（候选：1、14）"
    warning = next(w for w in guozi.warnings if "规章" in w)
    assert "1411" in warning and "本年新公开数量（候选：4、41、1）" in warning
    fact = next(f for f in guozi.facts if f.row == "规章" and f.column == "本年新制作数量")
    assert fact.value == "" and fact.number is None and fact.note.startswith(UNREAD_NOTE)


def test_guozi_statistics_period_is_a_fact(guozi):
    period = [f for f in guozi.facts if f.label == "统计期限"]
    assert [f.value for f in period] == ["2019年9月1日至2019年12月31日"]
    assert "统计期限为2019年9月1日至2019年12月31日" in period[0].quote
    assert any("不是2019全年" in w for w in guozi.warnings)


# --- 平潭综合实验区君山片区管理局 2022 (2021 template) ------------------------------------------------

def test_junshan_every_cell(junshan):
    cols = ("本年制发件数", "本年废止件数", "现行有效件数")
    expected = item(I1, "规章", cols, "000")
    # "行政规范性文件0011": 0|0|11 (00|1|1 and 0|01|1 have leading zeros)
    expected |= item(I1, "行政规范性文件", cols, ["0", "0", "11"])
    # one-cell rows: "行政许可0", "行政处罚0", "行政强制0", "行政事业性收费0"
    expected |= {(I5, "行政许可", "本年处理决定数量"): "0", (I6, "行政处罚", "本年处理决定数量"): "0",
                 (I6, "行政强制", "本年处理决定数量"): "0", (I8, "行政事业性收费", "本年收费金额（单位：万元）"): "0"}
    # table 三 (split （六）): all "0000000" except "本机关不掌握相关政府信息3000025": seven digits for seven
    # cells, 3|0|0|0|0|2|5 (3 + 2 = 5)
    expected |= t3_rows("split-六", {"本机关不掌握": ["3", "0", "0", "0", "0", "2", "5"]})
    expected |= t4_zeros()
    assert read_cells(junshan) == expected
    assert not unread_cells(junshan)


def test_junshan_published_table_breaks_its_items_rule(junshan):
    # the items of 三 hold 3 | 2 | 5 while （七）总计 is all zeros: reported, values kept as published
    failed = {c.rule for c in junshan.checks if c.passed is False}
    assert failed == {f"三的各项之和 = （七）总计 [{c}]" for c in ("自然人", "法人或其他组织 / 其他", "总计")}


# --- 平潭综合实验区 2020 (2019 template) ------------------------------------------------------------

def test_pingtan_every_pinned_cell(pingtan):
    expected = {}
    # "规章007": 0|0|7 (00|7 and 0|07 are not numbers)
    expected |= item(I1, "规章", C19_1, "007")
    # "行政处罚2648-18538": the sign opens 本年增/减, so 上一年项目数量 is 2648; the rest (-1|8538, -18|538, …) is open
    expected[(I6, "行政处罚", "上一年项目数量")] = "2648"
    # "行政事业性收费35-15": 35 | -15
    expected |= item(I8, "行政事业性收费", ("上一年项目数量", "本年增/减"), ["35", "-15"])
    # table 三:
    #   一 "200 000121"        = 20|0 0|0|0|1|21  (20+1 = 21; no other cut sums)
    #   二 "0000000"           = zeros
    #   （一） "6000017"        = 6|0|0|0|0|1|7    (seven digits)
    #   （二） "6000006"        = 6|0|0|0|0|0|6
    #   无法提供1 "4000004", 3 "3000003"; 不予处理2 "3000003"; （六） "4 0 0 0 0 0 4"
    #   （七） "20 0 00 0 121"  = 20|0|0 0|0|1 21  (20+1 = 21)
    #   四 "0 0 00 00 0"       = zeros
    expected |= t3_rows("single-六", {
        "本年新收": ["20", "0", "0", "0", "0", "1", "21"], "（一）予以公开": ["6", "0", "0", "0", "0", "1", "7"],
        "（二）部分公开": ["6", "0", "0", "0", "0", "0", "6"], "本机关不掌握": list("4000004"),
        "补正后申请内容仍不明确": list("3000003"), "2.重复申请": list("3000003"), "（六）其他处理": list("4000004"),
        "（七）总计": ["20", "0", "0", "0", "0", "1", "21"]})
    expected |= t4_zeros()
    assert read_cells(pingtan) == expected
    assert unread_cells(pingtan) == (
        {(I1, "规范性文件", c) for c in C19_1}                     # "7777166": 7|77|7166, 77|77|166, …
        | {(I5, r, c) for r in ("行政许可", "其他对外管理服务事项") for c in C19_5}   # "396442278", "107105"
        | {(I6, "行政处罚", c) for c in ("本年增/减", "处理决定数量")}
        | {(I6, "行政强制", c) for c in C19_5}                       # "1262629"
        | {(I9, "政府集中采购", c) for c in ("采购项目数量", "采购总金额")})  # "39573802895.90元": nine cuts


def test_pingtan_broken_items_rule_reported_and_the_rest_read(pingtan):
    # result rows add up to 27 (自然人 26) against a 总计 of 21 (自然人 20): failed, as published
    failed = {(c.rule, c.expected, c.found) for c in pingtan.checks if c.passed is False}
    assert failed == {("三的各项之和 = （七）总计 [自然人]", "26", "20"), ("三的各项之和 = （七）总计 [总计]", "27", "21")}
    assert any("dropped: items[0], items[6]" in w for w in pingtan.warnings)
    purchase = next(w for w in pingtan.warnings if "政府集中采购" in w)
    assert "39573802895.90" in purchase and "采购总金额（候选：9573802895.90" in purchase


def test_reading_counts(guozi, junshan, pingtan):
    def totals(r):
        return sum(t["read"] for t in r.reading()), sum(t["expected"] for t in r.reading())

    assert totals(guozi) == (195, 198)
    assert totals(junshan) == (200, 200)
    assert totals(pingtan) == (182, 198)
    t3 = next(t for t in pingtan.reading() if t["table"] == T3_TITLE)
    # "（六）其他处理4 0 0 0 0 0 4" was spaced cell by cell; every other row had to be split
    assert t3["layouts"] == {"runs-split": 154, "words": 7}


def test_parse_json_shows_reading_and_layout():
    path = need_shared(SHARED_REPORTS / PINGTAN)
    out = subprocess.run([sys.executable, "-m", "assistant", "parse", str(path), "--json"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    data = json.loads(out.stdout)
    t2 = next(t for t in data["reading"] if t["table"] == I1)
    assert (t2["read"], t2["expected"]) == (3, 6)
    unread = [f for f in data["facts"] if f["kind"] == "cell" and f["note"]]
    assert len(unread) == 16 and all(f["layout"] == "runs-split" and f["value"] == "" for f in unread)


# --- metadata of every shared report ---------------------------------------------------------------

@pytest.mark.parametrize("name,agency,year", [
    ("000_3eedd7fad4cbaa0c.txt", "宁波市对口支援和区域合作局", 2019),
    (GUOZI, "平潭综合实验区国有资产管理局", 2019),
    ("2019年上海市人民政府办公厅政府信息公开工作年度报告.html", "上海市人民政府办公厅", 2019),
    (JUNSHAN, "平潭综合实验区君山片区管理局", 2022),
    (PINGTAN, "平潭综合实验区", 2020),
    ("hzq2023_working.pdf", "淮安市洪泽区人民政府", 2023),
    ("kewei-2024-source.md", "上海市科委", 2024),
    ("szfgs2024.pdf", "淮安市人民政府", 2024),
    ("沭阳县发展和改革局2023年政府信息公开年度报告-沭阳县发改局_2025-12-30.html", "沭阳县发展和改革局", 2023),
])
def test_metadata_of_every_shared_report(name, agency, year):
    r = parsed(name)
    assert (r.meta.agency, r.meta.year) == (agency, year)
    assert r.meta.title and r.meta.title.endswith("报告") and "发布" not in r.meta.title


def test_portal_titles_are_the_report_titles(guozi, junshan, pingtan):
    assert guozi.meta.title == "平潭综合实验区国有资产管理局2019年政府信息公开工作年度报告"
    assert junshan.meta.title == "平潭综合实验区君山片区管理局2022年政府信息公开工作年度报告"
    assert pingtan.meta.title == "平潭综合实验区2020年度政府信息公开工作年度报告"


def test_markdown_marks_are_not_part_of_a_name(tmp_path):
    p = tmp_path / "ocr.txt"
    p.write_text("#沐阳县人民政府\n2022年政府信息公开工作年度报告\n一、总体情况\n全年主动公开政府信息12条。\n",
                 encoding="utf-8")
    assert parse_file(p).meta.agency == "沐阳县人民政府"


def test_agency_from_the_crumb_and_sources(tmp_path):
    p = tmp_path / "page.txt"
    p.write_text("标题: \n发布机构: \n==================== 正文 ====================\n"
                 "当前位置： 首页政务公开部门文件 某某市高新技术产业开发区管委会2023年政府信息公开工作年度报告 "
                 "时间：2024-01-05 一、总体情况2023年，我委主动公开政府信息35条。\n", encoding="utf-8")
    r = parse_file(p)
    assert (r.meta.agency, r.meta.year) == ("某某市高新技术产业开发区管委会", 2023)


def test_wrapped_and_shortened_labels_are_found():
    """Labels broken by spaces ("本机关不掌握 相关政府信息") or cut short ("1.本机关不掌握") still place their runs."""
    from benchmarks.generate_corpus import T3_HEADER
    from index.portal_tables import extract

    rows = T3_VARIANTS["single-六"]
    text = "三、收到和处理政府信息公开申请情况" + T3_HEADER
    for row in rows:
        leaf = row.split(" / ")[-1]
        label = {"1.本机关不掌握相关政府信息": "1.本机关不掌握", "2.没有现成信息需要另行制作": "2.没有现成 信息需要另行制作",
                 "5.要求行政机关确认或重新出具已获取信息": "5.要求行政机关确认"}.get(leaf, leaf)
        value = "5000005" if "本机关不掌握" in leaf or "本年新收" in leaf or "（七）" in leaf else "0000000"
        text += label + value
    got = extract(text + "五、存在的主要问题及改进情况", 2020)
    t3 = next(t for t in got.tables if t.title == T3_TITLE)
    cells = {(c.row, c.column): c.value for c in t3.cells if c.note is None}
    assert len(cells) == len(rows) * 7 and not got.warnings
    assert cells[(f"{R3} / （四）无法提供 / 1.本机关不掌握相关政府信息", "自然人")] == "5"
    assert cells[(f"{R3} / （五）不予处理 / 5.要求行政机关确认或重新出具已获取信息", "总计")] == "0"


def _t2_page(prose: str) -> str:
    """A portal line with table 二 (2021 template) whose 行政规范性文件 run "12315" the template's
    arithmetic cannot split (1|23|15, 12|3|15, 12|31|5 …), and the page's prose."""
    return ("一、总体情况" + prose + "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数"
            "规章000行政规范性文件12315第二十条第（五）项信息内容本年处理决定数量行政许可7"
            "三、收到和处理政府信息公开申请情况")


def test_the_text_pins_a_digit_run_the_arithmetic_leaves_open():
    """Issue 20: a sentence that names the row and a column with its figure keeps only the splits
    that agree; the cells it decides say so and quote the sentence."""
    from index.portal_tables import extract

    def cells(got):
        t2 = next(t for t in got.tables if "第（一）项" in t.title)
        return {c.column: c for c in t2.cells if c.row == "行政规范性文件"}

    alone = cells(extract(_t2_page("本年度认真做好公开工作。"), 2023))
    assert all(c.note for c in alone.values())                       # unread without the text
    pinned = cells(extract(_t2_page("本年度制发行政规范性文件12件，现行有效行政规范性文件15件。"), 2023))
    assert {k: c.value for k, c in pinned.items()} == {"本年制发件数": "12", "本年废止件数": "3", "现行有效件数": "15"}
    assert all(c.note is None and "据正文" in c.quote and "制发行政规范性文件12件" in c.quote for c in pinned.values())
    assert all(c.layout == "runs-split+text" for c in pinned.values())


def test_a_text_figure_the_arithmetic_contradicts_is_not_used():
    from index.portal_tables import extract

    got = extract(_t2_page("本年度制发行政规范性文件99件。"), 2023)       # no split of 12315 gives 99
    t2 = next(t for t in got.tables if "第（一）项" in t.title)
    assert all(c.note for c in t2.cells if c.row == "行政规范性文件")
    assert any("未采用" in w for w in got.warnings)


def test_the_shared_portal_pages_read_no_cell_from_the_text(guozi, junshan, pingtan):
    """No sentence of the three shared portal pages names one row and column with its figure
    (国资局's "规章和规范性文件7条" sums two rows; 平潭's "废止规范性文件5件" is no column of the 2019
    template): nothing is read from their text, and what the arithmetic reads is unchanged."""
    for report in (guozi, junshan, pingtan):
        assert not [c for t in report.tables for c in t.cells if c.layout == "runs-split+text"]


def test_generated_portal_pages_read_what_their_text_pins(tmp_path):
    """The generated portal layout: half the pages say the 行政规范性文件 figures in words. Every cell
    the benchmark's truth counts as readable (its run, or its run and the text, pin it down) is read
    with its value; every other stays unread; and some cells are read only thanks to the text."""
    from benchmarks.generate_corpus import generate
    from index.parser import parse_file

    truths = generate(tmp_path, 60, seed=5, formats=("portal",))
    by_text = 0
    for t in truths:
        report = parse_file(tmp_path / t.file)
        got = {c.column: c for tb in report.tables for c in tb.cells if c.row == "行政规范性文件"}
        for key, value in t.cells.items():
            if key.startswith("行政规范性文件|"):
                cell = got[key.split("|")[1]]
                assert cell.note is None and cell.value == value, (t.file, key)
                by_text += cell.layout == "runs-split+text"
        for key in t.unreadable:
            assert got[key.split("|")[1]].note, (t.file, key)
    assert by_text > 0
