"""Arithmetic over cited figures: blanks are never 0, expressions are kept, units stay as written."""
from __future__ import annotations

from assistant.compute import Value, change, combine, two_items


def fact(value: str, number: float | None, fid: int = 1) -> dict:
    return {"fact_id": fid, "value": value, "number": number}


def test_sum_leaves_blanks_out_and_names_them():
    parts = [{"r": Value.of(fact("7", 7.0, 1))}, {"r": Value.of(fact("", None, 2))}, {"r": Value.of(fact("9", 9.0, 3))}]
    got = combine(parts, "+")["r"]
    assert got.number == 16 and got.expr == "7 + 9" and got.value == "16"
    assert [f["fact_id"] for f in got.blanks] == [2] and len(got.facts) == 3


def test_complement_with_a_blank_side_has_no_value():
    total, natural = {"r": Value.of(fact("859", 859.0))}, {"r": Value.of(fact("", None, 2))}
    assert combine([total, natural], "-")["r"].number is None
    natural = {"r": Value.of(fact("821", 821.0, 2))}
    got = combine([total, natural], "-")["r"]
    assert (got.number, got.expr) == (38, "859 - 821")


def test_nested_groups_show_their_parentheses():
    inner = combine([{"r": Value.of(fact("9", 9.0))}, {"r": Value.of(fact("1", 1.0, 2))}], "+")
    outer = combine([{"r": Value.of(fact("7", 7.0, 3))}, inner], "+")["r"]
    assert outer.expr == "7 + (9 + 1)" and outer.number == 17


def test_two_items():
    a, b = Value.of(fact("1362", 1362.0)), Value.of(fact("454", 454.0, 2))
    assert two_items("sum", [a, b]).shown == "1816"
    d = two_items("difference", [b, a])
    assert d.number == -908 and d.shown == "908" and d.expr == "454 - 1362"
    assert two_items("ratio", [b, a]).shown == "33.33%"
    assert two_items("ratio", [a, Value.of(fact("0", 0.0))]) is None
    assert two_items("sum", [a, Value.of(fact("", None))]) is None


def test_a_result_keeps_the_unit_its_operands_were_written_in():
    a, b = Value.of(fact("770万", 7.7e6)), Value.of(fact("550万", 5.5e6, 2))
    assert two_items("difference", [a, b]).shown == "220万"


def test_change():
    res = change(Value.of(fact("21", 21.0)), Value.of(fact("34", 34.0, 2)))
    assert (res.shown, res.expr) == ("13", "34 - 21")
    assert change(Value.of(fact("", None)), Value.of(fact("34", 34.0))) is None


def test_no_sum_over_a_cell_that_could_not_be_read():
    unread = {"fact_id": 2, "value": "", "number": None, "note": "无法从原文唯一读出（候选：1、14）"}
    got = combine([{"r": Value.of(fact("7", 7.0))}, {"r": Value.of(unread)}], "+")["r"]
    assert got.number is None and got.blanks == [unread]
