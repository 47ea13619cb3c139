"""Golden tests: every table cell and prose figure of the real sample reports, parsed cell-exact."""
from __future__ import annotations

import pytest

from index.parser import parse_file
from index.templates import T3_TITLE, T4_TITLE

from .conftest import HZQ, KEWEI, SEED, SHUYANG, need_shared

R3 = "三、本年度办理结果"


def grid(report, title):
    tables = [t for t in report.tables if t.title == title]
    assert tables, f"no table {title}"
    return {(c.row, c.column): c.value for t in tables for c in t.cells}


def t3_column(report, column="总计"):
    g = grid(report, T3_TITLE)
    t = next(t for t in report.tables if t.title == T3_TITLE)
    return [g[(r, column)] for r in t.rows]


@pytest.fixture(scope="module")
def seed():
    return parse_file(need_shared(SEED))


@pytest.fixture(scope="module")
def hzq():
    return parse_file(need_shared(HZQ))


@pytest.fixture(scope="module")
def kewei():
    return parse_file(need_shared(KEWEI))


@pytest.fixture(scope="module")
def shuyang():
    return parse_file(need_shared(SHUYANG))


def test_seed_metadata(seed):
    assert seed.meta.agency == "宁波市对口支援和区域合作局"
    assert seed.meta.year == 2019
    assert seed.meta.format == "txt"
    assert len(seed.meta.sha256) == 64


def test_seed_item_tables_every_cell(seed):
    assert grid(seed, "第二十条第（一）项") == {
        ("规章", "本年新制作数量"): "0", ("规章", "本年新公开数量"): "0", ("规章", "对外公开总数量"): "0",
        ("规范性文件", "本年新制作数量"): "0", ("规范性文件", "本年新公开数量"): "3",
        ("规范性文件", "对外公开总数量"): "45"}
    for title, rows, cols in [
        ("第二十条第（五）项", ["行政许可", "其他对外管理服务事项"], ["上一年项目数量", "本年增/减", "处理决定数量"]),
        ("第二十条第（六）项", ["行政处罚", "行政强制"], ["上一年项目数量", "本年增/减", "处理决定数量"]),
        ("第二十条第（八）项", ["行政事业性收费"], ["上一年项目数量", "本年增/减"]),
        ("第二十条第（九）项", ["政府集中采购"], ["采购项目数量", "采购总金额"])]:
        assert grid(seed, title) == {(r, c): "0" for r in rows for c in cols}


def test_seed_table3_and_4_every_cell(seed):
    g = grid(seed, T3_TITLE)
    assert len(g) == 23 * 7 and set(g.values()) == {"0"}
    assert (f"{R3} / （三）不予公开 / 1.属于国家秘密", "总计") in g
    g4 = grid(seed, T4_TITLE)
    assert len(g4) == 15 and set(g4.values()) == {"0"}
    assert all(c.passed for c in seed.checks)


def test_seed_prose_facts(seed):
    prose = {(f.value, f.unit) for f in seed.facts if f.kind == "prose"}
    for v in ("47", "3332", "919", "692", "1721", "4", "3"):
        assert (v, "条") in prose
    f919 = next(f for f in seed.facts if f.value == "919")
    assert f919.label == "政府网站公开信息"
    assert "919" in f919.quote and f919.section.startswith("二、主动公开政府信息情况")
    text = SEED.read_text(encoding="utf-8")
    assert "919" in text[f919.start:f919.end]


def test_seed_sections(seed):
    top = [s.heading for s in seed.sections if s.level == 1]
    assert top == ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                   "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    assert any(p.section.startswith("五、") and "及时性" in p.text for p in seed.paragraphs)


def test_hzq_metadata(hzq):
    assert hzq.meta.agency == "淮安市洪泽区人民政府"
    assert "洪泽区人民政府" in hzq.meta.aliases
    assert hzq.meta.year == 2023


def test_hzq_table2(hzq):
    assert grid(hzq, "第二十条第（一）项") == {
        ("规章", "本年制发件数"): "0", ("规章", "本年废止件数"): "0", ("规章", "现行有效件数"): "0",
        ("行政规范性文件", "本年制发件数"): "0", ("行政规范性文件", "本年废止件数"): "5",
        ("行政规范性文件", "现行有效件数"): "5"}
    assert grid(hzq, "第二十条第（五）项") == {("行政许可", "本年处理决定数量"): "550"}
    assert grid(hzq, "第二十条第（六）项") == {("行政处罚", "本年处理决定数量"): "4119",
                                          ("行政强制", "本年处理决定数量"): "195"}
    assert grid(hzq, "第二十条第（八）项") == {("行政事业性收费", "本年收费金额（单位：万元）"): "7730.28"}


def test_hzq_table3_across_pages(hzq):
    # natural-person column and total column, every row in template order (table runs over pages 3-4)
    expected = ["21", "0", "0", "4", "1", "0", "0", "0", "0", "1", "1", "0", "10", "3", "0",
                "1", "0", "0", "0", "0", "0", "21", "0"]
    assert t3_column(hzq, "自然人") == expected
    assert t3_column(hzq, "总计") == expected
    for col in ("法人或其他组织 / 商业企业", "法人或其他组织 / 其他"):
        assert set(t3_column(hzq, col)) == {"0"}
    assert all(c.passed for c in hzq.checks if c.table == T3_TITLE)


def test_hzq_table4_published_and_failing(hzq):
    values = [grid(hzq, T4_TITLE)[("", c)] for c in next(t for t in hzq.tables if t.title == T4_TITLE).columns]
    assert values == ["10", "1", "0", "0", "0", "0", "0", "0", "0", "0", "5", "0", "0", "0", "0"]
    failed = {c.rule: (c.expected, c.found) for c in hzq.checks if c.passed is False}
    assert failed == {"行政复议: 四项结果之和 = 总计": ("11", "0"),
                      "行政诉讼 / 复议后起诉: 四项结果之和 = 总计": ("5", "0")}


def test_hzq_prose(hzq):
    prose = {f.value: f for f in hzq.facts if f.kind == "prose"}
    assert prose["1136"].unit == "条" and prose["21"].unit == "件"
    assert prose["1136"].page == 1


def test_shuyang_html(shuyang):
    assert shuyang.meta.agency == "沭阳县发展和改革局" and shuyang.meta.year == 2023
    assert "沭阳县发改局" in shuyang.meta.aliases
    assert grid(shuyang, "第二十条第（一）项")[("规范性文件", "现行有效件数")] == "18"
    assert grid(shuyang, "第二十条第（一）项")[("规范性文件", "本年制发件数")] == "8"
    # colspan value is one value, not three
    assert grid(shuyang, "第二十条第（五）项") == {("行政许可", "本年处理决定数量"): "0"}
    g = grid(shuyang, T3_TITLE)
    first = "一、本年新收政府信息公开申请数量"
    assert g[(first, "自然人")] == "26" and g[(first, "总计")] == "26"
    blank = next(c for t in shuyang.tables for c in t.cells if c.row == first and c.column == "法人或其他组织 / 商业企业")
    assert blank.value == "" and blank.blank and blank.number is None      # blank is not 0
    g4 = grid(shuyang, T4_TITLE)
    assert g4[("", "行政复议 / 尚未审结")] == "1" and g4[("", "行政复议 / 总计")] == "1"
    prose = {f.value for f in shuyang.facts if f.kind == "prose"}
    assert {"249", "185", "182", "100%"} <= prose


def test_kewei_pdf_to_text(kewei):
    assert kewei.meta.agency == "上海市科委" and kewei.meta.year == 2024
    g = grid(kewei, "第二十条第（一）项")
    assert (g[("规范性文件", "本年制发件数")], g[("规范性文件", "本年废止件数")], g[("规范性文件", "现行有效件数")]) == ("13", "0", "55")
    assert grid(kewei, "第二十条第（五）项") == {("行政许可", "本年处理决定数量"): "97"}
    total = t3_column(kewei, "总计")
    assert total[0] == "34" and total[-2] == "35" and total[-1] == ""
    prose = {f.value for f in kewei.facts if f.kind == "prose"}
    assert {"393", "34", "85"} <= prose


def test_json_shape(seed):
    j = seed.to_json()
    assert set(j) >= {"report", "sections", "tables", "facts", "checks"}
    assert j["report"]["agency"] == "宁波市对口支援和区域合作局"


OCR_MD = """# 某某县某某局2022年政府信息公开工作年度报告
一、总体情况
2022年，本局主动公开政府信息36条。
| 申请人情况 | 数据1 | 数据2 | 数据3 | 数据4 | 数据5 | 数据6 | 数据7 |
|---|---|---|---|---|---|---|---|
| 一、本年新收政府信息公开申请数量 | 5 | 1 |  |  |  |  | 6 |
| 二、上年结转政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |
| （一）予以公开 | 3 | 1 | 0 | 0 | 0 | 0 | 4 |
| （二）部分公开 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |
""" + "".join(f"| 细项{k} | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\\n" for k in range(1, 20)).replace("\\n", "\n") + """| （七）总计 | 4 | 1 | 0 | 0 | 0 | 0 | 5 |
| 四、结转下年度继续办理 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |
| 行政复议 | 行政诉讼 |
| 1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
五、存在的主要问题及改进情况
无。
"""


def test_ocr_markdown_without_headings_and_numbered_columns(tmp_path):
    p = tmp_path / "ocr.md"
    p.write_text(OCR_MD, encoding="utf-8")
    r = parse_file(p)
    assert r.meta.agency == "某某县某某局" and r.meta.year == 2022
    g = grid(r, T3_TITLE)
    first = "一、本年新收政府信息公开申请数量"
    assert g[(first, "自然人")] == "5" and g[(first, "法人或其他组织 / 商业企业")] == "1"
    assert g[(first, "法人或其他组织 / 科研机构")] == "" and g[(first, "总计")] == "6"
    assert g[("四、结转下年度继续办理", "总计")] == "2"
    g4 = grid(r, T4_TITLE)
    assert g4[("", "行政复议 / 结果维持")] == "1" and g4[("", "行政复议 / 总计")] == "1"
    assert any(c.passed for c in r.checks if c.table == T3_TITLE)


def test_pdf_rows_with_blank_cells_are_placed_by_column_position():
    from index.templates import RawRow, place_by_columns

    xs = tuple(100.0 + 50 * k for k in range(7))
    full = RawRow("一、本年新收", tuple("3000003"), xs=xs)
    gappy = RawRow("二、上年结转", ("2", "2"), xs=(101.0, 399.0))
    placed = place_by_columns([full, gappy], 7)
    assert placed[1].values == ("2", "", "", "", "", "", "2")


def test_agency_named_only_in_the_opening_sentence(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text("政府信息公开工作年度报告\n本报告由杭州市西湖区民政局根据《中华人民共和国政府信息公开条例》编制。\n"
                 "一、总体情况\n2022年，本局主动公开政府信息88条。\n", encoding="utf-8")
    r = parse_file(p)
    assert (r.meta.agency, r.meta.year) == ("杭州市西湖区民政局", 2022)


def test_table3_extracted_one_value_per_line(tmp_path):
    """PDF-to-text that reads table 三 column-wise: every value on its own line, labels apart."""
    lines = ["某某区某某局2021年政府信息公开工作年度报告", "一、总体情况", "2021年，本局主动公开政府信息10条。",
             "三、收到和处理政府信息公开申请情况", "申请人情况"]
    values = ([[3, 1, 0, 0, 0, 0, 4], [1, 0, 0, 0, 0, 0, 1], [4, 1, 0, 0, 0, 0, 5]] + [[0] * 7] * 20
              + [[4, 1, 0, 0, 0, 0, 5], [0] * 7])
    labels = ["一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量"] + [""] * 23
    for label, row in zip(labels, values):
        if label:
            lines.append(label)
        lines += [str(v) for v in row]
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "无。"]
    p = tmp_path / "colwise.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = parse_file(p)
    g = grid(r, T3_TITLE)
    assert g[("一、本年新收政府信息公开申请数量", "总计")] == "4"
    assert g[("一、本年新收政府信息公开申请数量", "法人或其他组织 / 商业企业")] == "1"
    assert g[("三、本年度办理结果 / （七）总计", "总计")] == "5"
    assert all(c.passed for c in r.checks if c.table == T3_TITLE and c.passed is not None)


def test_a_figure_labelled_by_the_thing_after_it():
    """"共组织开展6期《问政平潭》": what is counted follows the measure word; the label holds it."""
    from index.model import Paragraph
    from index.prose_facts import extract_prose_facts

    text = "2020年，共组织开展6期《问政平潭》，组织开展19期《问政平潭之有事你说》；全年举办3场新闻发布会。政府网站公开信息919条。"
    labels = {f.value: f.label for f in extract_prose_facts([Paragraph(section="一", text=text, start=0, end=len(text))])}
    assert "《问政平潭》" in labels["6"] and "《问政平潭之有事你说》" in labels["19"]
    assert labels["3"].endswith("新闻发布会") and labels["919"] == "政府网站公开信息"


def test_a_count_in_ten_thousands_keeps_its_measure_word():
    """"汇聚数据8232万条": the figure is 8232万, counted in 条 (the 条 is no part of the label)."""
    from index.model import Paragraph
    from index.prose_facts import extract_prose_facts

    text = "汇聚数据8232万条；粉丝突破770万，累计访问1.2亿人次。"
    got = {f.value: (f.label, f.unit, f.number) for f in extract_prose_facts([Paragraph(section="一", text=text, start=0, end=len(text))])}
    assert got["8232万"] == ("汇聚数据", "条", 82320000)
    assert got["770万"][1] == "万" and got["1.2亿"][1:] == ("人次", 120000000)


def test_a_bracket_after_the_figure_is_a_note_not_the_thing_counted():
    from index.model import Paragraph
    from index.prose_facts import extract_prose_facts

    text = "答复3050件（含上年度结转申请34件）。"
    got = {f.value: f.label for f in extract_prose_facts([Paragraph(section="一", text=text, start=0, end=len(text))])}
    assert got["3050"] == "答复"
