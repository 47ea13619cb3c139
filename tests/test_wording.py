"""Wording without repetition (issue 21, item 8): a share says its whole once."""
from __future__ import annotations

from assistant.components import Components

from .conftest import KEWEI, need_shared


def test_a_share_names_its_whole_once(tmp_path):
    comp = Components.from_settings(index_dir=tmp_path / "index")
    comp.indexer.index([need_shared(KEWEI)])
    res = comp.answerer.ask("上海市科委2024年本年新收政府信息公开申请中商业企业占比多少？")
    assert [f["value"] for f in res["figures"] if f.get("computed")] == ["5.88%"], res["answer"]
    first = res["answer"].splitlines()[0]
    assert first.count("本年新收政府信息公开申请") == 1, first
    assert "商业企业占5.88%（2 / 34 × 100%）" in first, first
