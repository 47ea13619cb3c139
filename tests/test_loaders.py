"""Bad input gets a clear error; encodings are detected, not assumed."""
from __future__ import annotations

import io
import subprocess
import sys

import pytest

from index.errors import EmptyDocument, InputError, UnsupportedFormat
from index.loaders import load
from index.parser import parse_file

from .conftest import ROOT, SAMPLE


def test_gbk_and_bom_are_detected(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    (tmp_path / "gbk.txt").write_bytes(text.encode("gb18030"))
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    for name in ("gbk.txt", "bom.txt"):
        r = parse_file(tmp_path / name)
        assert r.meta.agency == "宁波市对口支援和区域合作局"
        assert any(f.value == "919" for f in r.facts)


@pytest.mark.parametrize("name,data,exc,msg", [
    ("empty.txt", b"", EmptyDocument, "empty"),
    ("junk.txt", bytes(range(256)) * 20, EmptyDocument, "binary"),
    ("broken.pdf", b"%PDF-1.4 this is not really a pdf", InputError, "PDF"),
    ("broken.docx", b"PK\x03\x04 not a zip", InputError, "DOCX"),
    ("report.xls", b"whatever", UnsupportedFormat, "unsupported"),
])
def test_bad_input_is_reported(tmp_path, name, data, exc, msg):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(exc, match=msg):
        load(p)


def test_pdf_without_text_layer(tmp_path):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(buf, format="PDF")
    (tmp_path / "scan.pdf").write_bytes(buf.getvalue())
    with pytest.raises(EmptyDocument, match="no text layer"):
        load(tmp_path / "scan.pdf")


def test_size_limit(tmp_path):
    p = tmp_path / "big.txt"
    p.write_bytes(b"a" * 2048)
    with pytest.raises(InputError, match="limit"):
        load(p, max_bytes=1024)


def test_not_a_report_is_parsed_generically(tmp_path):
    p = tmp_path / "menu.txt"
    p.write_text("午餐菜单\n米饭 2 元\n面条 3 元\n", encoding="utf-8")
    r = parse_file(p)
    assert any("no national report template" in w for w in r.warnings)


def test_docx_tables_and_text(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("某某市某某局2022年政府信息公开工作年度报告")
    d.add_paragraph("一、总体情况")
    d.add_paragraph("2022年，本局主动公开政府信息120条。")
    d.add_paragraph("二、主动公开政府信息情况")
    t = d.add_table(rows=3, cols=4)
    for i, row in enumerate([["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                             ["规章", "0", "0", "0"], ["行政规范性文件", "2", "1", "9"]]):
        for j, v in enumerate(row):
            t.cell(i, j).text = v
    d.save(tmp_path / "r.docx")
    r = parse_file(tmp_path / "r.docx")
    assert r.meta.agency == "某某市某某局" and r.meta.year == 2022
    cells = {(c.row, c.column): c.value for t in r.tables for c in t.cells}
    assert cells[("行政规范性文件", "现行有效件数")] == "9"
    assert any(f.value == "120" for f in r.facts if f.kind == "prose")


def test_cli_parse_json_and_error(tmp_path):
    out = subprocess.run([sys.executable, "-m", "assistant", "parse", str(SAMPLE), "--json"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and '"宁波市对口支援和区域合作局"' in out.stdout
    bad = tmp_path / "x.txt"
    bad.write_bytes(b"")
    out = subprocess.run([sys.executable, "-m", "assistant", "parse", str(bad), "--json"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode != 0 and out.stderr.strip().count("\n") == 0 and "empty" in out.stderr


def test_utf8_cut_mid_character_is_read_without_the_broken_tail(tmp_path):
    data = SAMPLE.read_bytes().rstrip()
    cut = data + "报告".encode("utf-8")[:4]          # "报" whole, then 1 of the 3 bytes of "告"
    p = tmp_path / "cut.txt"
    p.write_bytes(cut)
    doc = load(p)
    assert doc.text.endswith("报") and doc.notes == ["文件末尾有一个不完整的字符（文件可能被截断），已舍去最后 1 个字节"]
    r = parse_file(p)
    assert r.meta.agency == "宁波市对口支援和区域合作局" and r.warnings[0] == doc.notes[0]
    p.write_bytes(b"\xff\xfe" + cut)                 # broken at the start, not the tail: still refused
    with pytest.raises(EmptyDocument):
        load(p)


def test_garbage_figures_are_not_dropped_silently(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text("某某市某某局2022年政府信息公开工作年度报告\n四、政府信息公开行政复议、行政诉讼情况\n"
                 "行政复议 行政诉讼\n3 1 4 1 5 9 2\n五、存在的主要问题及改进情况\n无。\n", encoding="utf-8")
    r = parse_file(p)
    assert not any(t.title.startswith("政府信息公开行政复议") for t in r.tables)
    assert "表四: 7 figure(s) under section 四, not the 15 of the template: not read as a table" in r.warnings
