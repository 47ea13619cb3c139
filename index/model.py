"""The data model of a parsed report: what every later layer cites.

Values are kept exactly as published (strings); `number` is only a convenience for arithmetic and
is None for blank cells ("", "/", "无" are not 0).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class ReportMeta:
    report_id: str
    agency: str | None
    year: int | None
    title: str | None
    source: str
    sha256: str
    format: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Paragraph:
    section: str          # section path joined with " › "
    text: str             # paragraph text with layout line breaks removed
    start: int            # character span in the loaded document text
    end: int
    page: int | None = None


@dataclass(frozen=True)
class Section:
    path: tuple[str, ...]
    heading: str
    level: int
    start: int


@dataclass(frozen=True)
class Cell:
    table: str            # table title, e.g. 第二十条第（一）项
    row: str              # row label path joined with " / " ("" for one-row tables)
    column: str           # column label path joined with " / "
    value: str            # as published
    number: float | None  # None when blank, "/" or "无"
    blank: bool
    quote: str            # the row as text
    page: int | None = None
    layout: str = "grid"  # how it was read: "grid" (table markup), "words" (spaced values), "runs-split"
    note: str | None = None   # set when the cell could not be read (value ""), e.g. ambiguous digit run


LAYOUTS = ("grid", "words", "runs-split")
UNREAD_NOTE = "无法从原文唯一读出"


@dataclass(frozen=True)
class Table:
    title: str
    section: str
    template: str | None          # e.g. "2021:三", None for a generic grid
    columns: tuple[str, ...]
    rows: tuple[str, ...]
    cells: tuple[Cell, ...]
    warnings: tuple[str, ...] = ()
    expected: int | None = None   # cells the template has (None: as many as were found)

    def reading(self) -> dict:
        """How this table was read: cells read against cells expected, and by which layout."""
        read = [c for c in self.cells if c.note is None]
        layouts: dict[str, int] = {}
        for c in read:
            layouts[c.layout] = layouts.get(c.layout, 0) + 1
        return {"table": self.title, "template": self.template, "read": len(read),
                "expected": self.expected if self.expected is not None else len(self.cells),
                "unread": len(self.cells) - len(read), "layouts": layouts}


@dataclass(frozen=True)
class Fact:
    kind: str             # "cell" or "prose"
    label: str            # what the figure counts: row/column path, or the prose subject
    value: str            # as published
    number: float | None
    unit: str | None
    quote: str
    section: str
    table: str | None = None
    row: str | None = None
    column: str | None = None
    start: int | None = None
    end: int | None = None
    page: int | None = None
    layout: str | None = None     # cells: grid / words / runs-split; None for prose
    note: str | None = None       # cells that could not be read: why (value "" and number None)


@dataclass(frozen=True)
class Check:
    table: str
    rule: str
    expected: str
    found: str
    passed: bool | None   # None: could not be evaluated (blank cells)
    cells: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    meta: ReportMeta
    sections: tuple[Section, ...]
    paragraphs: tuple[Paragraph, ...]
    tables: tuple[Table, ...]
    facts: tuple[Fact, ...]
    checks: tuple[Check, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        """The `parse --json` shape: report, sections, tables, facts, checks."""
        return {
            "report": asdict(self.meta),
            "sections": [asdict(s) | {"paragraphs": [asdict(p) for p in self.paragraphs
                                                     if p.section == " › ".join(s.path)]}
                         for s in self.sections],
            "tables": [asdict(t) for t in self.tables],
            "facts": [asdict(f) for f in self.facts],
            "checks": [asdict(c) for c in self.checks],
            "reading": self.reading(),
            "warnings": list(self.warnings),
        }

    def reading(self) -> list[dict]:
        """Per table: cells read against cells expected and the layouts they were read from."""
        return [t.reading() for t in self.tables]
