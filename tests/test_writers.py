"""Writers and readers sharing one index: a running app sees the CLI's changes without a restart,
an upload that meets a running writer is refused cleanly, reports of one agency and year are
flagged, and a killed run keeps the batches it committed."""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient

from assistant.components import Components

from .conftest import ROOT, SAMPLE, SHARED_REPORTS, need_shared

PROSE_Q = "哪个处室负责牵头协调政府信息公开工作？"


def _copy_shared(dst):
    """The shared reports but the PDFs and the largest page (slow to parse and embed; six reports
    are enough for a question over all of them to go through dense retrieval)."""
    need_shared(SHARED_REPORTS)
    dst.mkdir(parents=True)
    for p in SHARED_REPORTS.iterdir():
        if p.suffix == ".pdf" or p.name.startswith("沭阳县"):
            continue
        shutil.copy(p, dst / p.name)
        (dst / p.name).chmod(0o644)
    return dst


def _cli_index(folder, index_dir, **env):
    import os

    return subprocess.run([sys.executable, "-m", "assistant", "index", str(folder), "--index", str(index_dir)],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, **env})


@pytest.mark.slow
def test_app_follows_a_report_replaced_by_the_cli(tmp_path):
    """Issue 12 defect 2: the CLI replaces a report while the app runs; the app's next answer about it
    (a prose question over every report, so dense retrieval runs) is 200 and shows the new text."""
    import app as app_module

    reports = _copy_shared(tmp_path / "reports")
    comp = Components.from_settings(index_dir=tmp_path / "index", rate_limit_per_minute=0)
    comp.indexer.index([reports])
    with TestClient(app_module.build_app(comp)) as client:
        first = client.post("/api/ask", json={"question": PROSE_Q})
        assert first.status_code == 200 and "组织人事处" in first.json()["answer"]
        seed = reports / SAMPLE.name
        seed.write_text(seed.read_text(encoding="utf-8").replace("组织人事处为职能处室", "综合办公室为职能处室"),
                        encoding="utf-8")
        out = _cli_index(reports, tmp_path / "index")
        assert out.returncode == 0 and "updated 1" in out.stdout, out.stdout + out.stderr
        again = client.post("/api/ask", json={"question": PROSE_Q})
        assert again.status_code == 200, again.text
        assert "综合办公室为职能处室" in again.json()["answer"]
        # and once more after the CLI removes it: no 500, no answer from a report that is gone
        out = subprocess.run([sys.executable, "-m", "assistant", "index", "--remove", SAMPLE.name,
                              "--index", str(tmp_path / "index")], capture_output=True, text=True, cwd=ROOT)
        assert out.returncode == 0, out.stdout + out.stderr
        gone = client.post("/api/ask", json={"question": PROSE_Q})
        assert gone.status_code == 200 and "综合办公室为职能处室" not in gone.json()["answer"]


def test_upload_meeting_a_running_writer_is_409_and_leaves_no_file(tmp_path):
    """Issue 12 defect 4: another writer holds the index (here: its lock, held as a CLI run holds it)."""
    import app as app_module
    from index.indexer import IndexLock

    comp = Components.from_settings(index_dir=tmp_path / "index", admin_key="k", rate_limit_per_minute=0)
    comp.indexer.index([SAMPLE])
    with TestClient(app_module.build_app(comp)) as client, IndexLock(comp.index_dir, comp.facts):
        other = SAMPLE.read_text(encoding="utf-8").replace("47条", "48条")
        r = client.post("/api/reports", headers={"X-API-Key": "k"},
                        files={"file": ("r.txt", other.encode(), "text/plain")})
        assert r.status_code == 409, r.text
        assert "索引正忙" in r.json()["detail"]
        assert not any((comp.index_dir / "uploads").iterdir())
    # the lock released, the same upload goes through
    with TestClient(app_module.build_app(comp)) as client:
        r = client.post("/api/reports", headers={"X-API-Key": "k"},
                        files={"file": ("r.txt", other.encode(), "text/plain")})
        assert r.status_code == 201, r.text


def test_same_agency_and_year_twice_is_flagged(tmp_path):
    """The same report saved in GBK and in UTF-8 with one figure edited: the index run says so, the
    warning is stored with the report, and the read path can name both reports and the figure."""
    from assistant.conflicts import conflict_warnings

    folder = tmp_path / "in"
    folder.mkdir()
    text = SAMPLE.read_text(encoding="utf-8")
    (folder / "a_gbk.txt").write_bytes(text.encode("gbk"))
    (folder / "b_utf8.txt").write_text(text.replace("政府网站公开信息919条", "政府网站公开信息929条"), encoding="utf-8")
    comp = Components.from_settings(index_dir=tmp_path / "index")
    s = comp.indexer.index([folder])
    assert len(s.added) == 2 and len(s.conflicts) == 1 and "a_gbk.txt" in s.conflicts[0]
    stored = {r["source"]: r["warnings"] for r in comp.facts.reports()}
    assert any("a_gbk.txt" in w for w in stored["b_utf8.txt"])
    groups = comp.facts.conflicting_reports()
    assert len(groups) == 1 and groups[0]["agency"] == "宁波市对口支援和区域合作局" and groups[0]["year"] == 2019
    ids = {r["source"]: r["report_id"] for r in comp.facts.reports()}
    diff = [d for d in groups[0]["differing"] if "政府网站" in (d["row"] or "")]
    assert diff and diff[0]["values"] == {ids["a_gbk.txt"]: "919", ids["b_utf8.txt"]: "929"}
    warnings = conflict_warnings(comp.facts, [ids["b_utf8.txt"]])
    assert len(warnings) == 1
    assert "a_gbk.txt" in warnings[0] and "b_utf8.txt" in warnings[0] and "919" in warnings[0] and "929" in warnings[0]
    assert conflict_warnings(comp.facts, ["no-such-report"]) == []
    # an answer from either report says the other exists, and each figure names its own report
    res = comp.answerer.ask("2019年宁波市对口支援和区域合作局政府网站公开信息多少条？")
    assert {f["value"] for f in res["figures"]} == {"919", "929"}
    assert any("a_gbk.txt" in w and "b_utf8.txt" in w for w in res["warnings"])
    assert {c["source"] for c in res["citations"]} == {"a_gbk.txt", "b_utf8.txt"}
    # removing one of them ends the conflict for readers
    comp.indexer.index([], remove=["a_gbk.txt"])
    assert comp.facts.conflicting_reports() == [] and conflict_warnings(comp.facts, [ids["b_utf8.txt"]]) == []


@pytest.mark.slow
def test_killed_run_keeps_batches_committed_before_a_slow_file(tmp_path):
    """A run that is killed while a big file parses keeps the reports parsed before it (today's code
    held them all in one pending batch until 32 files or the end)."""
    need_shared(SHARED_REPORTS)
    import os

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "a.txt")
    shutil.copy(SHARED_REPORTS / "kewei-2024-source.md", folder / "b.md")
    line = SAMPLE.read_text(encoding="utf-8").splitlines()[5]
    (folder / "z_big.txt").write_text((line + "\n") * (30 * 2**20 // len(line.encode())), encoding="utf-8")
    index_dir = tmp_path / "index"
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "index", str(folder), "--index", str(index_dir)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "RA_PARSE_TIMEOUT_S": "120"})
    committed = 0
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.5)
        if (index_dir / "facts.sqlite").exists():
            committed = len(Components.from_settings(index_dir=index_dir).facts.report_ids())
            if committed == 2:
                break
    still_running = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert still_running, "the run ended before the check: the big file was too small to matter"
    assert committed == 2
    comp = Components.from_settings(index_dir=index_dir)
    assert [f["value"] for f in comp.answerer.ask("2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？")["figures"]] == ["47"]


def test_citation_of_a_report_without_agency_or_year_never_shows_none():
    """The chat's citation list (an edge owned here; the answer text is answer.py's)."""
    from assistant.web.present import answer_html

    class NoFacts:
        def paragraphs(self, ids):
            return []

        def facts(self, ids):
            return []

        def report(self, rid):
            return None

    res = {"grounded": True, "warnings": [], "citations": [{
        "id": 1, "report_id": "r1", "source": "x.txt", "agency": None, "year": None, "section": "一、总体情况",
        "table": None, "row": None, "column": None, "quote": "全年主动公开政府信息12条", "page": None}]}
    out = answer_html({**res, "answer": "全年主动公开政府信息12条[1]。"}, NoFacts(), msg=0)
    assert "None" not in out and "单位不详" in out and "年份不详" in out and "x.txt" in out
