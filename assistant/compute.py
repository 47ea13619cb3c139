"""Arithmetic over cited figures: groups of cells, sums, differences, ratios and changes.

Nothing here invents a number: every result is computed from `Value`s that carry the facts they
came from, and its expression is kept so the answer can show it ("7 + 9"). Blank cells are never
read as 0: a sum leaves them out and names them, a difference with a blank side has no value.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from index.numbers import MULTIPLIERS, format_number


@dataclass
class Value:
    """A metric's value in one report: one cell, or a sum/difference of cells (with its expression)."""
    number: float | None
    expr: str                                   # the cell value, or e.g. "7 + 9"
    facts: list[dict] = field(default_factory=list)
    blanks: list[dict] = field(default_factory=list)    # cited cells left out because they are blank
    computed: bool = False

    @property
    def value(self) -> str:
        if not self.computed:
            return self.facts[0]["value"] if self.facts else ""
        return format_number(self.number) if self.number is not None else ""

    @classmethod
    def of(cls, f: dict) -> "Value":
        """One stored fact as a value."""
        blank = f["number"] is None
        return cls(f["number"], f["value"], [f], [f] if blank else [])


@dataclass(frozen=True)
class Result:
    number: float
    shown: str          # as the answer writes it ("220万", "12.50%")
    expr: str


def combine(parts: list[dict[str, Value]], op: str) -> dict[str, Value]:
    """Per report, the sum of the parts it has ("+"), or the first minus the others ("-").

    Blank parts of a sum are left out and named (blank is not 0); a part that could not be read
    leaves the sum without a value, as does a blank or unread side of a difference."""
    out: dict[str, Value] = {}
    reports = set().union(*[set(p) for p in parts]) if parts else set()
    for rid in reports:
        vals = [p.get(rid) for p in parts]
        present = [v for v in vals if v is not None]
        facts = [f for v in present for f in v.facts]
        blanks = [f for v in present for f in v.blanks]
        if op == "-":
            if any(v is None or v.number is None for v in vals):
                out[rid] = Value(None, "", facts, blanks or facts, computed=True)
                continue
            first, *rest = vals
            out[rid] = Value(first.number - sum(v.number for v in rest), " - ".join(term(v) for v in vals),
                             facts, blanks, computed=True)
            continue
        numbered = [v for v in present if v.number is not None]
        # a cell the parser could not read (its digits split more than one way) is unknown, not blank:
        # no sum is computed over it
        if not numbered or any(f.get("note") for f in blanks):
            out[rid] = Value(None, "", facts, blanks or facts, computed=True)
            continue
        out[rid] = Value(sum(v.number for v in numbered), " + ".join(term(v) for v in numbered), facts, blanks,
                         computed=True)
    return out


def term(v: Value) -> str:
    return f"({v.expr})" if v.computed and (" + " in v.expr or " - " in v.expr) else v.expr


def scaled(x: float, values: list[Value]) -> str:
    """A result in the unit its operands were written in ("770万 - 550万" is "220万")."""
    marks = {v.value[-1] for v in values if v.value}
    if len(marks) == 1 and (mark := marks.pop()) in MULTIPLIERS:
        return format_number(x / MULTIPLIERS[mark]) + mark
    return format_number(x)


def two_items(op: str, values: list[Value], decimals: int = 2) -> Result | None:
    """Sum, difference (first minus second) or ratio (first over second, in %, to `decimals`
    places) of named items; None when an item has no number or a ratio's divisor is 0."""
    if any(v.number is None for v in values):
        return None
    terms = [v.value for v in values]
    if op == "difference":
        d = values[0].number - values[1].number
        return Result(d, scaled(abs(d), values), f"{terms[0]} - {terms[1]}")
    if op == "ratio":
        if not values[1].number:
            return None
        r = values[0].number / values[1].number * 100
        return Result(r, f"{r:.{decimals}f}%", f"{terms[0]} / {terms[1]} × 100%")
    s = sum(v.number for v in values)
    return Result(s, scaled(s, values), " + ".join(terms))


def change(first: Value, last: Value) -> Result | None:
    """Last minus first (a change between two years)."""
    if first.number is None or last.number is None:
        return None
    d = last.number - first.number
    return Result(d, format_number(d), f"{last.value} - {first.value}")
