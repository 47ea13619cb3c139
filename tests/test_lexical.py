"""Lexical search in the fact store's own engine (FTS5 in SQLite, tsvector in PostgreSQL): written with
the report's facts, gone with them, nothing rebuilt and nothing on local disk."""
from __future__ import annotations

import pytest

from assistant.components import Components
from index.bm25 import tokenize

from .conftest import SAMPLE
from .servers import start_postgres

Q = "哪个处室负责牵头协调政府信息公开工作"


@pytest.fixture(scope="module")
def postgres():
    url, stop = start_postgres()
    yield url
    stop()


def _other(tmp_path):
    other = tmp_path / "other.txt"
    other.write_text(SAMPLE.read_text(encoding="utf-8").replace("宁波市对口支援和区域合作局", "宁波市检索测试局")
                     .replace("组织人事处", "综合法规处"), encoding="utf-8")
    return other


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def test_lexical_search_follows_the_reports(tmp_path, hash_embeddings, store, request):
    url = request.getfixturevalue("postgres") if store == "postgres" else ""
    comp = Components.from_settings(index_dir=tmp_path / "i", database_url=url, embeddings=hash_embeddings)
    other = _other(tmp_path)
    comp.indexer.index([SAMPLE, other])
    ids = {r["agency"]: r["report_id"] for r in comp.facts.reports()}
    seed, test = ids["宁波市对口支援和区域合作局"], ids["宁波市检索测试局"]
    hits = comp.facts.lexical_search(tokenize("组织人事处牵头协调"), k=5)
    assert hits and hits[0][0].startswith(seed + ":")
    assert all(s > 0 for _, s in hits) and [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    only = comp.facts.lexical_search(tokenize(Q), k=50, report_ids=[test])
    assert only and all(c.startswith(test + ":") for c, _ in only)
    assert comp.facts.lexical_search(tokenize(Q), k=5, report_ids=[]) == []
    assert comp.facts.lexical_search([], k=5) == []
    # quotes and operators in a query are terms, never syntax
    odd = comp.facts.lexical_search(['"', "OR", "'", "a:b", "NEAR(", "\\", *tokenize("组织人事处")], k=3)
    assert odd and odd[0][0].startswith(seed + ":")
    # the retriever ranks with it (RRF with the dense side), filters included
    rhits = comp.retriever.search(Q, report_ids=[seed], k=5)
    assert rhits and all(h.chunk["report_id"] == seed for h in rhits)
    assert any(h.bm25_rank is not None for h in rhits)
    # removed with the report, in the same transaction: no rebuild, no file beside the store
    comp.indexer.index([], remove=[seed])
    assert not any(c.startswith(seed + ":") for c, _ in comp.facts.lexical_search(tokenize("组织人事处牵头协调"), k=50))
    assert comp.facts.lexical_search(tokenize("综合法规处"), k=3)[0][0].startswith(test + ":")
    assert not list(comp.index_dir.glob("bm25*"))
    comp.indexer.index([], remove=[test])
    assert comp.facts.lexical_search(tokenize(Q), k=5) == []


def test_wide_report_filter(tmp_path, hash_embeddings, monkeypatch):
    """A filter longer than the query may carry is applied after ranking, with the same result."""
    import index.fact_store as fs

    comp = Components.from_settings(index_dir=tmp_path / "i", embeddings=hash_embeddings)
    comp.indexer.index([SAMPLE, _other(tmp_path)])
    ids = sorted(comp.facts.report_ids())
    narrow = comp.facts.lexical_search(tokenize(Q), k=10, report_ids=ids[:1])
    monkeypatch.setattr(fs, "LEXICAL_FILTER_IDS", 0)
    assert comp.facts.lexical_search(tokenize(Q), k=10, report_ids=ids[:1]) == narrow


def test_store_made_before_the_full_text_index_gets_it(tmp_path, hash_embeddings):
    """A SQLite store written by an earlier version (chunks, no chunk_fts) is filled once when opened."""
    comp = Components.from_settings(index_dir=tmp_path / "i", embeddings=hash_embeddings)
    comp.indexer.index([SAMPLE])
    want = comp.facts.lexical_search(tokenize(Q), k=5)
    comp.facts._sql.execute("DROP TABLE chunk_fts")
    comp.facts.close()
    again = Components.from_settings(index_dir=tmp_path / "i", embeddings=hash_embeddings)
    assert again.facts.lexical_search(tokenize(Q), k=5) == want


def test_postgres_store_made_before_the_full_text_index_gets_it(tmp_path, hash_embeddings, postgres):
    comp = Components.from_settings(index_dir=tmp_path / "i", database_url=postgres, embeddings=hash_embeddings)
    comp.indexer.index([SAMPLE])
    want = comp.facts.lexical_search(tokenize(Q), k=5)
    assert want
    comp.facts._sql.execute("ALTER TABLE chunks DROP COLUMN tsv")
    comp.facts.close()
    again = Components.from_settings(index_dir=tmp_path / "i", database_url=postgres, embeddings=hash_embeddings)
    assert again.facts.lexical_search(tokenize(Q), k=5) == want
    again.indexer.index([], remove=[SAMPLE.name])
