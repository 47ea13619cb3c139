"""The scale benchmark in small (what CI runs; `benchmarks/bench_scale.py` is the benchmark): a few
hundred generated reports in each fact store, indexed by two parse workers; every generated
question answered as known, no wrong figure, few vectors per report, lexical search and one-report
changes working on the grown index."""
from __future__ import annotations

import random

import pytest

from assistant.components import Components
from assistant.evaluate import judge
from benchmarks.generate_corpus import PORTAL_FORMATS, generate, questions
from index.bm25 import tokenize

from .servers import start_postgres

N = 200


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    truths = generate(folder, N + 1, formats=PORTAL_FORMATS)
    spare = folder / truths[-1].file
    moved = folder.parent / f"spare_{spare.name}"
    spare.rename(moved)
    return folder, truths[:N], moved


@pytest.fixture(scope="module")
def postgres():
    url, stop = start_postgres()
    yield url
    stop()


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_a_few_hundred_reports(tmp_path, corpus, hash_embeddings, store, request):
    folder, truths, spare = corpus
    url = request.getfixturevalue("postgres") if store == "postgres" else ""
    comp = Components.from_settings(index_dir=tmp_path / "i", database_url=url, embeddings=hash_embeddings,
                                    index_workers=2)
    s = comp.indexer.index([folder])
    assert len(s.added) == N and not s.failed
    # each paragraph and row meaning once: the generated reports share their wording, so the store
    # holds fewer vectors than there are reports
    assert comp.vectors.count() == len(comp.facts.vector_ids()) <= N
    qs = random.Random(5).sample(questions(truths), 100)
    outcomes = [judge(g, comp.answerer.ask(g["question"]))[0] for g in qs]
    assert outcomes.count("wrong") == 0
    # a question that names its agency never walks every report (at 100,000 reports that walk is the
    # answer's cost): its scope, years and checks are lookups
    ev = comp.answerer._refresh()
    walked = []

    class Watched(list):
        def __iter__(self):
            walked.append(1)
            return super().__iter__()

    ev.reports = Watched(ev.reports)
    comp.answerer._readings = (ev.generation, {})          # read each question again, too
    again = [judge(g, comp.answerer.ask(g["question"]))[0] for g in qs[:30]]
    assert again == outcomes[:30] and not walked
    assert outcomes.count("pass") == len(qs), [(g["question"], o) for g, o in zip(qs, outcomes) if o != "pass"][:5]
    hits = comp.retriever.search(f"{truths[0].agency}{truths[0].year}年主动公开政府信息", k=5)
    assert hits and hits[0].bm25_rank is not None
    # a paragraph meaning shared by every report stands for the paragraph of the report asked about
    rid = comp.facts.reports_of(truths[0].agency, truths[0].year)[0]["report_id"]
    own = comp.retriever.search("主动公开情况", report_ids=[rid], k=5, kinds={"paragraph"})
    assert own and {h.chunk["report_id"] for h in own} == {rid} and own[0].dense_rank is not None
    # one more report, replaced, removed: the lexical index and the answers follow each step
    new = folder / spare.name
    new.hardlink_to(spare)
    try:
        assert len(comp.indexer.index([new]).added) == 1
        rid = comp.facts.report_id_of_path(str(new.resolve()))
        assert comp.facts.lexical_search(tokenize("主动公开政府信息"), k=3, report_ids=[rid])
        new.unlink()
        new.write_text(spare.read_text(encoding="utf-8").replace("年", "年 ", 1), encoding="utf-8")
        assert len(comp.indexer.index([new]).updated) == 1
        rid2 = comp.facts.report_id_of_path(str(new.resolve()))
        assert rid2 != rid and not comp.facts.lexical_search(tokenize("主动公开政府信息"), k=3, report_ids=[rid])
        assert comp.indexer.index([], remove=[new.name]).removed == [rid2]
        assert not comp.facts.lexical_search(tokenize("主动公开政府信息"), k=3, report_ids=[rid2])
        assert len(comp.facts.report_ids()) == N
    finally:
        new.unlink(missing_ok=True)


def test_agency_mentions_grow_in_one_pass_as_before():
    """At national scale a question's place has a thousand agencies, each matched per question; the
    mention now grows in one pass (leftmost match of each next character). It must find what the
    prefix-by-prefix subsequence check found, for the generated corpus's agencies and real names."""
    import re

    from assistant.understand import question as qm
    from benchmarks.generate_corpus import all_agencies

    def before(q: str, agency: str) -> tuple | None:          # the former growth, as the oracle
        best = None
        full = qm._plain(agency)
        if full in q:
            return full, 3.0 + len(full) / 100
        for depth, root in enumerate(qm._places(full)):
            for m in re.finditer(re.escape(root), q):
                start, end = m.start(), m.end()
                tail = full[full.index(root) + len(root):]
                k = end
                while k < len(q) and qm._is_subsequence(q[end:k + 1], tail):
                    k += 1
                if k == end + 1 and q[end] not in qm._name_endings(full):
                    k = end
                mention = q[start:k]
                rest = mention[len(root):]
                score = 0.5 if not rest else 0.6 if rest in qm._ADMIN_SUFFIX and len(rest) == 1 \
                    else 0.6 + (len(root) + len(rest)) / len(full)
                if best is None or score + 0.01 * depth > best[1]:
                    best = (mention, score + 0.01 * depth)
        return best

    names = all_agencies()[:8000:9] + ["淮安市人民政府", "淮安市洪泽区人民政府", "平潭综合实验区国有资产管理局",
                                       "平潭综合实验区君山片区管理局", "沭阳县发展和改革局", "上海市人民政府办公厅"]
    questions = [f"2023年{a}主动公开了多少条政府信息？" for a in names[::60]] + [
        "洪泽区2023年受理了多少件申请", "平潭有事你说", "淮安市清江浦区受理多少件", "宁波市鼓楼区和西湖区财政局分别收到多少申请",
        "上海办公厅2019年公开了多少", "平潭实验区国资局规范性文件", "宁波宁波市财政局财政"]
    compared = 0
    for q in questions:
        for a in names:
            got = qm.match_agency(q, a, [], folded=True)
            assert (None if got is None else (got.mention, got.score)) == before(q, a), (q, a)
            compared += got is not None
    assert compared > 1000
