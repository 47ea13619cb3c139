"""Generate template reports (2021 national template) with random but consistent figures.

Many agencies and years, four layouts (plain text lines, HTML tables, seed-style flattened
cells, and a portal page saved as text: the whole body on one line, each table's labels and digit
runs touching, spaces between cells only sometimes). Each report comes with its ground truth, so tests and benchmarks can check answers
exactly. Year-to-year links hold (上年结转 = last year's 结转下年度; 现行有效件数 carries over)
unless a deliberate break is asked for.

    python benchmarks/generate_corpus.py OUT_DIR --reports 1000 [--seed 7]
"""
from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

PLACES = ["宁波市", "杭州市", "苏州市", "无锡市", "南京市", "合肥市", "福州市", "厦门市", "济南市", "青岛市",
          "郑州市", "武汉市", "长沙市", "南昌市", "成都市", "贵阳市", "昆明市", "西安市", "兰州市", "太原市"]
DISTRICTS = ["", "东城区", "西湖区", "江北区", "新城区", "高新区", "开发区", "北仑区", "滨江区", "城关区"]
DEPARTMENTS = ["财政局", "教育局", "民政局", "司法局", "商务局", "审计局", "统计局", "医疗保障局", "生态环境局",
               "住房和城乡建设局", "交通运输局", "农业农村局", "文化广电旅游局", "卫生健康委员会",
               "发展和改革委员会", "市场监督管理局", "自然资源和规划局", "人力资源和社会保障局", "应急管理局",
               "人民政府办公室"]
LEAVES_三 = (["（三）不予公开"] * 8 + ["（四）无法提供"] * 3 + ["（五）不予处理"] * 5 + ["（六）其他处理"] * 3)
T3_LABELS = (["一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（一）予以公开", "（二）部分公开"]
             + ["1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
                "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项",
                "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确",
                "1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
                "5.要求行政机关确认或重新出具已获取信息",
                "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他",
                "（七）总计", "四、结转下年度继续办理"])


T3_PARENTS = {2: "三、本年度办理结果", 4: "（三）不予公开", 12: "（四）无法提供", 15: "（五）不予处理", 20: "（六）其他处理"}
T3_SINGLE_LABELS = T3_LABELS[:20] + ["（六）其他处理"] + T3_LABELS[23:]     # the 2019 template's one （六） row
T4_HEADER = ("行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计未经复议直接起诉复议后起诉"
             "结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计")
T3_HEADER = ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）申请人情况自然人法人或其他组织总计"
             "商业企业科研机构社会公益组织法律服务机构其他")
PORTAL_FORMATS = ("txt", "html", "tab", "portal")


def digit_run(values, rnd: random.Random, space: float) -> str:
    """Cells as a portal flattens them: digits of neighbouring cells touch, a space now and then."""
    out = str(values[0])
    for v in values[1:]:
        out += (" " if rnd.random() < space else "") + str(v)
    return out


def portal_t3(rows: list[list], rnd: random.Random, space: float) -> str:
    """Table 三 on one line (2021 split （六） rows, or 2019 single row when there are 25 rows)."""
    labels = T3_LABELS if len(rows) == len(T3_LABELS) else T3_SINGLE_LABELS
    parts = [T3_HEADER]
    for i, (label, vals) in enumerate(zip(labels, rows)):
        parent = T3_PARENTS.get(i, "") if not (i == 20 and len(rows) != len(T3_LABELS)) else ""
        parts.append(parent + label + digit_run(vals, rnd, space))
    return "".join(parts)


def portal_t4(values: list, rnd: random.Random, space: float) -> str:
    return T4_HEADER + digit_run(values, rnd, space)


@dataclass
class Truth:
    agency: str
    year: int
    file: str
    fmt: str
    prose: dict = field(default_factory=dict)      # 主动公开政府信息 -> "123"
    cells: dict = field(default_factory=dict)      # "table|row|column" -> "12"
    unreadable: dict = field(default_factory=dict)  # cells a portal run does not pin down -> their value


# more districts for a national-scale corpus (100,000 reports are 20,000 agencies over 5 years);
# their agencies come after the first 4,000, so every smaller corpus is the same as before
MORE_DISTRICTS = ["鼓楼区", "天河区", "雨花区", "龙华区", "海曙区", "鄞州区", "姑苏区", "玄武区", "秦淮区", "建邺区",
                  "庐阳区", "蜀山区", "仓山区", "思明区", "历下区", "市南区", "金水区", "江汉区", "岳麓区", "青山湖区",
                  "武侯区", "云岩区", "五华区", "雁塔区", "七里河区", "小店区", "越秀区", "南明区", "官渡区", "碑林区",
                  "安宁区", "迎泽区", "芙蓉区", "洪山区", "中原区", "黄岛区", "槐荫区", "湖里区", "晋安区", "包河区",
                  "锦江区"]


def all_agencies() -> list[str]:
    first = [f"{p}{z}{d}" for d in DEPARTMENTS for p in PLACES for z in DISTRICTS]
    random.Random(0).shuffle(first)
    more = [f"{p}{z}{d}" for d in DEPARTMENTS for p in PLACES for z in MORE_DISTRICTS]
    random.Random(1).shuffle(more)
    return first + more


def agencies(n: int) -> list[str]:
    out = all_agencies()
    if n > len(out):
        raise ValueError(f"at most {len(out)} agencies")
    return out[:n]


def _split(total: int, parts: int, rnd: random.Random) -> list[int]:
    cuts = sorted(rnd.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total])]


def make_report(agency: str, year: int, rnd: random.Random, prev: dict | None, break_link: bool = False) -> tuple[dict, dict]:
    """Figures of one report, chained to the previous year's (state) for the cross-year links."""
    carry_in = prev["carry_out"] if prev else [rnd.randint(0, 3) for _ in range(6)]
    if break_link and prev:
        carry_in = [c + 1 for c in carry_in]
    new = [rnd.randint(0, 60), rnd.randint(0, 8), rnd.randint(0, 3), rnd.randint(0, 2), rnd.randint(0, 2), rnd.randint(0, 3)]
    carry_out = [rnd.randint(0, min(3, n + c)) for n, c in zip(new, carry_in)]
    leaves = []        # 23 leaf rows x 6 columns (予以公开, 部分公开, 8, 3, 5, 3 sub-rows of 六)
    for k in range(6):
        handled = new[k] + carry_in[k] - carry_out[k]
        leaves.append(_split(handled, 21, rnd))
    rows = [new, carry_in] + [[leaves[k][i] for k in range(6)] for i in range(21)]
    total_row = [sum(leaves[k]) for k in range(6)]
    rows += [total_row, carry_out]
    t3 = [r + [sum(r)] for r in rows]
    valid_prev = prev["valid"] if prev else rnd.randint(5, 60)
    issued, repealed = rnd.randint(0, 15), rnd.randint(0, 5)
    valid = max(0, valid_prev + issued - repealed)
    t4 = []
    for _ in range(3):
        four = [rnd.randint(0, 4), rnd.randint(0, 2), rnd.randint(0, 1), rnd.randint(0, 1)]
        t4 += four + [sum(four)]
    fig = {
        "主动公开政府信息": rnd.randint(50, 3000), "政府网站公开信息": None, "受理政府信息公开申请": t3[0][6],
        "规章": [0, 0, 0], "行政规范性文件": [issued, repealed, valid], "行政许可": rnd.randint(0, 5000),
        "行政处罚": rnd.randint(0, 8000), "行政强制": rnd.randint(0, 500),
        "行政事业性收费": f"{rnd.randint(0, 99999) / 100:.2f}", "t3": t3, "t4": t4,
    }
    fig["政府网站公开信息"] = rnd.randint(10, fig["主动公开政府信息"])
    return fig, {"carry_out": carry_out, "valid": valid}


def render(agency: str, year: int, fig: dict, fmt: str) -> str:
    head = f"{agency}{year}年政府信息公开工作年度报告"
    intro = [
        "一、总体情况",
        f"{year}年，{agency}认真贯彻落实《中华人民共和国政府信息公开条例》，扎实推进政务公开工作。",
        f"（一）主动公开情况。全年主动公开政府信息{fig['主动公开政府信息']}条，其中政府网站公开信息{fig['政府网站公开信息']}条。",
        f"（二）依申请公开情况。全年受理政府信息公开申请{fig['受理政府信息公开申请']}件，均在法定期限内答复。",
        "（三）政府信息管理情况。严格执行信息发布审核制度，落实保密审查。",
        "二、主动公开政府信息情况",
    ]
    tail = ["五、存在的主要问题及改进情况",
            f"{year}年，政务公开工作仍存在公开内容不够全面、解读形式较为单一等问题。下一步将加强培训，提升公开质量。",
            "六、其他需要报告的事项", f"{year}年，本机关未收取信息处理费。"]
    t2 = [("第二十条第（一）项", ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
           [["规章", *fig["规章"]], ["行政规范性文件", *fig["行政规范性文件"]]]),
          ("第二十条第（五）项", ["信息内容", "本年处理决定数量"], [["行政许可", fig["行政许可"]]]),
          ("第二十条第（六）项", ["信息内容", "本年处理决定数量"], [["行政处罚", fig["行政处罚"]], ["行政强制", fig["行政强制"]]]),
          ("第二十条第（八）项", ["信息内容", "本年收费金额（单位：万元）"], [["行政事业性收费", fig["行政事业性收费"]]])]
    t3_rows = [[label, *vals] for label, vals in zip(T3_LABELS, fig["t3"])]
    if fmt == "html":
        def table(rows):
            return "<table>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows) + "</table>"
        body = [f"<h1>{head}</h1>"] + [f"<p>{x}</p>" for x in intro]
        for title, header, rows in t2:
            body.append(table([[title], header, *rows]))
        body.append("<p>三、收到和处理政府信息公开申请情况</p>")
        body.append(table([["申请人情况"], ["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"], *t3_rows]))
        body.append("<p>四、政府信息公开行政复议、行政诉讼情况</p>")
        body.append(table([["行政复议", "行政诉讼"], fig["t4"]]))
        body += [f"<p>{x}</p>" for x in tail]
        return f"<html><head><meta charset='utf-8'><title>{head}</title></head><body>{''.join(body)}</body></html>"
    if fmt == "portal":    # a crawler's page.txt: a header block, then the whole page on one line
        rnd = random.Random(f"{agency}|{year}")
        space = rnd.choice((0.0, 0.0, 0.2, 0.5))
        runs = {title: [(str(r[0]), digit_run(r[1:], rnd, space)) for r in rows] for title, header, rows in t2}
        fig["portal_t2_runs"] = {label: run for rows in runs.values() for label, run in rows}
        # half the pages say the 行政规范性文件 figures in words too: the text pins down the run
        issued, _, valid = fig["行政规范性文件"]
        fig["portal_text_pins"] = {0: str(issued), 2: str(valid)} if rnd.random() < 0.5 else {}
        if fig["portal_text_pins"]:
            intro = [*intro[:-1], f"（四）规范性文件管理情况。本年度制发行政规范性文件{issued}件，"
                                  f"现行有效行政规范性文件{valid}件。", intro[-1]]
        t2_flat = "".join(title + "".join(header) + "".join(label + run for label, run in runs[title])
                          for title, header, rows in t2)
        body = (f"当前位置： 首页政务公开部门文件 {head} 时间：{year + 1}-01-15 10:00 " + "".join(intro)
                + t2_flat + "三、收到和处理政府信息公开申请情况" + portal_t3(fig["t3"], rnd, space)
                + "四、政府信息公开行政复议、行政诉讼情况" + portal_t4(fig["t4"], rnd, space) + " " + "".join(tail)
                + f" {agency} 来源：{agency} 附件下载")
        return (f"标题: {head}\n发布时间: {year + 1}-01-15 10:00\n文号: \n发布机构: {agency}\n栏目: 政府信息公开年报\n"
                f"==================== 正文 ====================\n{body}\n")
    if fmt == "tab":       # the seed's flattened layout: one tab-indented cell per line, rows split by blank lines
        def rows_out(rows):
            return "\n\n".join("\n".join(f"\t{c}" for c in r) for r in rows)
        parts = [head, *intro]
        for title, header, rows in t2:
            parts.append(rows_out([[title], header, *rows]))
        parts.append("三、收到和处理政府信息公开申请情况")
        parts.append(rows_out([["自然人", "法人或其他组织", "总计"], *t3_rows]))
        parts.append("四、政府信息公开行政复议、行政诉讼情况")
        parts.append(rows_out([["行政复议", "行政诉讼"], fig["t4"]]))
        parts += tail
        return "\n\n".join(parts) + "\n"
    lines = [head, *intro]
    for title, header, rows in t2:
        lines.append(title)
        lines.append(" ".join(header))
        lines += [" ".join(map(str, r)) for r in rows]
    lines.append("三、收到和处理政府信息公开申请情况")
    lines.append("自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计")
    lines += [" ".join(map(str, r)) for r in t3_rows]
    lines.append("四、政府信息公开行政复议、行政诉讼情况")
    lines.append(" ".join(map(str, fig["t4"])))
    lines += tail
    return "\n".join(lines) + "\n"


def pinned_cells(run: str, n: int, text_pins: dict[int, str] | None = None) -> list[str | None]:
    """Which cells of a flattened row of n whole numbers the run pins down, written independently of
    the parser: every cut into n numbers without leading zeros (a space is always a boundary); a cell
    is pinned when all cuts agree on it. Table 二 rows have no sum rule to narrow the cuts further;
    `text_pins` (column -> value the page's text states) keep the cuts that agree with the text."""
    cuts: list[list[str]] = []

    def walk(rest: str, cells: list[str]) -> None:
        if len(cells) == n:
            if not rest.strip():
                cuts.append(cells)
            return
        rest = rest.lstrip(" ")
        for k in range(1, len(rest) + 1):
            cell = rest[:k]
            if " " in cell or (len(cell) > 1 and cell[0] == "0") or not cell.isdigit():
                break
            if k < len(rest) and rest[k] != " " and len(cells) == n - 1:
                continue            # the last cell takes the rest of the run
            walk(rest[k:], cells + [cell])

    walk(run, [])
    agreeing = [c for c in cuts if all(c[k] == v for k, v in (text_pins or {}).items())]
    cuts = agreeing or cuts
    return [c[0] if cuts and all(x[i] == c[0] for x in cuts) else None for i, c in enumerate(zip(*cuts))] if cuts else [None] * n


def truth_of(agency: str, year: int, fig: dict, file: str, fmt: str) -> Truth:
    t = Truth(agency=agency, year=year, file=file, fmt=fmt)
    t.prose = {"主动公开政府信息": str(fig["主动公开政府信息"]), "政府网站公开信息": str(fig["政府网站公开信息"]),
               "受理政府信息公开申请": str(fig["受理政府信息公开申请"])}
    t.cells = {"行政许可|本年处理决定数量": str(fig["行政许可"]), "行政处罚|本年处理决定数量": str(fig["行政处罚"]),
               "行政强制|本年处理决定数量": str(fig["行政强制"]),
               "行政规范性文件|本年制发件数": str(fig["行政规范性文件"][0]),
               "行政规范性文件|本年废止件数": str(fig["行政规范性文件"][1]),
               "行政规范性文件|现行有效件数": str(fig["行政规范性文件"][2]),
               "行政事业性收费|本年收费金额（单位：万元）": fig["行政事业性收费"],
               "本年新收|总计": str(fig["t3"][0][6]), "上年结转|总计": str(fig["t3"][1][6]),
               "结转下年度继续办理|总计": str(fig["t3"][-1][6]), "本机关不掌握|总计": str(fig["t3"][12][6]),
               "行政复议|总计": str(fig["t4"][4]), "行政复议|结果维持": str(fig["t4"][0])}
    if fmt == "portal":
        # a portal row whose digits split more than one way is not readable: asked about, the answer
        # must be a refusal (the parser reports it unread), never one of the candidates
        run = fig["portal_t2_runs"]["行政规范性文件"]
        pins = fig.get("portal_text_pins") or {}
        for col, pinned in zip(("本年制发件数", "本年废止件数", "现行有效件数"), pinned_cells(run, 3, pins)):
            if pinned is None:
                t.unreadable[f"行政规范性文件|{col}"] = t.cells.pop(f"行政规范性文件|{col}")
    return t


def generate(out: Path, n_reports: int, seed: int = 7, years: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025),
             formats: tuple[str, ...] = ("txt", "html", "tab"), breaks: set[tuple[str, int]] = frozenset()) -> list[Truth]:
    """Write n_reports files under `out` (agencies x years) and return their ground truth."""
    rnd = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    n_agencies = max(1, -(-n_reports // len(years)))
    truths = []
    for a_idx, agency in enumerate(agencies(n_agencies)):
        state = None
        for year in years:
            if len(truths) >= n_reports:
                break
            fig, state_next = make_report(agency, year, rnd, state, break_link=(agency, year) in breaks)
            state = state_next
            fmt = formats[(a_idx + year) % len(formats)]
            suffix = {"txt": ".txt", "tab": ".txt", "portal": ".txt", "html": ".html"}[fmt]
            name = f"r{len(truths):05d}{suffix}"
            (out / name).write_text(render(agency, year, fig, fmt), encoding="utf-8")
            truths.append(truth_of(agency, year, fig, name, fmt))
    return truths


def questions(truths: list[Truth], per_report: int = 3, seed: int = 1) -> list[dict]:
    """Questions with their known answers (the shared eval format), plus negatives for absent years."""
    rnd = random.Random(seed)
    qs = []
    for t in truths:
        items = [("prose_figure", f"{t.agency}{t.year}年主动公开政府信息多少条？", t.prose["主动公开政府信息"])]
        for key in rnd.sample(sorted({**t.cells, **t.unreadable}), per_report - 1):
            row, col = key.split("|")
            kind = "unreadable_cell" if key in t.unreadable else "table_cell"
            items.append((kind, f"{t.agency}{t.year}年{row}{col}是多少？", t.cells.get(key)))
        for kind, q, v in items:
            qs.append({"id": f"g{len(qs):06d}", "question": q, "answerable": v is not None,
                       "figures": [v] if v is not None else [], "kind": kind})
    for t in rnd.sample(truths, min(len(truths), max(1, len(truths) // 20))):
        qs.append({"id": f"g{len(qs):06d}", "question": f"{t.agency}2019年主动公开政府信息多少条？",
                   "answerable": False, "figures": [], "kind": "negative"})
    return qs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--reports", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    truths = generate(Path(args.out), args.reports, seed=args.seed, formats=PORTAL_FORMATS)
    (Path(args.out) / "truth.json").write_text(json.dumps([t.__dict__ for t in truths], ensure_ascii=False), encoding="utf-8")
    with open(Path(args.out) / "questions.jsonl", "w", encoding="utf-8") as fh:
        for q in questions(truths):
            fh.write(json.dumps(q, ensure_ascii=False) + "\n")
    print(f"wrote {len(truths)} reports to {args.out}")


if __name__ == "__main__":
    main()
