"""Citations and the answer object: every figure shown is added here with the source it came from.

One builder per answer numbers citations once per source location, keeps the cited facts (so the
consistency warnings of exactly those tables can be attached) and writes the JSON contract's shape,
including how the question was read (`interpretation`).
"""
from __future__ import annotations

import re


def report_name(r: dict, with_year: bool = False) -> str:
    """How an answer names a report's agency: its agency, else its title, else that it was not
    recognised, with the file's name as its sender gave it (never "None", never a server-chosen name)."""
    name = r.get("agency") or r.get("title") or f"未识别单位（{r.get('source') or '该报告'}）"
    if with_year:
        return f"{r['year']}年，{name}" if r.get("year") else f"{name}"
    return name

def empty_cell_text(f: dict) -> str:
    """Why a cell has no number: left blank by the agency, or printed so that it cannot be read
    (a portal's digit run with several splits, kept in the fact's note)."""
    return "无法从原文唯一读出" if f.get("note") else "空白，未填报"


class AnswerBuilder:
    """Accumulates figures and citations, numbering citations once per source location."""

    def __init__(self, q):
        self.q = q
        self.figures: list[dict] = []
        self.citations: list[dict] = []
        self.cited_facts: list[dict] = []
        self._ids: dict[tuple, int] = {}

    def _add(self, key: tuple, citation: dict) -> int:
        if key not in self._ids:
            self._ids[key] = len(self.citations) + 1
            self.citations.append({"id": self._ids[key], **citation})
        return self._ids[key]

    def cite_fact(self, f: dict, r: dict) -> int:
        if all(x["fact_id"] != f["fact_id"] for x in self.cited_facts):
            self.cited_facts.append(f)
        return self._add(("fact", f["fact_id"]), {
            "report_id": r["report_id"], "source": r["source"], "agency": r["agency"], "year": r["year"],
            "section": f["section"], "table": f["table_title"], "row": f["row_label"] or None,
            "column": f["col_label"], "quote": f["quote"], "page": f["page"]})

    def cite_sentence(self, p: dict, sentence: str, r: dict) -> int:
        start = p["text"].find(sentence)
        return self._add(("sent", p["report_id"], p["start_pos"], start), {
            "report_id": r["report_id"], "source": r["source"], "agency": r["agency"], "year": r["year"],
            "section": p["section"], "table": None, "row": None, "column": None, "quote": sentence,
            "page": p["page"]})

    def figure(self, f: dict, cid: int) -> None:
        label = f["label"] if f["kind"] == "prose" else " / ".join(
            x for x in (f["row_label"], f["col_label"]) if x)
        self.figures.append({"value": f["value"], "unit": f["unit"], "label": label, "citation": cid})

    def sentence(self, f: dict, r: dict, cid: int) -> str:
        who = report_name(r, with_year=True)
        if f["kind"] == "prose":
            label = re.sub(rf"^{r['year']}\s*年度?[，,]?", "", f["label"]) if r["year"] else f["label"]
            unit = "" if not f["unit"] or f["value"].endswith(f["unit"]) else f["unit"]
            return f"{who}{label}{f['value']}{unit}。[{cid}]"
        where = f"「{f['table_title']}」表" + (f"“{f['row_label']}”行" if f["row_label"] else "")
        value = f["value"] if f["value"] else f"（{empty_cell_text(f)}）"
        return f"{who}报告{where}“{f['col_label']}”栏为 {value}。[{cid}]"

    def result(self, answer: str, warnings: list[str], grounded: bool = True, checks=None) -> dict:
        """The answer object. With `checks` (consistency.Consistency), the failed checks about the
        cited facts are added to the warnings and their citations marked `check_failed`."""
        flagged: set[int] = set()
        if checks is not None:
            found, concerned = checks.for_cited(self.cited_facts)
            warnings = list(dict.fromkeys([*warnings, *found]))
            flagged = {self._ids[("fact", fid)] for fid in concerned if ("fact", fid) in self._ids}
        citations = [{**c, "check_failed": c["id"] in flagged} for c in self.citations]
        return {"question": self.q.text, "answer": answer, "grounded": grounded,
                "figures": self.figures if grounded else [], "citations": citations,
                "warnings": warnings, "interpretation": interpretation(self.q)}


def refusal(q, why: str) -> dict:
    return {"question": q.text, "answer": f"未能回答：{why}。", "grounded": False, "figures": [],
            "citations": [], "warnings": [], "interpretation": interpretation(q)}


def interpretation(q) -> dict:
    """How the question was read, for people (`text`) and programs (the parts)."""
    agencies = [m.agency for m in q.agencies]
    metrics = [m.to_json() for m in q.metrics] or ([{"table": None, "row": None, "column": None,
                                                      "subject": q.metric}] if q.metric else [])
    parts = ["、".join(agencies) or (f"{q.unknown_place}（语料中没有）" if q.unknown_place else "全部单位"),
             "、".join(f"{y}年" for y in q.years) or "全部年份"]
    described = [m.describe() for m in q.metrics] or ([f"{q.metric}（正文）"] if q.metric and q.operation != "overview" else [])
    if described:
        parts.append(" ＋ ".join(described) if q.operation == "sum" else " ／ ".join(described))
    op_names = {"value": "", "sum": "求和", "difference": "求差", "ratio": "求比例", "rank": "排名", "trend": "历年趋势",
                "compare": "比较", "change": "变化", "average": "平均", "overview": "报告概况（主要数字）"}
    if op_names.get(q.operation):
        parts.append(op_names[q.operation])
    from .understand.unread import unread_json

    return {"text": "理解为：" + " · ".join(parts), "agencies": agencies, "years": list(q.years),
            "metrics": metrics, "operation": q.operation, **unread_json(getattr(q.reading, "unread", None) or []),
            # the words each agency was read from; an agency-like name the corpus has no report of
            "agency_mentions": [{"agency": m.agency, "mention": m.mention} for m in q.agencies],
            "unknown_agency": q.unknown_place, "ignored_filters": list(q.ignored_filters)}
