"""How a question may be typed, folded to the one form the question model is written in.

Staff paste questions from anywhere: full-width digits ("２０１９年"), full-width letters and spaces,
traditional characters (a Hong Kong or Taiwan input method, a copied page: "政府網站公開了多少條"), and
typing slips ("复义" for 复议). The reports and `concepts.yaml` are in simplified characters; every
question is folded here, once, before it is read: OpenCC's traditional-to-simplified conversion,
then the width table, then the slips and look-alikes the data file lists.
"""
from __future__ import annotations

import re
from functools import lru_cache

_WIDTH = {0x3000: " "}                                                   # ideographic space
_WIDTH.update({o: o - 0xFEE0 for o in range(0xFF10, 0xFF1A)})           # ０-９
_WIDTH.update({o: o - 0xFEE0 for o in range(0xFF21, 0xFF3B)})           # Ａ-Ｚ
_WIDTH.update({o: o - 0xFEE0 for o in range(0xFF41, 0xFF5B)})           # ａ-ｚ


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Traditional characters to simplified, full-width digits, letters and spaces to ASCII, and
    the typing slips of the question model (复义 -> 复议)."""
    from .concepts import model

    text = _converter().convert(text).translate(_WIDTH).translate(model().confusable_table)
    for wrong, right in model().typos:
        text = wrong.sub(right, text)
    return text


def compact(text: str) -> str:
    """The folded text without spaces: the form words are looked up in."""
    return re.sub(r"\s+", "", fold(text))


def plain_name(name: str) -> str:
    """An agency name as names are matched: characters OCR and typing confuse folded (沐阳 -> 沭阳)."""
    from .concepts import model

    return name.translate(model().confusable_table)
