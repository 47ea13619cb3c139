"""Hostile files (issue 12, defect 1 and the smaller ones): a corpus generated here — a zip-bomb
DOCX, a PDF whose one stream inflates past the memory cap, a 45 MB text, a table of garbage
numbers, a UTF-8 text cut mid-character — each fails alone with a clear error (or is indexed with
a warning) within the limits; the server stays small and answers as before."""
from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import httpx
import pytest

from assistant.components import Components
from index.errors import InputError, ParseLimitError
from index.sandbox import SandboxedParser, SandboxLimits, check_archive

from .conftest import ROOT, SAMPLE, SHARED_REPORTS, need_shared
from .servers import free_port, stop_process, wait_port

MB = 1024 * 1024


def _deflated(total_mb: int, byte: bytes = b"\0") -> bytes:
    c = zlib.compressobj(9)
    block = byte * MB
    return b"".join(c.compress(block) for _ in range(total_mb)) + c.flush()


def zip_bomb_docx(path: Path, unpacked_mb: int = 600) -> Path:
    """A real DOCX whose document.xml inflates to `unpacked_mb` (about 1000:1)."""
    import docx

    base = io.BytesIO()
    docx.Document().save(base)
    src = zipfile.ZipFile(base)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                z.writestr(info, src.read(info))
        with z.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                     b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>')
            block = "年度报告".encode() * (MB // 12)
            for _ in range(unpacked_mb):
                fh.write(block)
            fh.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return path


def pdf_bomb(path: Path, inflated_mb: int = 1200) -> Path:
    """A one-page PDF whose content stream inflates to `inflated_mb` (past the 1 GB cap)."""
    stream = _deflated(inflated_mb)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + o + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for o in offsets:
        out.write(b"%010d 00000 n \n" % o)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    path.write_bytes(out.getvalue())
    return path


def big_text(path: Path, mb: int = 45) -> Path:
    """45 MB of report text: a report's lines repeated (what a crawler's concatenated dump looks like)."""
    block = SAMPLE.read_text(encoding="utf-8") + "\n"
    path.write_text(block * (mb * MB // len(block.encode())), encoding="utf-8")
    return path


def garbage_table(path: Path) -> Path:
    """A real report followed by a table of random numbers (no labels, no template)."""
    rnd = random.Random(12)
    rows = "\n".join("\t".join(str(rnd.randint(0, 10**6)) for _ in range(7)) for _ in range(30))
    text = need_shared(SHARED_REPORTS / "kewei-2024-source.md").read_text(encoding="utf-8")
    path.write_text(text + "\n\n附表\n" + rows + "\n", encoding="utf-8")
    return path


def cut_mid_character(path: Path) -> Path:
    """A real report whose last character lost its last byte (a truncated download)."""
    src = need_shared(SHARED_REPORTS / "20181_平潭综合实验区国有资产管理局2019年政府信息公开工作年度报告_page.txt")
    data = src.read_bytes().rstrip() + "完毕".encode()
    path.write_bytes(data[:-1])
    return path


# --- the mechanism, in process ------------------------------------------------------------------

def test_archive_checks_refuse_a_zip_bomb_without_inflating_it(tmp_path):
    bomb = zip_bomb_docx(tmp_path / "bomb.docx", unpacked_mb=150)
    assert bomb.stat().st_size < 2 * MB
    t0 = time.perf_counter()
    with pytest.raises(ParseLimitError, match="unpack to 15[0-9] MB"):
        check_archive(bomb.read_bytes(), bomb.name, SandboxLimits())
    with pytest.raises(ParseLimitError, match="compressed"):
        check_archive(bomb.read_bytes(), bomb.name, SandboxLimits(archive_max_mb=1000))
    with pytest.raises(ParseLimitError, match="entries"):
        check_archive(bomb.read_bytes(), bomb.name, SandboxLimits(archive_max_entries=3))
    assert time.perf_counter() - t0 < 1.0


def test_worker_time_and_memory_limits(tmp_path):
    """A file over the time limit and one over the memory cap each fail alone; the next file in
    the same run parses (the worker is replaced after a failure)."""
    slow = big_text(tmp_path / "slow.txt", mb=12)
    bomb = pdf_bomb(tmp_path / "bomb.pdf", inflated_mb=600)
    with SandboxedParser(SandboxLimits(seconds=2, memory_mb=512)) as sb:
        t0 = time.perf_counter()
        with pytest.raises(ParseLimitError, match="longer than the 2 s limit"):
            sb.parse(slow, 50 * MB)
        assert time.perf_counter() - t0 < 4
        with pytest.raises(InputError, match="(?i)memory|allocate"):
            sb.parse(bomb, 50 * MB)
        ok = sb.parse(SAMPLE, 50 * MB)
    assert ok.report.meta.agency == "宁波市对口支援和区域合作局" and ok.chunks and ok.tokens


def test_garbage_table_and_cut_text_are_indexed_with_warnings(tmp_path, hash_embeddings):
    folder = tmp_path / "in"
    folder.mkdir()
    garbage_table(folder / "garbage.md")
    cut_mid_character(folder / "cut.txt")
    comp = Components.from_settings(index_dir=tmp_path / "index", embeddings=hash_embeddings)
    s = comp.indexer.index([folder])
    assert sorted(Path(p).name for p in s.added) == ["cut.txt", "garbage.md"] and not s.failed
    warnings = {r["source"]: r["warnings"] for r in comp.facts.reports()}
    assert any("30行数字表格未能识别" in w for w in warnings["garbage.md"])
    assert any("不完整的字符" in w for w in warnings["cut.txt"])
    assert not any("表格" in w for w in warnings["cut.txt"])
    # the cut report is whole but for its last character: its figures are there
    cut = next(r for r in comp.facts.reports() if r["source"] == "cut.txt")
    assert cut["agency"] and cut["year"] == 2019


# --- the running server ---------------------------------------------------------------------------

def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


QUESTIONS = ["2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？",
             "2019年宁波市对口支援和区域合作局政府网站公开信息多少条？",
             "宁波市对口支援和区域合作局哪个处室负责牵头协调政府信息公开工作？"]


@pytest.mark.slow
def test_hostile_uploads_fail_alone_and_the_server_stays_small(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    files = {"bomb.docx": zip_bomb_docx(corpus / "bomb.docx"), "bomb.pdf": pdf_bomb(corpus / "bomb.pdf"),
             "big.txt": big_text(corpus / "big.txt"), "garbage.md": garbage_table(corpus / "garbage.md"),
             "cut.txt": cut_mid_character(corpus / "cut.txt")}
    index_dir = tmp_path / "index"
    seed_dir = tmp_path / "seed"                    # one report first (the bundled corpus holds nine)
    seed_dir.mkdir()
    (seed_dir / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RA_ADMIN_KEY": "k", "RA_MAX_UPLOAD_MB": "50",
           "RA_MAX_FILE_MB": "50", "RA_RATE_LIMIT_PER_MINUTE": "12", "RA_SAMPLE_DIR": str(seed_dir)}
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--index", str(index_dir)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_port(port, 120), "app did not start"
        with httpx.Client(base_url=base, timeout=120) as c:
            before = [c.post("/api/ask", json={"question": q}).json() for q in QUESTIONS]
            assert [f["value"] for f in before[0]["figures"]] == ["47"]
            results = {}
            for name, path in files.items():
                t0 = time.perf_counter()
                r = c.post("/api/reports", headers={"X-API-Key": "k"},
                           files={"file": (name, path.read_bytes(), "application/octet-stream")})
                results[name] = (r.status_code, r.json().get("detail", ""), time.perf_counter() - t0)
            # each hostile file fails alone, with a message that says why, inside the time limit
            # (in Chinese since issue 21: every error a person or a program sees)
            assert results["bomb.docx"][0] == 422 and "压缩包解压后有" in results["bomb.docx"][1]
            assert results["bomb.pdf"][0] == 422 and any(w in results["bomb.pdf"][1].lower()
                                                         for w in ("内存", "allocate"))
            assert results["big.txt"][0] == 422 and ("内存" in results["big.txt"][1]
                                                     or "60秒的时限" in results["big.txt"][1])
            assert all(t < 75 for _, _, t in results.values()), results
            assert not any(str(tmp_path) in d for _, d, _ in results.values())   # no server paths in errors
            # the odd-but-honest files are indexed, each with a warning
            assert results["garbage.md"][0] == 201 and results["cut.txt"][0] == 201, results
            reports = {r["source"].split("-")[0].split(".")[0]: r for r in c.get("/api/reports").json()}   # as sent
            assert any("数字表格未能识别" in w for w in reports["garbage"]["warnings"])
            assert any("不完整的字符" in w for w in reports["cut"]["warnings"])
            kept = sorted(p.name.split("-")[0] for p in (index_dir / "uploads").iterdir())
            assert kept == ["cut", "garbage"]                     # the refused files left nothing behind
            after = [c.post("/api/ask", json={"question": q}).json() for q in QUESTIONS]
            assert after == before
            assert c.get("/api/health").json()["reports"] == 3
            # X-Forwarded-For from a client on 127.0.0.1 does not buy a fresh budget (uvicorn would trust it)
            codes = [c.post("/api/ask", json={"question": QUESTIONS[0]},
                            headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(12)]
            assert 429 in codes and set(codes) <= {200, 429}
        peak = _peak_rss_mb(proc.pid)
        print(f"\nhostile uploads: {results}; server peak RSS {peak:.0f} MB")
        assert peak < 1536, f"server peak RSS {peak:.0f} MB"
    finally:
        stop_process(proc)
