"""Questions about the assistant itself ("有哪些报告", "你能做什么", "你好", English), answered from the index.

They are not questions about a report, so the answerer would only find an unrelated paragraph; here
they get the coverage (agencies × years, counts) and examples built from what is actually indexed.
"""
from __future__ import annotations

import re
from collections import defaultdict

_PUNCT = re.compile(r"[\s，,。.！!？?~～、；;：:…]+")
_GREETING = re.compile(r"^(你好|您好|哈喽|嗨|在吗|在不在|早上好|上午好|中午好|下午好|晚上好|早|喂)+(啊|呀|呢)?$")
_ABILITY = re.compile(r"^(请问)?(你|您|这个助手|助手|这里|系统)?(都|主要|还)?(能|可以|会)(做|干|帮我做|回答|问)(些)?(什么|啥|哪些)(问题|事)?"
                      r"(呢|啊)?$|^(怎么|如何)(用|使用|提问)(呢)?$|^(帮助|使用说明|help)$|^(你|您)是(谁|什么)(呢)?$")
_COVERAGE = re.compile(r"^(请问)?(你们|这里|系统|语料|库里|语料库|目前|现在|你)?(里)?(都|一共|总共|共)?"
                       r"(有|收录了?|包含|包括|覆盖了?|能查)(了)?(哪些|什么|多少|几份|哪几份|哪几个|几个)"
                       r"(单位|部门|年份|年度|机关)?(的)?(报告|年报|年度报告|单位|部门|年份|年度|数据|内容|资料)(呢|啊)?$"
                       r"|^(报告列表|报告清单|语料范围|覆盖范围|收录范围)$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def coverage(reports: list[dict]) -> dict:
    """Agencies × years from the report list: {'reports': n, 'agencies': {agency: [years]}, 'years': [...]}."""
    by_agency: dict[str, set[int]] = defaultdict(set)
    unnamed = 0
    for r in reports:
        if r.get("agency"):
            years_of = by_agency[r["agency"]]
            if r.get("year"):
                years_of.add(r["year"])
        else:
            unnamed += 1
    years = sorted({r["year"] for r in reports if r.get("year")})
    return {"reports": len(reports), "agencies": {a: sorted(y) for a, y in sorted(by_agency.items())},
            "years": years, "unnamed": unnamed}


def coverage_text(reports: list[dict]) -> str:
    """One line a person reads: how many reports, agencies and which years."""
    cov = coverage(reports)
    if not cov["reports"]:
        return "目前还没有收录任何报告。"
    years = cov["years"]
    span = (f"{years[0]}年" if len(years) == 1 else f"{years[0]}–{years[-1]}年") if years else "年份不详"
    return f"目前收录{cov['reports']}份报告，来自{len(cov['agencies'])}个单位，覆盖{span}。"


def coverage_lines(reports: list[dict]) -> list[str]:
    """One line per agency with its years ("淮安市人民政府：2024年")."""
    cov = coverage(reports)
    lines = [f"{a}：{'、'.join(f'{y}年' for y in ys) or '年份不详'}" for a, ys in cov["agencies"].items()]
    if cov["unnamed"]:
        lines.append(f"另有{cov['unnamed']}份报告未能识别单位名称")
    return lines


def examples(reports: list[dict]) -> list[tuple[str, str]]:
    """Example questions of each kind (figure, table cell, comparison, trend, ranking, overview) that the indexed
    reports can answer: built from the agencies and years present, so they never point outside the corpus."""
    named = sorted((r for r in reports if r.get("agency") and r.get("year")), key=lambda r: (r["year"], r["agency"]))
    if not named:
        return []
    out: list[tuple[str, str]] = []
    latest, first = named[-1], named[0]       # two reports where there are two: the examples show the range
    out.append(("数值", f"{latest['year']}年{latest['agency']}主动公开了多少条政府信息？"))
    out.append(("表格单元格", f"{first['year']}年{first['agency']}本年新收政府信息公开申请数量是多少？"))
    by_year: dict[int, list[dict]] = defaultdict(list)
    by_agency: dict[str, list[int]] = defaultdict(list)
    for r in named:
        by_year[r["year"]].append(r)
        by_agency[r["agency"]].append(r["year"])
    same_year = sorted((y for y, rs in by_year.items() if len({r["agency"] for r in rs}) >= 2),
                       key=lambda y: (-len(by_year[y]), y))
    if same_year:
        a, b = by_year[same_year[0]][:2]
        out.append(("比较", f"{same_year[0]}年{a['agency']}和{b['agency']}本年新收政府信息公开申请数量分别是多少？"))
    series = sorted((a for a, ys in by_agency.items() if len(set(ys)) >= 2), key=lambda a: -len(set(by_agency[a])))
    if series:
        ys = sorted(set(by_agency[series[0]]))
        out.append(("趋势", f"{series[0]}{ys[0]}年到{ys[-1]}年主动公开政府信息数量的变化"))
    if same_year:
        out.append(("排名", f"{same_year[0]}年各单位本年新收政府信息公开申请数量排名"))
    elif len({r["agency"] for r in named}) >= 2:
        out.append(("排名", "各单位本年新收政府信息公开申请数量排名"))
    tabled = [r for r in named if any(t.startswith("三") for t in r.get("read_templates") or ())]
    if tabled:                 # an overview is the report's table figures: only where tables were read
        out.append(("概况", f"{tabled[-1]['agency']}{tabled[-1]['year']}年政府信息公开情况怎么样？"))
    return out


def _reply(question: str, text: str, kind: str) -> dict:
    return {"question": question, "answer": text, "grounded": True, "figures": [], "citations": [], "warnings": [],
            "interpretation": {"text": f"理解为：{kind}", "agencies": [], "years": [], "metrics": [],
                               "operation": "meta"}}


def _example_lines(reports: list[dict]) -> str:
    return "\n".join(f"- {kind}：{q}" for kind, q in examples(reports))


def meta_answer(question: str, reports: list[dict]) -> dict | None:
    """An answer dict (JSON contract) for a question about the assistant or its corpus; None for any
    question about report content, which goes to the answerer."""
    text = (question or "").strip()
    bare = _PUNCT.sub("", text).lower()
    if not bare:
        return None
    if not _CJK.search(text) and _LATIN_WORD.search(text):
        sample = examples(reports)
        example = sample[0][1] if sample else "2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？"
        return _reply(question, "This assistant answers questions in Chinese about government information-disclosure "
                                f"annual reports (政府信息公开工作年度报告). Please ask in Chinese, for example: {example}",
                      "英文提问（请用中文提问）")
    if _GREETING.match(bare):
        return _reply(question, "你好！我是政府信息公开工作年度报告问答助手，回答中的每个数字都注明出处。"
                                f"{coverage_text(reports)}\n可以这样问：\n{_example_lines(reports)}", "问候")
    if _ABILITY.match(bare):
        return _reply(question, "我根据已收录的政府信息公开工作年度报告回答问题：查某个数字、表格里的某一格，"
                                "比较几个单位或几年，看变化趋势，给各单位排名；每个数字都附引用（报告、章节、表格、行、列、原文），"
                                f"语料中没有的会直接说明。{coverage_text(reports)}\n例如：\n{_example_lines(reports)}",
                      "询问助手能做什么")
    if _COVERAGE.match(bare):
        lines = "\n".join(f"- {line}" for line in coverage_lines(reports))
        return _reply(question, f"{coverage_text(reports)}\n{lines}" if lines else coverage_text(reports),
                      "询问收录了哪些报告")
    return None
