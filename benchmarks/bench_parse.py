"""Parse time per file (median of several runs) for the shared sample reports and any files given.

    python -m benchmarks.bench_parse [FILE...]
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from index.loaders import load
from index.parser import parse_document

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    files = [Path(a) for a in sys.argv[1:]] or sorted((ROOT.parent / "shared" / "reports").glob("*"))
    print("| file | pages | bytes | load ms | parse ms | total ms | tables | facts |")
    print("|---|---|---|---|---|---|---|---|")
    for f in files:
        loads, parses = [], []
        for _ in range(5):
            t0 = time.perf_counter()
            doc = load(f)
            t1 = time.perf_counter()
            report = parse_document(doc)
            t2 = time.perf_counter()
            loads.append(t1 - t0)
            parses.append(t2 - t1)
        pages = max((ln.page or 0) for ln in doc.lines) or "-"
        lm, pm = 1000 * statistics.median(loads), 1000 * statistics.median(parses)
        print(f"| {f.name[:40]} | {pages} | {f.stat().st_size} | {lm:.1f} | {pm:.1f} | {lm + pm:.1f} | "
              f"{len(report.tables)} | {len(report.facts)} |")


if __name__ == "__main__":
    main()
