"""Show a citation in its source: the table row with the cited cell, or the paragraph with the quote."""
from __future__ import annotations

import html


def source_view(facts, citation: dict) -> dict:
    """{'kind': 'row', cells: [...], 'highlight': column} or {'kind': 'paragraph', text, start, end}."""
    rid = citation.get("report_id")
    if citation.get("table"):
        cells = [f for f in facts.facts([rid]) if f["kind"] == "cell" and f["table_title"] == citation["table"]
                 and (f["row_label"] or None) == (citation.get("row") or None)]
        return {"kind": "row", "table": citation["table"], "row": citation.get("row"),
                "highlight": citation.get("column"),
                "cells": [{"column": f["col_label"], "value": f["value"]} for f in cells]}
    quote = citation.get("quote") or ""
    for p in facts.paragraphs([rid]):
        i = p["text"].find(quote)
        if quote and i >= 0:
            return {"kind": "paragraph", "section": p["section"], "text": p["text"], "start": i, "end": i + len(quote)}
    return {"kind": "paragraph", "section": citation.get("section"), "text": quote, "start": 0, "end": len(quote)}


def source_html(view: dict) -> str:
    """The same view as escaped HTML: report text never reaches the page unescaped."""
    e = html.escape
    if view["kind"] == "row":
        # a column path ("行政诉讼 / 未经复议直接起诉 / 结果维持") breaks at its slashes, never mid-word
        head = "".join(f"<th scope='col'>{'<br>'.join(e(p) for p in (c['column'] or '').split(' / '))}</th>"
                       for c in view["cells"])
        body = "".join(
            f"<td class='{'hit' if c['column'] == view['highlight'] else ''}'>{e(c['value'] or '（空）')}</td>"
            for c in view["cells"])
        title = e(view["table"]) + (" › " + e(view["row"]) if view.get("row") else "")
        # wide rows (table 四 has 15 columns) scroll sideways inside a focusable region
        return (f"<div class='src'><div class='src-title'>{title}</div>"
                f"<div class='src-scroll' tabindex='0' role='region' aria-label='{title}'>"
                f"<table class='src-row'><tr>{head}</tr><tr>{body}</tr></table></div></div>")
    t, s, en = view["text"], view["start"], view["end"]
    return (f"<div class='src'><div class='src-title'>{e(view.get('section') or '')}</div><p>"
            f"{e(t[:s])}<mark>{e(t[s:en])}</mark>{e(t[en:])}</p></div>")
