"""Report -> chunks: each paragraph (prefixed by its section path) and each table row (with headers).

A chunk's `embed_text` is its meaning without what differs from report to report: a table row's
labels (table, row and column, no figures), and a paragraph's words with its figures, and the
report's own agency name, put as placeholders. Thousands of agencies publish the same paragraphs
with their own name and numbers ("2023年，某某局认真贯彻落实《条例》…"); each such meaning is one
vector for the whole corpus (id `meaning`, a hash of its embedding text) and the fact store says
which reports' chunks have it. The figures stay in `text`: lexical search and display read them.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .model import Report

MAX_CHARS = 500


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    report_id: str
    kind: str            # "paragraph" or "table_row"
    text: str
    embed_text: str
    section: str
    table: str | None = None
    row: str | None = None
    start: int | None = None
    end: int | None = None
    page: int | None = None
    meaning: str | None = None    # the id of the chunk's meaning's one vector (paragraphs: "para:…")


FIGURE = re.compile(r"\d+(?:[.,]\d+)*%?")
FIGURE_MARK = "N"          # what a figure becomes in a paragraph's embedding text
OWN_NAME = "本机关"         # what the report's own agency name becomes


def meaning_id(embed_text: str, prefix: str = "row") -> str:
    """The vector id of a meaning: the same labels (or masked words) in any report are one vector."""
    return f"{prefix}:" + hashlib.sha1(embed_text.encode()).hexdigest()[:20]


def paragraph_meaning(text: str, agency: str | None) -> str:
    """A paragraph's embedding text: its figures and its report's own agency name as placeholders,
    so paragraphs that differ only in those share one vector (dense search matches words; the
    figures are matched lexically and read from the text)."""
    if agency and len(agency) >= 3:
        text = text.replace(agency, OWN_NAME)
    return FIGURE.sub(FIGURE_MARK, text)


def _split_long(text: str) -> list[tuple[int, int]]:
    """Sentence-aligned pieces of at most MAX_CHARS (a long paragraph becomes several chunks)."""
    if len(text) <= MAX_CHARS:
        return [(0, len(text))]
    pieces, start, last_cut = [], 0, 0
    for m in re.finditer(r"[。！？；]", text):
        if m.end() - start > MAX_CHARS and last_cut > start:
            pieces.append((start, last_cut))
            start = last_cut
        last_cut = m.end()
    pieces.append((start, len(text)))
    return pieces


def chunk_report(report: Report) -> list[Chunk]:
    rid = report.meta.report_id
    chunks: list[Chunk] = []
    for n, p in enumerate(report.paragraphs):
        for k, (s, e) in enumerate(_split_long(p.text)):
            body = p.text[s:e]
            text = f"{p.section}\n{body}" if p.section else body
            embed = paragraph_meaning(text, report.meta.agency)
            chunks.append(Chunk(chunk_id=f"{rid}:p{n}.{k}", report_id=rid, kind="paragraph", text=text,
                                embed_text=embed, section=p.section, start=p.start + s, end=p.start + e,
                                page=p.page, meaning=meaning_id(embed, "para")))
    for t in report.tables:
        for n, row in enumerate(t.rows):
            cells = [c for c in t.cells if c.row == row]
            values = "；".join(f"{c.column}：{c.value or ('（无法唯一读出）' if c.note else '（空）')}" for c in cells)
            head = " | ".join(x for x in (t.title, row) if x)
            embed = f"{head} | {'、'.join(c.column for c in cells)}"
            digest = hashlib.sha1(f"{t.title}|{row}".encode()).hexdigest()[:8]
            chunks.append(Chunk(chunk_id=f"{rid}:t{digest}.{n}", report_id=rid, kind="table_row",
                                text=f"{head} | {values}", embed_text=embed, section=t.section,
                                table=t.title, row=row or None, page=cells[0].page if cells else None,
                                meaning=meaning_id(embed)))
    return chunks
