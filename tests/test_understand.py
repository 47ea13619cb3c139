"""The question model on its own: how questions are read into agencies, years, metrics and an
operation, family by family, with phrasings written for these tests (not the shared sets').

The index here uses the deterministic fake embedder from conftest: reading a question only needs
the fact store's agency list, not vectors.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from assistant.citations import interpretation
from assistant.components import Components
from assistant.understand.concepts import load_model, model
from assistant.understand.reader import find_hits, read
from index.errors import InputError

from .conftest import ROOT, SHARED_REPORTS, HashEmbeddings, need_shared


@pytest.fixture(scope="module")
def comp(tmp_path_factory):
    d = tmp_path_factory.mktemp("understand")
    c = Components.from_settings(index_dir=d / "index", embeddings=HashEmbeddings())
    c.indexer.index([need_shared(SHARED_REPORTS)])
    return c


def cells(comp, question):
    q = comp.answerer.understand(question)
    return [(m.table, m.row.id if m.row else None, m.column.id if m.column else None) for m in q.metrics], q


# --- table 三: rows (how staff name them), with the unnamed column meaning 总计 ----------------------
@pytest.mark.parametrize("question,row", [
    ("淮安市政府2024年新提出的信息公开申请有几件", "new"),
    ("2024年淮安市政府那边接到多少份公开申请", "new"),
    ("淮安市政府2024年从上一年转过来的申请还有多少", "carried_in"),
    ("2024年淮安市政府同意公开的申请是多少件", "granted"),
    ("淮安市政府2024年只公开了一部分的有几件", "partly"),
    ("淮安市政府2024年因为涉密没公开的申请数", "w_secret"),
    ("2024年淮安市政府因为会影响第三方权益而不公开的有多少", "w_third"),
    ("淮安市政府2024年属于过程性信息没公开的", "w_process"),
    ("淮安市政府2024年有多少申请要的是执法案卷", "w_enforce"),
    ("2024年淮安市政府申请的信息需要另行制作所以没提供的有几件", "u_make"),
    ("淮安市政府2024年补正后仍不明确的申请", "u_unclear"),
    ("淮安市政府2024年信访举报投诉类的申请有多少", "n_petition"),
    ("2024年淮安市政府要求提供公开出版物的申请", "n_publication"),
    ("淮安市政府2024年大量反复申请的有多少件", "n_massive"),
    ("淮安市政府2024年要求重新出具已获取信息的申请", "n_confirm"),
    ("淮安市政府2024年申请人逾期不补正的有几件", "o_overdue"),
    ("2024年淮安市政府全年办结了多少件申请", "handled_total"),
    ("淮安市政府2024年有多少申请没办完、结转到下一年", "carried_out"),
])
def test_table3_rows(comp, question, row):
    got, _ = cells(comp, question)
    assert got == [("t3", row, "total")]


# --- table 三: columns, groups and complements -------------------------------------------------------
@pytest.mark.parametrize("question,row,col", [
    ("淮安市政府2024年老百姓提交的申请有多少", "new", "natural"),
    ("2024年淮安市政府收到公司提的申请几件", "new", "business"),
    ("淮安市政府2024年科研院所申请了几次", "new", "research"),
    ("淮安市政府2024年公益组织提出的申请", "new", "ngo"),
    ("淮安市政府2024年律师事务所申请了多少件", "new", "law_firms"),
    ("2024年淮安市政府法人和其他组织一共申请了多少件", "new", "legal_persons"),
    ("淮安市政府2024年除了自然人，其他申请人提了多少件", "new", "not_natural"),
    ("淮安市政府2024年个人申请里予以公开的有几件", "granted", "natural"),
])
def test_table3_columns_groups_and_complements(comp, question, row, col):
    got, _ = cells(comp, question)
    assert got == [("t3", row, col)]


# --- table 四: blocks × results ------------------------------------------------------------------------
@pytest.mark.parametrize("question,block,result", [
    ("淮安市政府2024年信息公开被申请复议，复议维持的有几件", "review", "upheld"),
    ("2024年淮安市政府被复议后改正的有多少件", "review", "corrected"),
    ("淮安市政府2024年复议案件还在审的有几件", "review", "pending"),
    ("淮安市政府2024年没经过复议就直接告到法院的案子有多少", "direct_suit", "r_total"),
    ("淮安市政府2024年复议之后起诉、结果被维持的有几件", "suit_after_review", "upheld"),
    ("2024年淮安市政府行政诉讼一共多少件", "lawsuit", "r_total"),
])
def test_table4_blocks_and_results(comp, question, block, result):
    got, _ = cells(comp, question)
    assert got == [("t4", block, result)]


# --- table 二 ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("question,row,col", [
    ("淮安市政府2024年新印发了几件规章", "rules", "issued"),
    ("淮安市政府2024年废除了多少件红头文件", "normative", "repealed"),
    ("淮安市政府2024年仍然有效的规范性文件有多少", "normative", "in_force"),
    ("淮安市政府2024年作出了多少个行政许可决定", "licensing", "decisions"),
    ("2024年淮安市政府采取强制措施的决定有几件", "coercion", "decisions"),
    ("淮安市政府2024年行政收费收了多少钱", "fees", "fee_amount"),
    ("2019年上海市政府办公厅集中采购花了多少钱", "procurement", "procurement_amount"),
])
def test_table2_rows_and_columns(comp, question, row, col):
    got, _ = cells(comp, question)
    assert (("t2", row, col) in got) and all(g[1] == row for g in got)


# --- operations over two named items -----------------------------------------------------------------
@pytest.mark.parametrize("question,op,n", [
    ("淮安市政府2024年予以公开加上部分公开一共多少件", "sum", 2),
    ("淮安市政府2024年直接起诉的比复议后起诉的多几件", "difference", 2),
    ("淮安市政府2024年自然人和商业企业的申请合计多少", "sum", 2),
    ("淮安市政府2024年部分公开占本年新收的比例是多少", "ratio", 2),
])
def test_two_items_and_their_operation(comp, question, op, n):
    got, q = cells(comp, question)
    assert len(got) == n and q.operation == op


def test_prose_items_are_split_for_an_operation():
    r = read("|发布的财政信息比人事信息多多少条？")
    assert r.metrics == [] and r.operation == "difference" and len(r.subject_parts) == 2


# --- agencies as people name them --------------------------------------------------------------------
@pytest.mark.parametrize("question,agency", [
    ("淮安2024年新收申请多少件", "淮安市人民政府"),
    ("淮安市政府2024年新收申请多少件", "淮安市人民政府"),
    ("洪泽2023年新收申请多少件", "淮安市洪泽区人民政府"),
    ("沭阳发改局2023年新收申请多少件", "沭阳县发展和改革局"),
    ("宁波对口支援局2019年新收申请多少件", "宁波市对口支援和区域合作局"),
    ("平潭国资局2019年新收申请多少件", "平潭综合实验区国有资产管理局"),
    ("君山片区2022年新收申请多少件", "平潭综合实验区君山片区管理局"),
    ("上海市政府办公厅2019年新收申请多少件", "上海市人民政府办公厅"),
    ("上海市科学技术委员会2024年新收申请多少件", "上海市科委"),      # indexed under its short name
])
def test_agency_short_names(comp, question, agency):
    _, q = cells(comp, question)
    assert [m.agency for m in q.agencies] == [agency]


# --- absent agencies and absent metrics, per template table -------------------------------------------
@pytest.mark.parametrize("question,named", [
    ("淮安市教育局2024年新制发了几件规章？", "淮安市教育局"),                # table 二
    ("淮安市财政局2024年收到多少件公开申请？", "淮安市财政局"),              # table 三
    ("上海市教委2019年行政复议总计多少件？", "上海市教委"),                  # table 四
    ("上海市政府2019年收到多少件公开申请？", "上海市政府"),                  # its 办公厅 is another agency
])
def test_absent_agency_is_refused_by_name(comp, question, named):
    res = comp.answerer.ask(question)
    assert res["grounded"] is False and res["figures"] == []
    assert f"语料中没有{named}的报告" in res["answer"]
    assert "淮安市人民政府" in res["answer"] or "上海市人民政府办公厅" in res["answer"]


def test_a_government_is_not_its_own_bureau(comp, tmp_path):
    """平潭综合实验区 has a 2020 report; its 国有资产管理局 has 2019. The government named in full
    for 2019 is refused for the year, never answered from its bureau; and in a corpus holding only
    the bureau, the government is refused by name."""
    res = comp.answerer.ask("平潭综合实验区2019年主动公开政府信息多少条？")
    assert any(r["agency"] == "平潭综合实验区" for r in comp.answerer.reports())
    assert res["grounded"] is False and res["figures"] == [] and "2019" in res["answer"]
    bureau_only = Components.from_settings(index_dir=tmp_path / "index", embeddings=HashEmbeddings())
    bureau_only.indexer.index([need_shared(next(SHARED_REPORTS.glob("20181_*国有资产管理局2019*")))])
    res = bureau_only.answerer.ask("平潭综合实验区2019年主动公开政府信息多少条？")
    assert "语料中没有平潭综合实验区的报告" in res["answer"] and res["figures"] == []


@pytest.mark.parametrize("question,agency", [
    # a place with a government word of its own names that place's government
    ("平潭管委会2020年共受理政府信息公开申请多少件？", "平潭综合实验区"),
    ("平潭综合实验区管委会2020年主动公布了多少条政府信息？", "平潭综合实验区"),
    ("平潭实验区政府2020年主动公布了多少条政府信息？", "平潭综合实验区"),
    # the agency's parent named as context, the agency itself named too
    ("上海市政府办公厅2019年编发了几期上海市政府公报？", "上海市人民政府办公厅"),
    ("2019年经政务公开工作机构审核的上海市政府公文，主动公开率达到多少？（上海市政府办公厅年报）", "上海市人民政府办公厅"),
])
def test_governments_by_their_other_names(comp, question, agency):
    q = comp.answerer.understand(question)
    assert [m.agency for m in q.agencies] == [agency] and q.unknown_place is None
    assert not any(w in q.metric for w in ("管委会", "实验区政府", "办公厅")), q.metric     # the name is not the metric


@pytest.mark.parametrize("question,unknown", [
    ("淮安市公安局的政府信息公开申请一年受理多少件？", "淮安市公安局"),      # "…的政府" is no government word
    ("上海市政府2019年行政复议总计多少件？", "上海市政府"),               # its 办公厅 is not the government
    ("平潭管委会教育局2020年主动公开了多少条政府信息？", "平潭管委会教育局"),
])
def test_other_agencies_of_a_place_stay_unknown(comp, question, unknown):
    q = comp.answerer.understand(question)
    assert q.unknown_place == unknown and q.agencies == []
    assert comp.answerer.ask(question)["figures"] == []


@pytest.mark.parametrize("question", [
    "淮安市政府2024年政府网站的访问量是多少？",                        # next to table 二's words
    "淮安市政府2024年信息公开申请的满意率是多少？",                    # next to table 三's words
    "淮安市政府2024年行政复议案件的平均用时是多少？",                  # next to table 四's words
])
def test_absent_metric_is_refused(comp, question):
    res = comp.answerer.ask(question)
    assert res["grounded"] is False and res["figures"] == []


# --- the interpretation travels with every answer, and `understand` prints it ---------------------------
def test_interpretation_text(comp):
    q = comp.answerer.understand("2024年淮安市人民政府收到的申请里，律所提了多少件？")
    it = interpretation(q)
    assert it["text"] == "理解为：淮安市人民政府 · 2024年 · 表三 本年新收政府信息公开申请 × 法律服务机构"
    assert it["metrics"] == [{"table": "表三", "row": "本年新收政府信息公开申请", "column": "法律服务机构",
                              "subject": None}]
    res = comp.answerer.ask("2024年淮安市人民政府收到的申请里，律所提了多少件？")
    assert res["interpretation"]["text"] == it["text"]


def test_understand_command(comp):
    out = subprocess.run([sys.executable, "-m", "assistant", "understand", "淮安市政府2024年复议后起诉的有几件",
                          "--json", "--index", str(comp.settings.index_dir)], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["agencies"] == ["淮安市人民政府"] and got["years"] == [2024]
    assert got["metrics"][0]["row"] == "行政诉讼（复议后起诉）" and got["metrics"][0]["column"] == "总计"


# --- the data file -------------------------------------------------------------------------------------
def test_longest_word_wins():
    hits = find_hits("部分公开和全部公开")
    assert [h.word for h in hits] == ["部分公开", "全部公开"]


def test_data_file_mistakes_are_clear_errors(tmp_path):
    bad = tmp_path / "concepts.yaml"
    bad.write_text("tables:\n  t3:\n    name: 表三\n    rows:\n      - {id: a, plain: A, parts: [nope]}\n",
                   encoding="utf-8")
    with pytest.raises(InputError, match="refers to nope"):
        load_model(bad)
    bad.write_text("tables:\n  t3:\n    name: 表三\n    rows:\n      - {id: a, plain: A, labels: [A]}\n"
                   "overview:\n  cells: [[t3, a, total]]\n", encoding="utf-8")
    with pytest.raises(InputError, match="overview cell"):
        load_model(bad)
    assert len(model().tables) == 3 and model().overview_cells


@pytest.mark.parametrize("question,overview", [
    ("沭阳县发改局2023年政府信息公开情况怎么样？", True),
    ("洪泽区2023年的年报主要讲了什么？", True),
    ("上海市政府办公厅2019年信息公开工作总体情况如何？", True),
    ("淮安市政府2024年依申请公开情况怎么样？", True),
    ("淮安市政府2024年依申请公开收到多少件，情况怎么样？", False),     # asks a number
    ("洪泽区2023年行政复议情况怎么样？", False),                        # names a cell of table 四
    ("洪泽区2023年政府信息公开工作存在哪些问题？", False),
])
def test_overview_questions(comp, question, overview):
    q = comp.answerer.understand(question)
    assert (q.operation == "overview") is overview, (q.operation, q.metric)


@pytest.mark.parametrize("question,agencies", [
    # two agencies named apart, however short one of the names: both are meant
    ("2023年洪泽区和沭阳发改局比，哪家新收的申请多？", {"淮安市洪泽区人民政府", "沭阳县发展和改革局"}),
    ("洪泽区跟沭阳发改局2023年办理结果总计哪个多", {"淮安市洪泽区人民政府", "沭阳县发展和改革局"}),
    ("24年淮安市政府和上海科委，谁的行政许可决定数多", {"淮安市人民政府", "上海市科委"}),
    ("君山片区与平潭国资局新收申请哪个多", {"平潭综合实验区君山片区管理局", "平潭综合实验区国有资产管理局"}),
    # one agency named by words that also fit others: still one
    ("沭阳发改局2023年新收申请多少件", {"沭阳县发展和改革局"}),
    ("平潭国资局2019年新收申请多少件", {"平潭综合实验区国有资产管理局"}),
])
def test_two_agencies_named_apart_are_both_read(comp, question, agencies):
    q = comp.answerer.understand(question)
    assert {m.agency for m in q.agencies} == agencies and q.unknown_place is None


@pytest.mark.parametrize("question,years", [
    ("24年淮安市政府新收申请多少件", [2024]),
    ("洪泽区23年度新收申请多少件", [2023]),
    ("19年到20年平潭新收申请多少件", [2019, 2020]),
    ("上海市政府办公厅近10年新收申请多少件", []),          # a count of years, not 2010
    ("连续12年公开的信息有多少条", []),
    ("2023年底结转了多少件", [2023]),
])
def test_short_years_are_read(comp, question, years):
    assert comp.answerer.understand(question).years == years


@pytest.mark.parametrize("question", [
    "洪泽区23年依申请公开平均多少天办结",
    "淮安市政府2024年答复申请平均用了多长时间",
    "2023年洪泽区依申请公开平均办理天数是多少",
    "沭阳发改局2023年答复一件申请要几个工作日",
])
def test_a_duration_is_never_a_count_cell(comp, question):
    """No template cell is a number of days: only a duration the text states answers these (the
    shared reports state none), never 办理结果总计 or 本年新收; and "平均办理" names no agency."""
    q = comp.answerer.understand(question)
    assert q.metrics == [] and q.unknown_place is None
    res = comp.answerer.ask(question)
    assert res["figures"] == [] and res["grounded"] is False, res["answer"]


def test_other_alone_does_not_name_the_applicant_table():
    """"除了“其他”类，哪一类最多" is about the text's categories: the 其他 column of table 三 alone
    does not name that table (a specific applicant column does)."""
    assert read("|全区公布的信息，除了“其他”类，哪一类最多？").metrics == []
    assert [(x.row.id, x.column.id) for x in read("|商业企业提交了几件").metrics] == [("new", "business")]
    assert [(x.row.id, x.column.id) for x in read("|“其他”申请人新收了几件").metrics] == [("new", "other_org")]


@pytest.mark.parametrize("question,agency", [
    ("无锡市开发区发展和改革委员会2024年行政强制本年处理决定数量是多少？", "无锡市开发区发展和改革委员会"),
    ("昆明市高新区自然资源和规划局2025年主动公开政府信息多少条？", "昆明市高新区自然资源和规划局"),
    ("平潭综合实验区君山片区管理局2022年新收申请多少件", "平潭综合实验区君山片区管理局"),
])
def test_a_zone_after_a_city_adds_no_place(question, agency):
    """"无锡市开发区…": 开发区 is a kind of zone of 无锡, not a place "锡市" that no agency fits (the
    generated corpus's 开发区/高新区 agencies were refused by such a name)."""
    from assistant.understand.question import parse_question

    names = ["无锡市开发区发展和改革委员会", "昆明市高新区自然资源和规划局", "兰州市高新区文化广电旅游局",
             "杭州市开发区住房和城乡建设局", "平潭综合实验区君山片区管理局", "平潭综合实验区"]
    q = parse_question(question, [{"agency": n, "aliases": []} for n in names])
    assert [m.agency for m in q.agencies] == [agency] and q.unknown_place is None


def test_the_question_model_names_only_labels_of_the_template():
    """The template is defined once (index/templates.py, what the write path stores); every label a
    concept of concepts.yaml stands for is inside a stored row or column label there."""
    from assistant.understand.concepts import model
    from index.templates import ITEM_COLUMNS, ITEM_ROWS, T3_COLUMNS, T3_VARIANTS, T4_COLUMNS

    parts = {seg for path in (*T3_COLUMNS, *T4_COLUMNS, *(r for rows in T3_VARIANTS.values() for r in rows))
             for seg in path.split(" / ")}
    parts |= {sp for _, sps in ITEM_ROWS.values() for sp in sps}
    parts |= {c for items in ITEM_COLUMNS.values() for cols in items.values() for c in cols}
    # (a label is matched inside a stored label, as the lookup does: 收费金额 in 本年收费金额（单位：万元）)
    stray = [(c.table, c.id, label) for c in model().all_concepts() for label in c.labels
             if not any(label in p for p in parts)]
    assert stray == []
