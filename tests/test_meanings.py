"""One vector per meaning: paragraphs that differ only in their figures and their agency's own name
(the boilerplate thousands of agencies publish) share one vector, and search still keeps reports
apart, because which reports' chunks have a meaning is the fact store's to say. Real report: the
seed, and a copy of it published under another agency's name with other figures."""
from __future__ import annotations

from pathlib import Path

from assistant.components import Components
from index.chunker import chunk_report, paragraph_meaning
from index.loaders import load
from index.parser import parse_document

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sample_reports" / "000_3eedd7fad4cbaa0c.txt"
OTHER = "宁波市商务局"


def _copy(tmp_path: Path) -> Path:
    text = SEED.read_text(encoding="utf-8").replace("宁波市对口支援和区域合作局", OTHER)
    text = text.replace("主动公开政府信息47条", "主动公开政府信息52条").replace("2019年度", "2020年度")
    out = tmp_path / "copy.txt"
    out.write_text(text, encoding="utf-8")
    return out


def _paragraphs(path: Path):
    return [c for c in chunk_report(parse_document(load(path))) if c.kind == "paragraph"]


def test_a_paragraph_meaning_masks_figures_and_the_own_name_only():
    assert paragraph_meaning("2023年，某市某局主动公开政府信息1,234条，占12.5%。", "某市某局") == \
        "N年，本机关主动公开政府信息N条，占N。"
    # another agency named in the text stays: it is part of what the paragraph says
    assert "宁波市人民政府办公厅" in paragraph_meaning("宁波市人民政府办公厅印发2019年要点", "宁波市商务局")


def test_the_same_paragraphs_of_two_agencies_are_one_meaning(tmp_path):
    seed, copy = _paragraphs(SEED), _paragraphs(_copy(tmp_path))
    assert len(seed) == len(copy)
    changed = [(a, b) for a, b in zip(seed, copy) if a.text != b.text]
    assert changed, "the copy differs in its name, year and a figure"
    assert all(a.meaning == b.meaning for a, b in zip(seed, copy))
    assert any("47" in a.text and "52" in b.text for a, b in changed)


def test_shared_meanings_are_stored_once_and_search_keeps_reports_apart(tmp_path, hash_embeddings):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / SEED.name).write_bytes(SEED.read_bytes())
    _copy(tmp_path).rename(folder / "copy.txt")
    comp = Components.from_settings(index_dir=tmp_path / "i", embeddings=hash_embeddings)
    s = comp.indexer.index([folder])
    assert len(s.added) == 2 and not s.failed
    seed_meanings = {c.meaning for c in chunk_report(parse_document(load(SEED)))}
    assert comp.vectors.ids() == comp.facts.vector_ids() == seed_meanings     # the copy added no vector

    by_agency = {r["agency"]: r["report_id"] for r in comp.facts.reports()}
    mine = by_agency[OTHER]
    hits = comp.retriever.search("主动公开政府信息", report_ids=[mine], k=10, kinds={"paragraph"})
    assert hits and {h.chunk["report_id"] for h in hits} == {mine}
    assert any(h.dense_rank is not None for h in hits)
    assert any("52条" in h.chunk["text"] for h in hits) and not any("47条" in h.chunk["text"] for h in hits)
    # unfiltered, a shared meaning stands for its paragraphs in both reports
    both = comp.retriever.search("主动公开政府信息", k=20, kinds={"paragraph"})
    assert {h.chunk["report_id"] for h in both} == set(by_agency.values())
    # the answer reads the figure of the report asked about
    res = comp.answerer.ask(f"2019年{OTHER}主动公开了多少条政府信息？")     # the title names no year; the body's first is 2019
    assert [f["value"] for f in res["figures"]] == ["52"]

    # removing one report keeps the meanings the other still has; removing both leaves none
    comp.indexer.index([], remove=["copy.txt"])
    assert comp.vectors.ids() == comp.facts.vector_ids() and len(comp.facts.vector_ids()) > 0
    comp.indexer.index([], remove=[SEED.name])
    assert comp.vectors.ids() == comp.facts.vector_ids() == set()


def test_an_index_built_before_paragraph_meanings_still_finds_its_paragraphs(tmp_path, hash_embeddings):
    """An index written by the code before (a vector per paragraph, metadata report_id, no meaning in
    the fact store) keeps answering from its paragraphs until it is built again. Made here by
    turning a new index into the old shape: paragraph meanings dropped, per-paragraph vectors added."""
    comp = Components.from_settings(index_dir=tmp_path / "i", embeddings=hash_embeddings)
    comp.indexer.index([SEED])
    rid = next(iter(comp.facts.report_ids()))
    paras = [c for c in chunk_report(parse_document(load(SEED))) if c.kind == "paragraph"]
    store = comp.vectors
    store.delete_meanings(sorted({c.meaning for c in paras}))
    store._store._collection.upsert(ids=[c.chunk_id for c in paras],
                                    embeddings=hash_embeddings.embed_documents([c.text for c in paras]),
                                    metadatas=[{"kind": "paragraph", "report_id": rid, "agency": "", "year": 0}
                                               for _ in paras], documents=[c.text for c in paras])
    comp.facts._sql.execute("UPDATE chunks SET meaning = NULL WHERE kind = 'paragraph'")
    assert comp.facts.has_unshared_paragraphs([rid]) and comp.facts.paragraph_meanings([rid], 100) == []
    hits = comp.retriever.search("依申请公开", report_ids=[rid], k=5, kinds={"paragraph"})
    assert hits and any(h.dense_rank is not None for h in hits)
    assert {h.chunk["chunk_id"] for h in hits if h.dense_rank is not None} <= {c.chunk_id for c in paras}
