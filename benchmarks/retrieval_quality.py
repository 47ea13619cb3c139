"""Retrieval quality: for answerable single-figure questions, is a chunk of the gold report holding
the figure among the top k of Retriever.search(question) over all reports? hit@1/5/10, MRR@10."""
import json, re, sys
from pathlib import Path
from assistant.components import Components
idx = Path(sys.argv[1]); sets = sys.argv[2:]
import os; BY_AGENCY = os.environ.get("BY_AGENCY") == "1"
comp = Components.from_settings(index_dir=idx)
src = {r["source"]: r["report_id"] for r in comp.facts.reports()}
def has(text, v):
    return re.search(r"(?<![\d.])" + re.escape(v) + r"(?![\d]|\.\d)", re.sub(r"[,，\s]", "", text)) is not None
tot = h1 = h5 = h10 = 0; mrr = 0.0; gold = {}
for s in sets:
    for line in open(s, encoding="utf-8"):
        g = json.loads(line)
        if not g.get("answerable", True) or len(g.get("figures") or []) != 1 or g.get("report") not in src or g.get("history"):
            continue
        rid, v = src[g["report"]], str(g["figures"][0]).replace(",", "")
        agency = next(r["agency"] for r in comp.facts.reports() if r["report_id"] == rid)
        scope = [r["report_id"] for r in comp.facts.reports() if r["agency"] == agency] if BY_AGENCY else None
        hits = comp.retriever.search(g["question"], report_ids=scope, k=10, candidates=30)
        if rid not in gold:
            gold[rid] = [r["text"] for r in comp.facts._q("SELECT text FROM chunks WHERE report_id=?", (rid,))]
        texts = {t for t in gold[rid] if has(t, v)}      # a row identical in another report is the same evidence
        ranks = [i for i, h in enumerate(hits) if h.chunk["text"] in texts]
        tot += 1
        if ranks:
            r = ranks[0]; h1 += r < 1; h5 += r < 5; h10 += 1; mrr += 1 / (r + 1)
print(json.dumps({"filter": "agency" if BY_AGENCY else "none", "questions": tot, "hit@1": round(h1 / tot, 3), "hit@5": round(h5 / tot, 3),
                  "hit@10": round(h10 / tot, 3), "mrr@10": round(mrr / tot, 3)}))
