"""The report's own text pins down a digit run the template's arithmetic cannot.

A portal page's table 二 row "规范性文件12315" splits as 1|23|15, 12|3|15, 12|31|5 … and no rule
of the template picks one. The page's prose often says the same figures in words: "本年度制发规范性
文件12件…现行有效15件". A sentence that names the row and a column of it, with a number right after
the column's words, is a pin: only the cuts that give that column that value are kept. A pin that no
cut satisfies contradicts the table as the template reads it, and is not used (the table is read
as published; the text does not overrule it). Which words name a column is data (`COLUMN_WORDS`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .templates import ITEM_ROWS

# the words the text uses for each column of table 二 (both templates), longest first where they nest
COLUMN_WORDS: dict[str, tuple[str, ...]] = {
    "本年制发件数": ("本年度制发", "本年制发", "新制发", "制发", "出台", "印发"),
    "本年废止件数": ("本年废止", "废止"),
    "现行有效件数": ("现行有效",),
    "本年处理决定数量": ("处理决定", "作出决定", "作出行政许可决定", "作出行政处罚决定", "办理"),
    "本年收费金额（单位：万元）": ("收费金额", "收费", "收取"),
    "本年新制作数量": ("新制作", "制作"),
    "本年新公开数量": ("新公开",),
    "对外公开总数量": ("对外公开总数", "累计公开"),
    "上一年项目数量": ("上一年项目", "上年项目"),
    "处理决定数量": ("处理决定", "作出决定"),
    "采购项目数量": ("采购项目",),
    "采购总金额": ("采购总金额", "采购金额"),
}
_UNIT = r"(?:件|项|个|万元|元)"
_SENTENCE = re.compile(r"[^。；;！？\n]+")
ROW_TO_COLUMN = 30       # characters between the row's name and the column's words, at most
COLUMN_TO_NUMBER = 12    # and between the column's words and the number


@dataclass(frozen=True)
class Pin:
    column: int          # index into the row's columns
    value: str
    sentence: str


def pins_for(text: str, row: str, columns: tuple[str, ...]) -> list[Pin]:
    """Every figure the text states for `row` (a canonical table 二 row) in one of `columns`."""
    spellings = sorted(ITEM_ROWS.get(row, (None, (row,)))[1], key=len, reverse=True)
    out: list[Pin] = []
    for m in _SENTENCE.finditer(text or ""):
        sentence = m.group(0)
        at = [i for sp in spellings for i in [sentence.find(sp)] if i >= 0]
        if not at:
            continue
        for k, col in enumerate(columns):
            for word in COLUMN_WORDS.get(col, ()):
                pat = re.compile(rf"{re.escape(word)}[^，,。；;\d]{{0,{COLUMN_TO_NUMBER}}}?(\d+(?:\.\d+)?)\s*{_UNIT}")
                for hit in pat.finditer(sentence):
                    near_row = any(abs(hit.start() - i) <= ROW_TO_COLUMN for i in at)
                    if near_row and not any(p.column == k and p.value == hit.group(1) for p in out):
                        out.append(Pin(k, hit.group(1), sentence.strip()))
                if pat.search(sentence):
                    break          # the longest words of a column that say it decide
    return out


def apply_pins(cuts: list[tuple[str, ...]], pins: list[Pin]) -> tuple[list[tuple[str, ...]], list[Pin], list[Pin]]:
    """The cuts every usable pin agrees with; the pins used, and those no cut satisfies (ignored)."""
    used, ignored = [], []
    for pin in pins:
        kept = [c for c in cuts if c[pin.column] == pin.value]
        if kept:
            cuts = kept
            used.append(pin)
        else:
            ignored.append(pin)
    return cuts, used, ignored
