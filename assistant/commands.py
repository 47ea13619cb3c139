"""The CLI's commands on top of the wired components (printing happens here, at the edge)."""
from __future__ import annotations

import json
import logging
import sys
import time

from tqdm import tqdm

from index.errors import InputError


def run_index(comp, paths: list[str], remove: list[str]) -> int:
    if not paths and not remove:
        raise InputError("index needs at least one file or folder (or --remove ID)")

    def progress(files):
        return tqdm(files, desc="indexing", unit="file", file=sys.stderr, disable=not files)

    t0 = time.perf_counter()
    s = comp.indexer.index(paths, remove=remove, progress=progress)
    took = time.perf_counter() - t0
    print(f"added {len(s.added)}, updated {len(s.updated)}, unchanged {len(s.unchanged)}, "
          f"removed {len(s.removed)}, failed {len(s.failed)} ({s.chunks} chunks, {took:.1f}s)")
    for path, why in s.failed:
        print(f"  failed: {path}: {why}")
    return 1 if s.failed else 0


def run_ask(comp, question: str | None, batch: str | None, as_json: bool, agency: str | None,
            year: int | None) -> int:
    if not question and not batch:
        raise InputError("ask needs a question or --batch FILE.jsonl")
    from .dialogue import answer_turn, context_from_history

    answerer = comp.answerer
    if batch:
        try:
            lines = open(batch, encoding="utf-8").read().splitlines()
        except OSError as exc:
            raise InputError(f"{batch}: {exc.strerror}") from exc
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                text = item["question"]
            except (json.JSONDecodeError, KeyError, TypeError):
                print(json.dumps({"id": None, "error": f"line {n}: not an object with a 'question'"},
                                 ensure_ascii=False))
                continue
            try:
                who, when = item.get("agency") or agency, item.get("year") or year
                # earlier questions of the conversation ("history": [...]): a follow-up leans on them
                history = [{"role": "user", "content": h} for h in item.get("history") or []]
                context = context_from_history(answerer, history, agency=who, year=when) if history else None
                res = answer_turn(answerer, text, agency=who, year=when, context=context, qid=item.get("id")).result
            except Exception as exc:      # one broken answer must not cost the rest of the batch
                logging.getLogger(__name__).exception("question %s failed", item.get("id"))
                res = {"id": item.get("id"), "question": text, "answer": "未能回答：内部错误。", "grounded": False,
                       "figures": [], "citations": [], "warnings": [], "error": type(exc).__name__}
            print(json.dumps(res, ensure_ascii=False) if as_json else format_text(res), flush=True)
        return 0
    res = answer_turn(answerer, question, agency=agency, year=year).result
    print(json.dumps(res, ensure_ascii=False, indent=1) if as_json else format_text(res))
    return 0


def format_text(res: dict) -> str:
    """Plain text for people: the answer, then each citation with where it is and what it says."""
    out = [res["answer"]]
    for c in res.get("citations", []):
        where = " › ".join(x for x in (c.get("section"), c.get("table"), c.get("row"), c.get("column")) if x)
        page = f" 第{c['page']}页" if c.get("page") else ""
        out.append(f"  [{c['id']}] {c['agency']} {c['year']}年 {c['source']}{page}: {where}\n      “{c['quote']}”")
    for w in res.get("warnings", []):
        out.append(f"  ⚠ {w}")
    if res.get("candidates"):
        what = "数字" if any(c.get("value") is not None for c in res["candidates"]) else "段落"
        out.append(f"  您是不是想问（以下不是本问题的答案，只是报告中最接近的{what}）：")
    cites = {c["id"]: c for c in res.get("citations", [])}
    for c in res.get("candidates", []):
        src = cites.get(c.get("citation")) or {}
        value = "" if c.get("value") is None else f" {c['value']}{c.get('unit') or ''}"
        ask = f"  问：{c['question']}" if c.get("question") else ""
        out.append(f"    · {src.get('agency', '')} {src.get('year', '')}年 {c.get('label') or ''}{value}"
                   f"  “{src.get('quote', '')}”{ask}")
    return "\n".join(out)


def run_eval(comp, path: str, naive: bool = True) -> int:
    from .evaluate import evaluate, print_report

    report = evaluate(comp, path, naive=naive)
    print_report(report)
    return 0


def run_checks(comp, as_json: bool) -> int:
    from .crossyear import failed_checks_by_agency

    groups = failed_checks_by_agency(comp.facts)
    if not groups:
        print("all consistency checks pass", file=sys.stderr if as_json else sys.stdout)
    for r in comp.facts.reports():          # tables not read whole: how many cells, from which layout
        for t in r.get("reading") or []:
            if t["read"] < t["expected"]:
                groups.setdefault(r["agency"] or "?", []).append(
                    {"year": r["year"], "table": t["table"], "rule": "cells read / expected",
                     "expected": str(t["expected"]), "found": str(t["read"]), "kind": "reading",
                     "layouts": t["layouts"], "source": r["source"]})
    if as_json:
        print(json.dumps(groups, ensure_ascii=False, indent=1))
        return 0
    for agency, items in sorted(groups.items()):
        print(agency)
        for c in items:
            if c["kind"] == "reading":
                how = ", ".join(f"{k} {v}" for k, v in c["layouts"].items()) or "none"
                print(f"  {c['year']} {c['table']}: {c['found']} of {c['expected']} cells read ({how}); "
                      f"the rest not read (row not found in the file, or not pinned down by the rules)")
            else:
                print(f"  {c['year']} {c['table']}: {c['rule']}: expected {c['expected']}, found {c['found']}")
    return 0
