"""What counts as a published figure, and how to read its number without changing its text."""
from __future__ import annotations

import re

NUMBER = re.compile(r"^[-+]?\d[\d,，]*(?:\.\d+)?(?:%|元|万元|亿元)?$")      # "251000元": a cell may print its unit
_CURRENCY = re.compile(r"(?:元|万元|亿元)$")
MULTIPLIERS = {"万": 1e4, "亿": 1e8}
BLANK_MARKS = {"", "/", "／", "无", "—", "－", "-", "--", "——", "\\"}


def is_value_token(token: str) -> bool:
    """A table value: a number or a blank mark ("/", "无", empty)."""
    t = token.strip()
    return t in BLANK_MARKS or bool(NUMBER.match(t))


def split_unit(value: str) -> tuple[str, str | None]:
    """A cell's figure and the currency unit it printed after it ("251000元" -> ("251000", "元"))."""
    m = _CURRENCY.search(value.strip())
    return (value.strip()[:m.start()], m.group(0)) if m and value.strip()[:m.start()] else (value, None)


def to_number(value: str) -> float | None:
    """The number a published value stands for; None for blanks (blank is not 0)."""
    t = _CURRENCY.sub("", value.strip().replace(",", "").replace("，", "").rstrip("%"))
    if value.strip() in BLANK_MARKS or not t:
        return None
    scale = 1.0
    if t[-1] in MULTIPLIERS:          # "550万" as written; its number is 5,500,000
        scale, t = MULTIPLIERS[t[-1]], t[:-1]
    try:
        return float(t) * scale
    except ValueError:
        return None


def format_number(x: float) -> str:
    """Render a computed number without a spurious '.0'."""
    if abs(x - round(x)) < 1e-9:
        return str(int(round(x)))
    return f"{x:.4f}".rstrip("0").rstrip(".")


def normalise_label(s: str) -> str:
    """A label for comparison: no spaces, no numbering, no punctuation."""
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"^[一二三四五六七八九十]+、", "", s)
    s = re.sub(r"[（(][一二三四五六七八九十]+[）)]", "", s)
    s = re.sub(r"(?<![\d.])\d{1,2}[.．、]", "", s)
    return re.sub(r"[，,。、；;：:“”\"'（）()《》/／·．.\-—]", "", s)


def bigrams(s: str) -> set[str]:
    s = normalise_label(s)
    if len(s) == 1:
        return {s}
    return {s[i:i + 2] for i in range(len(s) - 1)}
