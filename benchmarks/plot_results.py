"""Draw docs/benchmarks.svg from benchmarks/results/scale*.json: accuracy and answer latency p95,
this project beside the naive pipeline, per corpus size. Plain SVG, no plotting library needed.

    python -m benchmarks.plot_results
"""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rows() -> list[dict]:
    rows = {}
    for f in sorted((ROOT / "benchmarks" / "results").glob("scale-*.json")):
        for r in json.loads(f.read_text(encoding="utf-8")):
            rows[r["reports"]] = r
    return [rows[k] for k in sorted(rows)]


def _pct(acc: str) -> float:
    a, b = acc.split("/")
    return round(100.0 * int(a) / int(b), 1)


def panel(x0: int, title: str, groups: list[tuple[str, float | None, float | None]], unit: str, vmax: float) -> str:
    w, h, top = 360, 220, 40
    out = [f'<text x="{x0 + w / 2}" y="20" text-anchor="middle" font-size="14">{title}</text>',
           f'<line x1="{x0 + 30}" y1="{top + h}" x2="{x0 + w}" y2="{top + h}" stroke="#333"/>']
    gw = (w - 40) / max(1, len(groups))
    for i, (label, ours, naive) in enumerate(groups):
        gx = x0 + 40 + i * gw
        for j, (v, color) in enumerate(((ours, "#1565c0"), (naive, "#ef6c00"))):
            if v is None:
                continue
            bh = h * min(v, vmax) / vmax
            bx = gx + j * (gw / 2 - 6)
            out.append(f'<rect x="{bx:.0f}" y="{top + h - bh:.0f}" width="{gw / 2 - 10:.0f}" height="{bh:.0f}" fill="{color}"/>')
            out.append(f'<text x="{bx + (gw / 2 - 10) / 2:.0f}" y="{top + h - bh - 4:.0f}" text-anchor="middle" '
                       f'font-size="11">{v:g}{unit}</text>')
        out.append(f'<text x="{gx + gw / 2 - 8:.0f}" y="{top + h + 16}" text-anchor="middle" font-size="12">{label}</text>')
    return "\n".join(out)


def main() -> None:
    rows = _rows()
    acc = [(f"{r['reports']}", _pct(r["accuracy"]), _pct(r["naive"]["accuracy"]) if "naive" in r else None) for r in rows]
    lat = [(f"{r['reports']}", r["answer_p95_ms"], r["naive"]["answer_p95_ms"] if "naive" in r else None) for r in rows]
    vmax = max([v for _, a, b in lat for v in (a, b) if v] + [1]) * 1.15
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="780" height="300" font-family="sans-serif">',
           '<rect width="100%" height="100%" fill="white"/>',
           panel(0, "accuracy on generated questions (%)", acc, "", 115),
           panel(400, "answer latency p95 (ms)", lat, "", vmax),
           '<rect x="250" y="282" width="10" height="10" fill="#1565c0"/><text x="264" y="291" font-size="12">this project</text>',
           '<rect x="380" y="282" width="10" height="10" fill="#ef6c00"/><text x="394" y="291" font-size="12">naive LangChain RAG</text>',
           '<text x="560" y="291" font-size="12">x axis: reports in corpus</text>', "</svg>"]
    out = ROOT / "docs" / "benchmarks.svg"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(svg), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
