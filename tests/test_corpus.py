"""Questions over many reports on a generated corpus with known figures: rankings, totals, trends,
comparisons; cross-year checks; and the shared reports' missing years."""
from __future__ import annotations

import subprocess
import sys

import pytest

from assistant.components import Components
from benchmarks.generate_corpus import generate

from .conftest import ROOT, SHARED_REPORTS, need_shared

YEARS = (2021, 2022, 2023)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("corpus")
    truths = generate(d / "reports", 18, seed=11, years=YEARS, breaks={("__none__", 0)})
    comp = Components.from_settings(index_dir=d / "index")
    s = comp.indexer.index([d / "reports"])
    assert len(s.added) == 18 and not s.failed
    return comp, truths


def _cited_cells_exist(comp, res):
    """Every figure that is not computed is a stored fact whose quote holds it."""
    for f in res["figures"]:
        c = next(c for c in res["citations"] if c["id"] == f["citation"])
        if f.get("computed"):
            assert len(f["citations"]) >= 2 or len(res["citations"]) == 1
            continue
        facts = [x for x in comp.facts.facts([c["report_id"]]) if x["value"] == f["value"]
                 and x["table_title"] == c["table"] and x["row_label"] == c["row"] and x["col_label"] == c["column"]]
        assert facts, (f, c)


def test_ranking_matches_known_values(corpus):
    comp, truths = corpus
    year = 2022
    rows = sorted(((int(t.cells["本年新收|总计"]), t.agency) for t in truths if t.year == year), reverse=True)
    res = comp.answerer.ask(f"{year}年哪个单位新收政府信息公开申请最多？")
    assert res["grounded"]
    assert res["figures"][0]["value"] == str(rows[0][0])
    assert rows[0][1] in res["answer"].splitlines()[0]
    _cited_cells_exist(comp, res)
    low = comp.answerer.ask(f"{year}年新收政府信息公开申请最少的前3名单位")
    lines = [ln for ln in low["answer"].splitlines() if ln[:2] in ("1.", "2.", "3.")]
    expected = sorted(rows)[:3]
    assert [int(ln.split("：")[1].split("[")[0].rstrip("件")) for ln in lines] == [v for v, _ in expected]
    assert "范围：6份报告" in res["answer"]


def test_total_and_average_match_known_values(corpus):
    comp, truths = corpus
    year = 2023
    values = [int(t.cells["行政复议|总计"]) for t in truths if t.year == year]
    res = comp.answerer.ask(f"{year}年各单位行政复议总计一共多少件？")
    total = next(f for f in res["figures"] if f.get("computed"))
    assert total["value"] == str(sum(values)) and len(total["citations"]) == len(values)
    _cited_cells_exist(comp, res)
    avg = comp.answerer.ask(f"{year}年各单位行政许可本年处理决定数量平均是多少？")
    permits = [int(t.cells["行政许可|本年处理决定数量"]) for t in truths if t.year == year]
    got = next(f for f in avg["figures"] if f.get("computed"))
    assert float(got["value"]) == pytest.approx(round(sum(permits) / len(permits), 2))


def test_trend_series_with_changes(corpus):
    comp, truths = corpus
    agency = truths[0].agency
    series = {t.year: int(t.cells["行政许可|本年处理决定数量"]) for t in truths if t.agency == agency}
    res = comp.answerer.ask(f"{agency}历年行政许可本年处理决定数量")
    plain = [f["value"] for f in res["figures"] if not f.get("computed")]
    assert plain == [str(series[y]) for y in YEARS]
    changes = [f["value"].lstrip("+") for f in res["figures"] if f.get("computed")]
    assert changes == [str(series[YEARS[i + 1]] - series[YEARS[i]]) for i in range(len(YEARS) - 1)]
    _cited_cells_exist(comp, res)


def test_comparison_of_two_agencies(corpus):
    comp, truths = corpus
    a, b = [t for t in truths if t.year == 2021][:2]
    res = comp.answerer.ask(f"2021年{a.agency}和{b.agency}行政处罚本年处理决定数量相比哪个多？")
    va, vb = int(a.cells["行政处罚|本年处理决定数量"]), int(b.cells["行政处罚|本年处理决定数量"])
    values = [f["value"] for f in res["figures"]]
    assert str(va) in values and str(vb) in values and str(abs(va - vb)) in values
    _cited_cells_exist(comp, res)


def test_cross_year_checks(tmp_path):
    from assistant.crossyear import cross_year_checks

    agency_years = generate(tmp_path / "probe", 6, seed=5, years=YEARS)
    broken = (agency_years[3].agency, 2022)
    generate(tmp_path / "r", 6, seed=5, years=YEARS, breaks={broken})
    comp = Components.from_settings(index_dir=tmp_path / "i")
    comp.indexer.index([tmp_path / "r"])
    checks = cross_year_checks(comp.facts)
    failed = [c for c in checks if c["passed"] is False]
    assert checks and all(c["passed"] is not None for c in checks)
    assert failed and {(c["agency"], c["year"]) for c in failed} == {broken}
    assert all("结转" in c["rule"] for c in failed)
    res = comp.answerer.ask(f"{broken[0]}{broken[1]}年上年结转政府信息公开申请数量总计是多少？")
    assert any("跨年度校验未通过" in w for w in res["warnings"])
    ok = comp.answerer.ask(f"{agency_years[0].agency}2022年上年结转政府信息公开申请数量总计是多少？")
    assert not any("跨年度" in w for w in ok["warnings"])
    out = subprocess.run([sys.executable, "-m", "assistant", "checks", "--index", str(tmp_path / "i")],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and broken[0] in out.stdout and "结转" in out.stdout


def test_consistent_generated_pair_has_no_cross_year_failure(corpus):
    from assistant.crossyear import cross_year_checks

    comp, _ = corpus
    checks = cross_year_checks(comp.facts)
    assert len(checks) > 20 and all(c["passed"] for c in checks)


def test_series_over_missing_years_names_them(tmp_path):
    comp = Components.from_settings(index_dir=tmp_path / "i")
    comp.indexer.index([need_shared(SHARED_REPORTS)])
    res = comp.answerer.ask("洪泽区2021年到2023年历年行政许可本年处理决定数量")
    assert [f["value"] for f in res["figures"] if not f.get("computed")] == ["550"]
    assert any("2021" in w and "2022" in w for w in res["warnings"])


def test_chat_shows_series_as_chart_and_exports_csv(corpus):
    import csv

    from assistant.web.chat_ui import figures_csv, figures_table, series_of

    comp, truths = corpus
    agency = truths[0].agency
    res = comp.answerer.ask(f"{agency}历年行政许可本年处理决定数量")
    series = series_of(res)
    assert [r["年份"] for r in series] == [str(y) for y in YEARS]
    assert [r["数值"] for r in series] == [float(t.cells["行政许可|本年处理决定数量"]) for t in truths if t.agency == agency]
    rows = list(csv.reader(open(figures_csv(res), encoding="utf-8-sig")))
    assert rows[0][0] == "数值" and len(rows) == 1 + len(res["figures"])
    assert all(r[-1] for r in rows[1:])          # every exported figure carries its quote
    ranking = comp.answerer.ask("2021年哪个单位行政处罚本年处理决定数量最多？")
    assert len(figures_table(ranking)) >= 5


def test_prose_question_over_many_reports_uses_retrieval_and_says_so(corpus):
    comp, truths = corpus
    res = comp.answerer.ask("政务公开工作存在哪些问题？")
    assert res["grounded"] and "公开内容不够全面" in res["citations"][0]["quote"]
    assert any("未指明单位" in w for w in res["warnings"])
    named = comp.answerer.ask(f"{truths[4].agency}{truths[4].year}年政务公开工作存在哪些问题？")
    assert named["citations"][0]["agency"] == truths[4].agency and not any("未指明单位" in w for w in named["warnings"])


def test_ranking_over_several_years_ranks_within_each_year(corpus):
    """Figures of different years are not ranked against each other: one list per year, each
    headed by its year, each list in the order of that year's known values."""
    comp, truths = corpus
    res = comp.answerer.ask("各单位新收政府信息公开申请数量排名")
    lines = res["answer"].splitlines()
    assert "按年份分别排名" in lines[0]
    for year in YEARS:
        want = sorted((int(t.cells["本年新收|总计"]) for t in truths if t.year == year), reverse=True)[:5]
        head = next(i for i, ln in enumerate(lines) if ln.startswith(f"{year}年排名"))
        got = [int(ln.split("：")[1].split("[")[0].rstrip("件")) for ln in lines[head + 1:head + 1 + len(want)]]
        assert got == want, year
    _cited_cells_exist(comp, res)


def test_ranking_of_a_stated_figure(corpus):
    """A figure stated in the text (主动公开政府信息…条) ranks like a cell: found in every report that
    states it, one measure only, cited to its sentence."""
    comp, truths = corpus
    year = 2021
    want = sorted(((int(t.prose["主动公开政府信息"]), t.agency) for t in truths if t.year == year), reverse=True)
    res = comp.answerer.ask(f"{year}年各单位主动公开政府信息数量排名")
    assert res["grounded"] and res["figures"][0]["value"] == str(want[0][0])
    assert want[0][1] in res["answer"].splitlines()[0]
    assert f"范围：{len(want)}份报告，其中{len(want)}份有数值" in res["answer"]
    for f in res["figures"]:
        c = next(c for c in res["citations"] if c["id"] == f["citation"])
        assert f["value"] in c["quote"] and c["table"] is None
