"""How a question may be typed, folded to the form the question model is written in.

Staff paste questions from anywhere: full-width digits ("２０１９年"), full-width letters and spaces,
and traditional characters (a Hong Kong or Taiwan input method, a copied page: "政府網站公開了多少條").
The reports and `concepts.yaml` are in simplified characters; a question is folded before it is read.
The table holds the traditional forms of the characters these questions use (no converter package
is installed here; a missing character only means that word is not recognised, never a wrong reading).
"""
from __future__ import annotations

_TRADITIONAL = (
    "開开 網网 條条 報报 處处 機机 關关 請请 數数 總总 計计 費费 辦办 會会 區区 縣县 務务 規规 範范 許许 決决 復复"
    " 議议 訟讼 結结 轉转 問问 項项 與与 為为 個个 這这 們们 來来 時时 間间 發发 佈布 動动 態态 體体 據据 對对 於于"
    " 過过 還还 沒没 應应 當当 點点 幾几 錢钱 額额 實实 驗验 門门 戶户 類类 視视 頻频 號号 讀读 將将 歷历 稱称 廣广"
    " 東东 寧宁 滬沪 陽阳 澤泽 淮淮 蘇苏 潭潭 委委 員员 政政 府府 訊讯 審审 裡里 裏里 麼么 嗎吗 聽听 說说 話话"
    " 認认 證证 書书 檔档 級级 銷销 廢废 現现 狀状 況况 統统 紀纪 錄录 選选 舉举 產产 業业 場场 務务 們们 讓让 給给"
    " 収收 諮咨 詢询 權权 師师 務务 組组 織织 構构 團团 醫医 療疗 衛卫 環环 災灾 務务 豐丰 減减 增增 納纳 徵征 徴征"
    " 強强 執执 罰罚 處处 許许 決决 億亿 萬万 兩两 參参 與与 歲岁 劃划 傳传 網网 絡络 碼码 導导 規规 則则 項项"
    " 況况 圖图 標标 準准 廳厅 內内 廠厂 屬属 適适 關关 聯联 係系 責责 們们 頭头 單单 筆笔 筆笔 價价 補补 齊齐 擁拥"
)
_FOLD = {ord(pair[0]): pair[1] for pair in _TRADITIONAL.split() if pair[0] != pair[1]}
_FOLD.update({0x3000: " "})                                            # ideographic space
_FOLD.update({o: o - 0xFEE0 for o in range(0xFF10, 0xFF1A)})          # ０-９
_FOLD.update({o: o - 0xFEE0 for o in range(0xFF21, 0xFF3B)})          # Ａ-Ｚ
_FOLD.update({o: o - 0xFEE0 for o in range(0xFF41, 0xFF5B)})          # ａ-ｚ


def fold(text: str) -> str:
    """Full-width digits, letters and spaces to ASCII; traditional characters to simplified; the
    typing slips the question model lists (复义 -> 复议)."""
    from .concepts import model

    text = text.translate(_FOLD)
    for wrong, right in model().typos:
        text = text.replace(wrong, right)
    return text
