"""Bigram matching: OCR-spaced characters read as words; spaces between words stay boundaries."""
from assistant.understand.matching import Idf, grams, overlap


def test_spaced_out_characters_read_as_words():
    assert grams("主 动 公 开 政 府 信 息") == grams("主动公开政府信息")
    assert "请收" not in grams("政府信息公开申请 收到")


def test_idf_weights_rare_bigrams_more():
    idf = Idf(["政府信息公开", "政府信息公开申请", "政府信息 国家秘密"])
    q = grams("国家秘密 政府信息")
    assert overlap(q, grams("属于国家秘密"), idf) > overlap(q, grams("政府信息公开"), idf)
