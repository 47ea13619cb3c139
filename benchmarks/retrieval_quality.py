"""Retrieval quality on the shared question sets: for each answerable one-figure question with a
`report`, is a chunk holding that figure (a chunk of the gold report, or one of identical text in
another report: the same evidence) among the top k of `Retriever.search(question)`? Prints hit@1,
hit@5, hit@10 and MRR@10, over all reports, or (`BY_AGENCY=1`) filtered to the gold agency's reports
as the answer side filters a question that names its agency.

    python benchmarks/retrieval_quality.py INDEX_DIR SET.jsonl [SET.jsonl ...]
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def has(text: str, value: str) -> bool:
    return re.search(r"(?<![\d.])" + re.escape(value) + r"(?![\d]|\.\d)", re.sub(r"[,，\s]", "", text)) is not None


def main() -> None:
    from assistant.components import Components

    by_agency = os.environ.get("BY_AGENCY") == "1"
    comp = Components.from_settings(index_dir=Path(sys.argv[1]))
    reports = comp.facts.reports()
    by_source = {r["source"]: r for r in reports}
    tot = h1 = h5 = h10 = 0
    mrr = 0.0
    gold: dict[str, list[str]] = {}
    for path in sys.argv[2:]:
        for line in open(path, encoding="utf-8"):
            g = json.loads(line)
            if (not g.get("answerable", True) or len(g.get("figures") or []) != 1 or g.get("report") not in by_source
                    or g.get("history")):
                continue
            rep, value = by_source[g["report"]], str(g["figures"][0]).replace(",", "")
            rid = rep["report_id"]
            scope = [r["report_id"] for r in reports if r["agency"] == rep["agency"]] if by_agency else None
            hits = comp.retriever.search(g["question"], report_ids=scope, k=10, candidates=30)
            if rid not in gold:
                gold[rid] = [r["text"] for r in comp.facts._q("SELECT text FROM chunks WHERE report_id=?", (rid,))]
            texts = {t for t in gold[rid] if has(t, value)}
            ranks = [i for i, h in enumerate(hits) if h.chunk["text"] in texts]
            tot += 1
            if ranks:
                h1 += ranks[0] < 1
                h5 += ranks[0] < 5
                h10 += 1
                mrr += 1 / (ranks[0] + 1)
    print(json.dumps({"filter": "agency" if by_agency else "none", "questions": tot, "hit@1": round(h1 / tot, 3),
                      "hit@5": round(h5 / tot, 3), "hit@10": round(h10 / tot, 3), "mrr@10": round(mrr / tot, 3)}))


if __name__ == "__main__":
    main()
