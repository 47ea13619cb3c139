"""Load a file's bytes into a `Document`: its text plus the lines the parser reads.

Every format reader stays thin: it only says which lines are plain text and which are table rows
(a row is a list of cell strings). Understanding what the rows mean is the parser's job.
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import EmptyDocument, InputError, UnsupportedFormat

MAX_BYTES = 50 * 1024 * 1024
SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
_CJK = "\u4e00-\u9fff"
_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页(?:\s*共\s*\d+\s*页)?)\s*$")
_MD_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


@dataclass(frozen=True)
class Line:
    text: str
    start: int
    end: int
    page: int | None = None
    cells: tuple[str, ...] | None = None     # set for table rows
    xs: tuple[float, ...] | None = None      # x centre of each cell (PDF only)


@dataclass
class Document:
    source: str
    format: str
    text: str
    lines: list[Line]
    sha256: str
    meta_hints: dict = field(default_factory=dict)   # e.g. HTML <title>, "单位：" field
    notes: list[str] = field(default_factory=list)   # what loading had to give up (becomes a warning)


def squeeze_cjk_spaces(s: str) -> str:
    """Collapse whitespace, and drop it between CJK characters (an artefact of layout, not text)."""
    s = re.sub(r"\s+", " ", s).strip()
    return re.sub(rf"(?<=[{_CJK}（）、，：“”])\s(?=[{_CJK}（）、，：“”])", "", s)


def size_message(name: str, size: int, max_bytes: int) -> str:
    """Megabytes are binary everywhere (RA_MAX_FILE_MB=50 is 50 × 1024 × 1024 bytes): the message
    names the limit as configured."""
    return f"{name}: file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB limit"


def load(path: str | Path, max_bytes: int = MAX_BYTES) -> Document:
    """Read one report file. Raises an `InputError` subclass with a clear message on bad input."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise UnsupportedFormat(f"{path.name}: unsupported file type '{suffix or '(none)'}' "
                                f"(supported: {', '.join(SUPPORTED)})")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(size_message(path.name, size, max_bytes))
    data = path.read_bytes()
    if not data.strip():
        raise EmptyDocument(f"{path.name}: file is empty")
    return load_bytes(data, path.name)


def load_bytes(data: bytes, name: str) -> Document:
    suffix = Path(name).suffix.lower()
    sha = hashlib.sha256(data).hexdigest()
    notes: list[str] = []
    if suffix in (".txt", ".md"):
        doc = _load_text(decode_text(data, name, notes), name, suffix[1:], sha)
    elif suffix in (".html", ".htm"):
        doc = _load_html(decode_text(data, name, notes), name, sha)
    elif suffix == ".pdf":
        doc = _load_pdf(data, name, sha)
    elif suffix == ".docx":
        doc = _load_docx(data, name, sha)
    else:
        raise UnsupportedFormat(f"{name}: unsupported file type '{suffix}'")
    if not re.search(rf"[{_CJK}A-Za-z0-9]", doc.text):
        raise EmptyDocument(f"{name}: no readable text found")
    doc.notes.extend(notes)
    return doc


def decode_text(data: bytes, name: str, notes: list[str] | None = None) -> str:
    """UTF-8 (with or without BOM) or GBK/GB18030, detected; binary junk is refused.

    A UTF-8 text whose last character was cut (a truncated download) is read without that broken
    tail, and `notes` says so, instead of refusing the whole file."""
    if b"\x00" in data[:65536]:
        raise EmptyDocument(f"{name}: looks like a binary file, not text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for enc in ("utf-8", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as exc:
            if enc == "utf-8" and exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
                text = data[:exc.start].decode("utf-8")
                if _looks_like_text(text):
                    if notes is not None:
                        notes.append(f"文件末尾有一个不完整的字符（文件可能被截断），已舍去最后 {len(data) - exc.start} 个字节")
                    return text
            continue
        if _looks_like_text(text):
            return text
    raise EmptyDocument(f"{name}: not readable text in UTF-8 or GBK/GB18030 (binary or unknown encoding)")


def _looks_like_text(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f")
    odd = sum(1 for ch in sample if 0xE000 <= ord(ch) <= 0xF8FF or ch == "\ufffd")
    return (control + odd) / len(sample) < 0.02


# --- plain text and markdown -------------------------------------------------------------

def _load_text(text: str, name: str, fmt: str, sha: str) -> Document:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    raw = []
    pos = 0
    for ln in text.split("\n"):
        raw.append((ln, pos, pos + len(ln)))
        pos += len(ln) + 1
    lines: list[Line] = []
    i = 0
    while i < len(raw):
        ln, s, e = raw[i]
        if ln.startswith("\t"):
            # flattened table: one tab-indented cell per line, wrapped cells continue without a tab,
            # a row ends at a blank line
            cells: list[str] = []
            end = e
            while i < len(raw) and (raw[i][0].strip() or raw[i][0] == "\t"):   # "\t" alone: an empty cell
                cur, _, end = raw[i]
                if cur.startswith("\t"):
                    cells.append(cur.strip())
                elif cells:
                    cells[-1] += cur.strip()
                i += 1
            lines.append(Line(text="\t".join(cells), start=s, end=end, cells=tuple(cells)))
            continue
        stripped = ln.strip()
        if stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 3:
            if not _MD_SEPARATOR.match(stripped):
                cells = tuple(c.strip() for c in stripped.strip("|").split("|"))
                lines.append(Line(text=stripped, start=s, end=e, cells=cells))
        elif stripped:
            lines.append(Line(text=stripped.lstrip("#").strip() if fmt == "md" else stripped,
                              start=s, end=e))
        i += 1
    return Document(source=name, format=fmt, text=text, lines=lines, sha256=sha, meta_hints=_text_hints(lines))


_HINT = re.compile(r"^(标题|单位|发布机构|来源|发文机关)\s*[：:]\s*(.+?)\s*$")


def _text_hints(lines: list[Line]) -> dict:
    """A crawler's header block ("标题: …", "发布机构: …") and a trailing "来源：…" line."""
    hints: dict = {}
    for ln in lines[:15]:
        m = _HINT.match(ln.text.lstrip("#").strip())
        if m and m.group(1) not in hints:
            hints[m.group(1)] = m.group(2)
    if lines and "来源" not in hints:
        m = re.search(rf"来源[：:]\s*([{_CJK}（）()]{{4,40}})", lines[-1].text[-200:])
        if m:
            hints["来源"] = m.group(1)
    return hints


# --- HTML -----------------------------------------------------------------------------------

_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section",
               "article", "header", "footer", "tr", "table", "blockquote", "pre", "dd", "dt", "hr"}


def _load_html(html: str, name: str, sha: str) -> Document:
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString, Tag

    try:
        soup = BeautifulSoup(html, "lxml")
    except Exception as exc:  # lxml refuses some junk outright
        raise InputError(f"{name}: cannot parse HTML ({exc})") from exc
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    hints: dict = {}
    title = BeautifulSoup(html, "lxml").title
    if title and title.get_text(strip=True):
        hints["title"] = squeeze_cjk_spaces(title.get_text())
    parts: list[tuple[str, tuple[str, ...] | None]] = []
    buf: list[str] = []

    def flush() -> None:
        txt = squeeze_cjk_spaces("".join(buf))
        buf.clear()
        if txt:
            parts.append((txt, None))

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child).__name__ in ("Comment", "Doctype", "CData", "ProcessingInstruction"):
                    continue
                buf.append(str(child))
            elif isinstance(child, Tag):
                if child.name == "table" and not child.find("table"):
                    flush()
                    for tr in child.find_all("tr"):
                        cells = tuple(squeeze_cjk_spaces(td.get_text(" ")) for td in tr.find_all(["td", "th"]))
                        if any(cells):
                            parts.append(("\t".join(cells), cells))
                    continue
                block = child.name in _BLOCK_TAGS
                if block:
                    flush()
                walk(child)
                if block:
                    flush()

    walk(soup.body or soup)
    flush()
    text_parts, lines, pos = [], [], 0
    for txt, cells in parts:
        lines.append(Line(text=txt, start=pos, end=pos + len(txt), cells=cells))
        text_parts.append(txt)
        pos += len(txt) + 1
        m = re.match(r"^(标题|单位|发布机构|来源)[：:]\s*(.+)$", txt)
        if m and m.group(1) not in hints:
            hints[m.group(1)] = m.group(2).strip()
    return Document(source=name, format="html", text="\n".join(text_parts), lines=lines, sha256=sha,
                    meta_hints=hints)


# --- PDF ------------------------------------------------------------------------------------

def _load_pdf(data: bytes, name: str, sha: str) -> Document:
    import logging

    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = list(pdf.pages)
    except Exception as exc:
        raise InputError(f"{name}: corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    lines: list[Line] = []
    text_parts: list[str] = []
    pos = 0
    try:
        for pno, page in enumerate(pages, start=1):
            words = page.extract_words(x_tolerance=2, y_tolerance=3, keep_blank_chars=False)
            for row in _group_rows(words):
                txt = " ".join(w["text"] for w in row)
                if _PAGE_NUMBER.match(txt):
                    continue
                cells = tuple(w["text"] for w in row)
                xs = tuple((w["x0"] + w["x1"]) / 2 for w in row)
                lines.append(Line(text=txt, start=pos, end=pos + len(txt), page=pno, cells=cells, xs=xs))
                text_parts.append(txt)
                pos += len(txt) + 1
    except Exception as exc:
        raise InputError(f"{name}: corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    finally:
        pdf.close()
    if not lines:
        raise EmptyDocument(f"{name}: the PDF has no text layer (scanned image?); OCR it first")
    return Document(source=name, format="pdf", text="\n".join(text_parts), lines=lines, sha256=sha)


def _group_rows(words: list[dict]) -> list[list[dict]]:
    """Words into visual lines: same baseline within a small tolerance, left to right."""
    rows: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - w["top"]) <= 3:
            rows[-1].append(w)
        else:
            rows.append([w])
    return [sorted(r, key=lambda w: w["x0"]) for r in rows]


# --- DOCX -----------------------------------------------------------------------------------

def _load_docx(data: bytes, name: str, sha: str) -> Document:
    try:
        import docx
        from docx.table import Table as DocxTable
        from docx.text.paragraph import Paragraph as DocxParagraph

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise InputError(f"{name}: corrupt or unreadable DOCX ({type(exc).__name__}: {exc})") from exc
    parts: list[tuple[str, tuple[str, ...] | None]] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            txt = squeeze_cjk_spaces(DocxParagraph(block, document).text)
            if txt:
                parts.append((txt, None))
        elif tag == "tbl":
            for row in DocxTable(block, document).rows:
                seen, cells = set(), []
                for cell in row.cells:       # merged cells repeat the same element: keep one
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(squeeze_cjk_spaces(cell.text))
                if any(cells):
                    parts.append(("\t".join(cells), tuple(cells)))
    lines, text_parts, pos = [], [], 0
    for txt, cells in parts:
        lines.append(Line(text=txt, start=pos, end=pos + len(txt), cells=cells))
        text_parts.append(txt)
        pos += len(txt) + 1
    return Document(source=name, format="docx", text="\n".join(text_parts), lines=lines, sha256=sha)
