"""`eval`: run a question set through the assistant and through a naive LangChain RAG pipeline.

Scoring follows the `ask --json` contract: an expected figure must be among `figures` and its
cited quote must contain it; a negative question must be refused; prose questions must quote the
expected text. A wrong number (a figure stated where the gold has another or none) counts apart
from a refusal.
"""
from __future__ import annotations

import json
import re
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from index.errors import InputError


def _norm(v) -> str:
    return re.sub(r"[,，\s]", "", str(v))


def _contains_number(text: str, value: str) -> bool:
    return re.search(r"(?<![\d.])" + re.escape(_norm(value)) + r"(?![\d]|\.\d)", _norm(text)) is not None


def judge(gold: dict, res: dict) -> tuple[str, str]:
    """'pass', 'wrong' (a figure stated but not the expected one, or stated for a negative),
    'refused' (answerable but refused) or 'fail' (anything else), with a reason."""
    figs = res.get("figures") or []
    cits = {c.get("id"): c for c in res.get("citations") or []}
    if not gold.get("answerable", True):
        if res.get("grounded") is False and not figs:
            return "pass", "refused as expected"
        return ("wrong" if figs else "fail"), "should have refused"
    if res.get("grounded") is False:
        return "refused", "refused an answerable question"
    for want in gold.get("figures", []):
        hits = [f for f in figs if _norm(f.get("value")).lstrip("+-") == _norm(want).lstrip("+-")]
        if not hits:
            return ("wrong" if figs else "fail"), f"missing figure {want}; got {[f.get('value') for f in figs]}"
        ok = False
        for f in hits:
            if f.get("computed"):
                ok = len(f.get("citations") or []) >= 2
            else:
                c = cits.get(f.get("citation"))
                ok = bool(c) and _contains_number(c.get("quote", ""), want)
            if ok:
                break
        if not ok:
            return "fail", f"figure {want} not backed by its cited quote"
    quotes = " ".join(str(c.get("quote") or "") for c in cits.values())
    for s in gold.get("answer_contains", []):
        if s not in (res.get("answer") or "") or _norm(s) not in _norm(quotes):
            return "fail", f"answer or citations lack {s!r}"
    if not gold.get("figures") and not gold.get("answer_contains") and not cits:
        return "fail", "no citation"
    return "pass", "ok"


@dataclass
class SystemResult:
    name: str
    outcomes: list[tuple[dict, str, str]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        n = len(self.outcomes)
        by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for g, o, _ in self.outcomes:       # a set may group its questions by family as well as by kind
            for key in {g.get("kind", "?"), *([f"family:{g['family']}"] if g.get("family") else [])}:
                by_kind[key][1] += 1
                by_kind[key][0] += o == "pass"
        lat = sorted(self.latencies)
        return {
            "system": self.name, "questions": n,
            "passed": sum(o == "pass" for _, o, _ in self.outcomes),
            "wrong_figures": sum(o == "wrong" for _, o, _ in self.outcomes),
            "refused_answerable": sum(o == "refused" for _, o, _ in self.outcomes),
            "by_kind": {k: f"{a}/{b}" for k, (a, b) in sorted(by_kind.items())},
            "latency_ms_p50": round(1000 * statistics.median(lat), 1) if lat else None,
            "latency_ms_p95": round(1000 * lat[min(len(lat) - 1, int(0.95 * len(lat)))], 1) if lat else None,
            "failures": [(g["id"], o, why) for g, o, why in self.outcomes if o != "pass"],
        }


def load_questions(path: str | Path) -> list[dict]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from exc
    items = []
    for n, line in enumerate(lines, start=1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}: not JSON ({exc.msg})") from exc
    return items


def run_system(name: str, answer_fn, questions: list[dict]) -> SystemResult:
    out = SystemResult(name)
    for g in questions:
        t0 = time.perf_counter()
        res = answer_fn(g["question"])
        out.latencies.append(time.perf_counter() - t0)
        outcome, why = judge(g, res)
        out.outcomes.append((g, outcome, why))
    return out


class NaivePipeline:
    """The baseline a general RAG chat would be: split report text, embed into Chroma, top chunk wins.

    Its 'figures' are the numbers in the top chunk, all cited to that chunk; that is lenient (any
    number of the chunk counts as stated), and it never refuses.
    """

    def __init__(self, embeddings, documents: Iterable[tuple[str, dict]]):
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from index.vector_store import plain_langchain_chroma

        self._tmp = tempfile.TemporaryDirectory(prefix="naive-chroma-")
        self.store = plain_langchain_chroma(embeddings, Path(self._tmp.name), "naive")
        splitter = RecursiveCharacterTextSplitter(chunk_size=300, chunk_overlap=50,
                                                  separators=["\n\n", "\n", "。", "，", ""])
        texts, metas = [], []
        for text, meta in documents:
            pieces = splitter.split_text(text)
            texts += pieces
            metas += [meta] * len(pieces)
        for i in range(0, len(texts), 2048):
            self.store.add_texts(texts[i:i + 2048], metadatas=metas[i:i + 2048])
        self.chunks = len(texts)

    @classmethod
    def from_index(cls, comp) -> NaivePipeline:
        """Over the same report files as the index (read again, as plain text)."""
        from index.loaders import load

        docs = ((load(r["path"]).text, {"source": r["source"]}) for r in comp.facts.reports()
                if r.get("path") and Path(r["path"]).exists())
        return cls(comp.embeddings, docs)

    def ask(self, question: str) -> dict:
        docs = self.store.similarity_search(question, k=1)
        if not docs:
            return {"question": question, "answer": "", "grounded": False, "figures": [], "citations": []}
        d = docs[0]
        nums = re.findall(r"\d+(?:\.\d+)?%?", d.page_content)
        return {"question": question, "answer": d.page_content, "grounded": True,
                "figures": [{"value": n, "citation": 1} for n in nums],
                "citations": [{"id": 1, "quote": d.page_content, "source": d.metadata.get("source")}]}


def evaluate(comp, path: str, naive: bool = True) -> list[dict]:
    questions = load_questions(path)
    ours = run_system("assistant", lambda q: comp.answerer.ask(q), questions)
    out = [ours.summary()]
    if naive:
        pipeline = NaivePipeline.from_index(comp)
        out.append(run_system("naive LangChain RAG (top chunk)", pipeline.ask, questions).summary())
    return out


def print_report(summaries: list[dict]) -> None:
    keys = [("questions", "questions"), ("passed", "passed"), ("wrong_figures", "wrong figures stated"),
            ("refused_answerable", "refused (answerable)"), ("latency_ms_p50", "latency p50 ms"),
            ("latency_ms_p95", "latency p95 ms")]
    width = max(len(s["system"]) for s in summaries) + 2
    print(f"{'':24}" + "".join(f"{s['system']:>{width}}" for s in summaries))
    for key, label in keys:
        print(f"{label:24}" + "".join(f"{str(s[key]):>{width}}" for s in summaries))
    kinds = sorted({k for s in summaries for k in s["by_kind"]})
    for k in kinds:
        print(f"{'pass ' + k:24}" + "".join(f"{s['by_kind'].get(k, '-'):>{width}}" for s in summaries))
    for s in summaries:
        for qid, outcome, why in s["failures"]:
            print(f"  [{s['system']}] {qid} {outcome}: {why}")
