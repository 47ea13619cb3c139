"""The Gradio chat (Chinese UI): streamed answers, follow-ups, citations opened in their source,
filters, examples, a reports view with checks, admin upload, a chart for series and CSV export."""
from __future__ import annotations

import csv
import hmac
import html
import tempfile
import time
from pathlib import Path

import gradio as gr

from .conversation import context_of, resolve_followup
from .sources import source_html, source_view

EXAMPLES = ["2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？", "政府网站公开信息多少条？",
            "不予公开中属于国家秘密的申请有几件？", "哪个处室负责牵头协调政府信息公开工作？", "那2020年呢？"]
ALL = "全部"
CSS = """
.src { font-size: 13px; border-left: 3px solid #999; padding: 4px 8px; margin: 4px 0; }
.src-title { color: #666; }
.src-row td, .src-row th { border: 1px solid #ccc; padding: 2px 6px; }
td.hit, mark { background: #ffe082; font-weight: bold; }
.warn { color: #a15c00; }
"""


def citations_html(facts, res: dict) -> str:
    """Each citation as an expandable item that shows the source with the quote or cell highlighted."""
    if not res.get("citations"):
        return "<p>（无引用）</p>" if res.get("grounded") is False else ""
    parts = []
    for c in res["citations"]:
        where = " › ".join(html.escape(str(x)) for x in (c.get("section"), c.get("table"), c.get("row"), c.get("column")) if x)
        page = f" 第{c['page']}页" if c.get("page") else ""
        parts.append(f"<details class='cite'><summary>[{c['id']}] {html.escape(c['agency'] or '')} {c['year']}年 · "
                     f"{html.escape(c['source'])}{page} · {where}</summary>"
                     f"{source_html(source_view(facts, c))}</details>")
    for w in res.get("warnings", []):
        parts.append(f"<p class='warn'>⚠ {html.escape(w)}</p>")
    return "".join(parts)


def series_of(res: dict) -> list[dict]:
    """Figures of one metric across years (several years of one agency) for the chart."""
    by_id = {c["id"]: c for c in res.get("citations", [])}
    rows = []
    for f in res.get("figures", []):
        c = by_id.get(f.get("citation"))
        if c and not f.get("computed") and f.get("value"):
            try:
                rows.append({"年份": str(c["year"]), "数值": float(str(f["value"]).rstrip("%").replace(",", "")),
                             "单位": c["agency"]})
            except ValueError:
                continue
    years_of: dict[str, set[str]] = {}
    for r in rows:
        years_of.setdefault(r["单位"], set()).add(r["年份"])
    return [r for r in rows if len(years_of[r["单位"]]) >= 2]      # a chart only for a series over years


def figures_table(res: dict) -> list[list]:
    """Cited figures as rows (a ranking or a list shows as a table beside the chat)."""
    by_id = {c["id"]: c for c in res.get("citations", [])}
    rows = []
    for f in res.get("figures", []):
        c = by_id.get(f.get("citation"), {})
        rows.append([c.get("agency"), c.get("year"), f.get("label"), f.get("value"),
                     f.get("computed") or "", f"[{f.get('citation')}]"])
    return rows


def figures_csv(res: dict) -> str | None:
    if not res.get("figures"):
        return None
    by_id = {c["id"]: c for c in res.get("citations", [])}
    path = Path(tempfile.mkdtemp(prefix="ra-csv-")) / "figures.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["数值", "单位", "指标", "计算式", "单位名称", "年份", "来源文件", "章节", "表格", "行", "列", "原文"])
        for f in res["figures"]:
            c = by_id.get(f.get("citation"), {})
            w.writerow([f.get("value"), f.get("unit") or "", f.get("label"), f.get("computed") or "", c.get("agency"),
                        c.get("year"), c.get("source"), c.get("section"), c.get("table") or "", c.get("row") or "",
                        c.get("column") or "", c.get("quote")])
    return str(path)


def build_ui(comp, settings) -> gr.Blocks:
    answerer = comp.answerer

    def filters():
        reports = answerer.reports()
        agencies = [ALL] + sorted({r["agency"] for r in reports if r["agency"]})
        years = [ALL] + [str(y) for y in sorted({r["year"] for r in reports if r["year"]})]
        return agencies, years

    def reports_table():
        from .crossyear import cross_year_checks

        checks = comp.facts.checks()
        cross = [c for c in cross_year_checks(comp.facts) if c["passed"] is False]
        rows = []
        reading = {r["report_id"]: r.get("reading") or [] for r in comp.facts.reports()}
        for r in answerer.reports():
            failed = [f"{c['table_title']}：{c['rule']}（应为{c['expected']}，表中为{c['found']}）"
                      for c in checks if c["report_id"] == r["report_id"] and c["passed"] is False]
            failed += [f"跨年度：{c['rule']}（应为{c['expected']}，实为{c['found']}）"
                       for c in cross if c["reports"][-1] == r["report_id"]]
            rows.append([r["agency"], r["year"], r["source"], r["report_id"], _cells_read(reading.get(r["report_id"], [])),
                         len(failed), "；".join(failed)])
        return rows

    def respond(message, history, agency, year, ctx):
        message = (message or "").strip()
        history = list(history or [])
        if not message:
            yield history, gr.update(), ctx, gr.update(), gr.update(), "", gr.update()
            return
        ag = None if agency in (None, "", ALL) else agency
        yr = None if year in (None, "", ALL) else int(year)
        q = answerer.understand(message, agency=ag, year=yr)
        rewritten = resolve_followup(message, q, ctx)
        asked = rewritten or message
        res = answerer.ask(asked, agency=ag, year=yr)
        ctx = context_of(answerer.understand(asked, agency=ag, year=yr) if rewritten else q)
        history.append({"role": "user", "content": html.escape(message)})
        shown = (f"（理解为：{asked}）\n" if rewritten else "") + res["answer"]
        history.append({"role": "assistant", "content": ""})
        step = max(4, len(shown) // 20)
        for i in range(0, len(shown), step):                 # stream the answer as it is shown
            history[-1]["content"] = html.escape(shown[:i + step])
            yield history, gr.update(), ctx, gr.update(), gr.update(), "", gr.update()
            time.sleep(0.01)
        series = series_of(res)
        plot = gr.update(value=_frame(series), visible=bool(series))
        rows = figures_table(res)
        yield (history, citations_html(comp.facts, res), ctx, plot,
               gr.update(value=figures_csv(res), visible=bool(res["figures"])), "",
               gr.update(value=rows, visible=len(rows) > 1))

    def upload(file, key, progress=gr.Progress()):
        if not settings.admin_key or not hmac.compare_digest((key or "").encode(), settings.admin_key.encode()):
            return "❌ 管理密钥不正确（未配置密钥时不允许上传）", reports_table()
        if file is None:
            return "请选择文件", reports_table()
        from .api import UploadRejected, save_upload

        src = Path(file if isinstance(file, str) else file.name)
        progress(0.1, desc="解析并建立索引…")
        try:
            save_upload(comp, src.name, src.read_bytes(), settings.max_upload_mb,
                        progress=lambda files: progress.tqdm(files, desc="索引"))
        except UploadRejected as exc:
            return f"❌ {html.escape(str(exc))}", reports_table()
        return "✅ 已索引", reports_table()

    agencies, years = filters()
    with gr.Blocks(title="政府信息公开年度报告问答") as ui:
        gr.Markdown("## 政府信息公开年度报告问答\n每个数字都注明出处（报告、章节、表格、行、列、原文）；语料中没有的，直接说明没有。")
        ctx = gr.State(None)
        with gr.Tab("问答"):
            with gr.Row():
                agency_dd = gr.Dropdown(agencies, value=ALL, label="单位", scale=3)
                year_dd = gr.Dropdown(years, value=ALL, label="年份", scale=1)
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(label="对话", height=420, sanitize_html=True, elem_id="chat")
                    box = gr.Textbox(label="问题", placeholder="例如：2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？",
                                     elem_id="question-box")
                    send = gr.Button("提问", variant="primary", elem_id="ask-button")
                    gr.Examples(EXAMPLES, inputs=box, label="示例问题")
                with gr.Column(scale=2):
                    cites = gr.HTML(label="引用与出处", elem_id="citations")
                    plot = gr.LinePlot(x="年份", y="数值", color="单位", visible=False, label="历年变化", height=220)
                    fig_table = gr.Dataframe(headers=["单位", "年份", "指标", "数值", "计算式", "引用"], visible=False,
                                             interactive=False, label="所引数字", wrap=True)
                    csv_file = gr.File(label="导出所引数字（CSV）", visible=False)
            outputs = [chat, cites, ctx, plot, csv_file, box, fig_table]
            send.click(respond, [box, chat, agency_dd, year_dd, ctx], outputs)
            box.submit(respond, [box, chat, agency_dd, year_dd, ctx], outputs)
        with gr.Tab("报告"):
            table = gr.Dataframe(headers=["单位", "年份", "文件", "报告ID", "表格读出", "未通过校验数", "未通过的校验"],
                                 value=reports_table, interactive=False, wrap=True)
            with gr.Accordion("上传报告（需要管理密钥）", open=False):
                up = gr.File(label="报告文件（txt/md/html/pdf/docx）", file_types=[".txt", ".md", ".html", ".htm", ".pdf", ".docx"])
                key = gr.Textbox(label="管理密钥", type="password")
                status = gr.Markdown()
                gr.Button("上传并索引").click(upload, [up, key], [status, table])
    ui.queue(default_concurrency_limit=16)      # answers take milliseconds: let users be served side by side
    return ui


def _cells_read(tables: list[dict]) -> str:
    """"331/341 单元格（runs-split 320，words 11）": table cells read against the template's, and how."""
    if not tables:
        return "无模板表格"
    read, expected = sum(t["read"] for t in tables), sum(t["expected"] for t in tables)
    layouts: dict[str, int] = {}
    for t in tables:
        for k, v in t["layouts"].items():
            layouts[k] = layouts.get(k, 0) + v
    return f"{read}/{expected} 单元格（" + "，".join(f"{k} {v}" for k, v in layouts.items()) + "）"


def _frame(rows: list[dict]):
    import pandas as pd

    return pd.DataFrame(rows, columns=["年份", "数值", "单位"])
