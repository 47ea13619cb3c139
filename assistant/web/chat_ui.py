"""The Gradio chat (Chinese UI): a first screen with the coverage and examples of each kind, answers
that keep their own sources ([n] opens the source in place, warnings inside the answer), follow-ups,
filters, a chart for series and CSV export; and a reports view with checks, a detail view, admin
upload and delete."""
from __future__ import annotations

import csv
import re
import html
import tempfile
import time
from pathlib import Path

import gradio as gr

from .admission import upload_message_zh
from ..dialogue import answer_turn
from .doors import ANSWER, OPEN, WRITE, door
from ..meta import coverage_lines, coverage_text, examples
from .copy_text import CSV_HEADER
from .present import HEAD_SCRIPT, answer_html
from .report_view import report_detail_html, reports_html

ALL = "全部"
# Gradio's chat examples are buttons inside role="list" (an ARIA error screen readers trip on) and are
# labelled in English: make them a labelled group of Chinese buttons whenever they are drawn.
A11Y_SCRIPT = """<script>
(function () {
  function fix() {
    document.querySelectorAll('.examples[role="list"]').forEach(function (g) {
      g.setAttribute('role', 'group'); g.setAttribute('aria-label', '示例问题');
      g.querySelectorAll('button.example').forEach(function (b) { b.setAttribute('aria-label', '示例：' + b.innerText.trim()); });
    });
  }
  new MutationObserver(fix).observe(document.documentElement, {childList: true, subtree: true});
  // Gradio's own words that its Chinese translation leaves in English (the toast of a refused question,
  // icon buttons' labels): said in Chinese whatever the browser's language
  var ZH = {"Error": "出错了", "Warning": "注意", "Info": "提示", "Close": "关闭", "Clear": "清空", "Copy message": "复制",
            "Copy": "复制", "More tabs": "更多标签页", "Retry": "重试", "Undo": "撤销", "Delete": "删除", "Edit": "编辑",
            "Like": "有用", "Dislike": "没用", "Share": "分享", "Fullscreen": "全屏", "Download": "下载",
            "Copy all messages": "复制全部对话", "Loading...": "加载中…", "Loading": "加载中"};
  function zh() {
    document.querySelectorAll('.toast-title, .toast-close, [class*="toast"] [class*="title"], span.error, [role="status"]').forEach(function (t) {
      var k = (t.textContent || '').trim(); if (ZH[k] && t.children.length === 0) { t.textContent = ZH[k]; }
    });
    document.querySelectorAll('button[aria-label], button[title], [role="button"][aria-label]').forEach(function (b) {
      ['aria-label', 'title'].forEach(function (a) { var v = b.getAttribute(a); if (v && ZH[v]) { b.setAttribute(a, ZH[v]); } });
      if (b.children.length === 0) { var k = (b.textContent || '').trim(); if (ZH[k]) { b.textContent = ZH[k]; } }
    });
  }
  new MutationObserver(function () { fix(); zh(); }).observe(document.documentElement, {childList: true, subtree: true});
  // Gradio sets <html lang> from the browser's locale; this page is Chinese whatever the browser says
  var html = document.documentElement;
  function lang() { if (html.lang !== 'zh-CN') { html.lang = 'zh-CN'; } }
  lang();
  new MutationObserver(lang).observe(html, {attributes: true, attributeFilter: ['lang']});
})();
</script>"""
# Where the chat is scrolled: the first screen at its top (the greeting and what the index holds), a new
# answer at its own top (its chart and first lines in view), never the bottom of a long answer.
SCROLL_SCRIPT = """<script>
(function () {
  var seen = null;
  function scroller(chat) {
    var all = chat.querySelectorAll('*');
    for (var i = 0; i < all.length; i++) {
      var st = getComputedStyle(all[i]);
      if ((st.overflowY === 'auto' || st.overflowY === 'scroll') && all[i].scrollHeight > all[i].clientHeight + 2) { return all[i]; }
    }
    return null;
  }
  function place() {
    var chat = document.getElementById('chat');
    if (!chat) { return; }
    var answers = chat.querySelectorAll('.ra-answer'), box = scroller(chat);
    if (!answers.length) {
      if (box && !chat.querySelector('.message-row, .message')) { box.scrollTop = 0; }
      seen = null;
      return;
    }
    var last = answers[answers.length - 1];
    if (last === seen || !box) { return; }
    seen = last;
    var row = last.closest('.message-row') || last;
    var prev = row.previousElementSibling;           // the question asked, just above its answer
    var top = (prev || row).getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop += top - 8;
  }
  var timer = null;
  new MutationObserver(function () { clearTimeout(timer); timer = setTimeout(place, 60); })
    .observe(document.documentElement, {childList: true, subtree: true});
  window.addEventListener('load', function () { setTimeout(place, 300); window.scrollTo(0, 0); });
})();
</script>"""
HEAD = HEAD_SCRIPT + A11Y_SCRIPT + SCROLL_SCRIPT
# WCAG AA: white on #b3261e is 6.3:1; the placeholder #5f6368 on white is 6.0:1
THEME = gr.themes.Default(primary_hue="red").set(
    button_primary_background_fill="#b3261e", button_primary_background_fill_hover="#8c1d18",
    button_primary_text_color="#ffffff", button_primary_text_color_hover="#ffffff",
    button_primary_border_color="#b3261e", input_placeholder_color="#5f6368",
    link_text_color="#0b57d0", link_text_color_visited="#6a1b9a", link_text_color_hover="#0842a0",
    link_text_color_active="#0842a0",
    # the focus ring of inputs: #1d4ed8 on white is 6.7:1 (Gradio's #93c5fd was 1.9:1, under the 3:1 of WCAG 1.4.11)
    input_border_color_focus="#1d4ed8", input_border_color_focus_dark="#93c5fd",
    input_shadow_focus="0 0 0 2px #1d4ed8")
# asks the API to check the key; on success it sets the short-lived cookie Gradio's upload route needs
UNLOCK_UPLOAD_JS = """(k) => { if (k) { fetch('api/admin/session', {method: 'POST', headers: {'X-API-Key': k},
  credentials: 'same-origin'}); } return []; }"""
CSS = """
.gradio-container { max-width: 1400px !important; }
#chat .md.chatbot.prose { opacity: 1 !important; }   /* Gradio dims answers to 0.8: links fell below 4.5:1 */
::placeholder { color: #5f6368 !important; opacity: 1 !important; }
#ask-button { min-width: 72px; }
.ra-answer { line-height: 1.6; }
.ra-text a.ra-ref, .ra-cite summary, a.ra-file, .ra-reports a { color: #0b57d0 !important; }
.ra-text a.ra-ref { font-weight: bold; text-decoration: underline; cursor: pointer; }
#page-title h1 { font-size: 20px; margin: 0; }
.ra-asked, .ra-interp { color: #4a4a4a; font-size: 13px; }
.ra-interp { margin-top: 4px; border-top: 1px dashed #ccc; padding-top: 2px; }
.ra-cands { margin: 6px 0; padding: 6px 8px; background: #eef4ff; border-left: 4px solid #1d4ed8; font-size: 13px; }
.ra-cands ul { margin: 2px 0 0 1.1em; padding: 0; }
.ra-cand-note, .ra-cand-where { color: #4a4a4a; margin-left: 4px; }
.ra-ask { margin-left: 6px; color: #1d4ed8; text-decoration: underline; }
.ra-warn { margin: 6px 0; padding: 6px 8px; background: #fff4e5; border-left: 4px solid #b45309; color: #5c2c00;
  font-size: 13px; }
.ra-warn ul { margin: 2px 0 0 1.1em; padding: 0; }
.ra-cites { margin-top: 6px; font-size: 13px; }
.ra-cites-title { color: #4a4a4a; }
.ra-cite summary { cursor: pointer; color: #0b57d0; }
.ra-cite[open] { background: rgba(0,0,0,.03); border-radius: 4px; }
.ra-where { color: #4a4a4a; margin: 2px 0; }
.ra-flag { color: #b45309; }
.src { font-size: 13px; border-left: 3px solid #999; padding: 4px 8px; margin: 4px 0; max-width: 100%; }
.src-title { color: #4a4a4a; }
.src-scroll { overflow-x: auto; max-width: 100%; }
.src-row { border-collapse: collapse; width: max-content !important; max-width: none !important; }
.src-row td, .src-row th { border: 1px solid #ccc; padding: 2px 6px; min-width: 4.5em; white-space: nowrap;
  text-align: center; font-weight: normal; }
td.hit, mark { background: #ffe082; color: #000; font-weight: bold; }
.ra-rlist { list-style: none; margin: 0; padding: 0; }
.ra-rcard { border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; margin: 8px 0; overflow-wrap: anywhere; }
.ra-rcard ul { margin: 2px 0 2px 1.2em; padding: 0; }
.ra-rtitle { color: #4a4a4a; font-size: 13px; }
.ra-dev summary { cursor: pointer; color: #0b57d0; }
.ra-dev code { white-space: normal; overflow-wrap: anywhere; font-size: 12px; }
.ra-reports table { border-collapse: collapse; width: 100%; font-size: 14px; }
.ra-reports th, .ra-reports td { border: 1px solid #ddd; padding: 4px 6px; vertical-align: top; text-align: left; }
.ra-reports .bad { color: #8c1d18; }
.ra-grid { overflow-x: auto; margin: 6px 0 12px; }
.ra-grid table { border-collapse: collapse; font-size: 13px; }
.ra-grid th, .ra-grid td { border: 1px solid #ccc; padding: 2px 6px; white-space: nowrap; }
.ra-grid td.failed { background: #ffd7d5; color: #000; font-weight: bold; }
.ra-coverage ul { margin: 0; padding-left: 1.2em; }
:focus-visible { outline: 3px solid #1d4ed8 !important; outline-offset: 1px; }
#question-box textarea:focus, #question-box input:focus { border-color: #1d4ed8 !important;
  box-shadow: 0 0 0 2px #1d4ed8 !important; outline: none; }
pre.ra-payload { display: none !important; }
.ra-tools { margin: 6px 0 2px; display: flex; flex-wrap: wrap; gap: 6px; font-size: 13px; }
.ra-tools a { display: inline-block; padding: 2px 10px; border: 1px solid #0b57d0; border-radius: 12px;
  color: #0b57d0 !important; text-decoration: none; cursor: pointer; min-height: 24px; line-height: 20px; }
.ra-tools a:hover { background: #e8f0fe; }
.ra-chart { margin: 8px 0; padding: 6px 8px; border: 1px solid #d0d7e2; border-radius: 6px; background: #fafcff; font-size: 13px; }
.ra-chart-title { color: #4a4a4a; margin-bottom: 4px; }
.ra-bar-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.ra-bar-year { flex: 0 0 4em; color: #1f1f1f; }
.ra-bar-track { flex: 1 1 auto; min-width: 40px; background: #eef2f7; height: 14px; border-radius: 3px; }
.ra-bar { display: block; height: 14px; background: #1d4ed8; border-radius: 3px; }
.ra-bar-value { flex: 0 0 auto; white-space: nowrap; }
.ra-more summary { cursor: pointer; color: #0b57d0; }
.ra-badge { display: inline-block; padding: 0 6px; border-radius: 4px; font-weight: bold; }
.ra-badge-warn { color: #5c2c00; background: #ffd8a8; }
.ra-ok { color: #1b5e20; font-weight: bold; }
.ra-bad { color: #8c1d18; font-weight: bold; }
"""


def series_of(res: dict) -> list[dict]:
    """Figures of one metric across years (several years of one agency) for the chart."""
    by_id = {c["id"]: c for c in res.get("citations", [])}
    rows = []
    for f in res.get("figures", []):
        c = by_id.get(f.get("citation"))
        if c and not f.get("computed") and f.get("value"):
            try:
                unit = f.get("unit") or ""
                shown = f["value"] + ("" if not unit or str(f["value"]).endswith(unit) else unit)
                # the answer's own line for that year says the unit the template gives ("2019年：47条[1]")
                said = re.search(rf"{c['year']}年：({re.escape(str(f['value']))}[^\[，,\s]*)\[{c['id']}\]",
                                 res.get("answer", ""))
                shown = said.group(1) if said else shown
                rows.append({"年份": str(c["year"]), "数值": float(str(f["value"]).rstrip("%").replace(",", "")),
                             "单位": c["agency"], "显示": shown, "引用": c["id"], "指标": f.get("label") or ""})
            except ValueError:
                continue
    years_of: dict[str, set[str]] = {}
    for r in rows:
        years_of.setdefault(r["单位"], set()).add(r["年份"])
    return [r for r in rows if len(years_of[r["单位"]]) >= 2]      # a chart only for a series over years


def figures_table(res: dict) -> list[list]:
    """Cited figures as rows (a ranking or a list shows as a table beside the chat); the value first,
    so a narrow screen never cuts it off."""
    by_id = {c["id"]: c for c in res.get("citations", [])}
    rows = []
    for f in res.get("figures", []):
        c = by_id.get(f.get("citation"), {})
        value = f"{f.get('value')}{f.get('unit') or ''}"
        label = f.get("label") or ""
        if f.get("computed"):
            label += f"（{f['computed']}）"
        where = f"{c.get('agency') or '单位不详'} {c.get('year') or ''}年 [{f.get('citation')}]"
        rows.append([value, label, where])
    return rows


KEEP = ("",)     # a streamed step: the box emptied


class CsvFolder:
    """This app's folder for exported CSVs: made on the first export, never more than `cap` files
    (the oldest go first)."""

    def __init__(self, cap: int = 50):
        self.cap = cap
        self._path: Path | None = None

    def folder(self) -> Path:
        if self._path is None:
            self._path = Path(tempfile.mkdtemp(prefix="ra-csv-"))
        files = sorted(self._path.glob("*.csv"), key=lambda p: p.stat().st_mtime)
        for old in files[:max(0, len(files) - self.cap + 1)]:
            old.unlink(missing_ok=True)
        return self._path


def figures_csv(res: dict, folder: Path | None = None) -> str | None:
    """The cited figures as a CSV file (in `folder`, else a new temporary folder)."""
    if not res.get("figures"):
        return None
    by_id = {c["id"]: c for c in res.get("citations", [])}
    import uuid

    folder = folder or Path(tempfile.mkdtemp(prefix="ra-csv-"))
    path = folder / f"figures-{uuid.uuid4().hex[:8]}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_HEADER)
        for f in res["figures"]:
            c = by_id.get(f.get("citation"), {})
            w.writerow([f.get("value"), f.get("unit") or "", f.get("label"), f.get("computed") or "", c.get("agency"),
                        c.get("year"), c.get("source"), c.get("section"), c.get("table") or "", c.get("row") or "",
                        c.get("column") or "", c.get("quote")])
    return str(path)


def welcome_markdown(reports: list[dict]) -> str:
    """The empty chat: what this is and what it holds."""
    return ("## 你好！\n用中文提问，回答中的每个数字都注明出处，点 [n] 就地查看原文；语料中没有的会直接说明。"
            f"\n\n**{coverage_text(reports)}** 试试下面的问题：")


def build_ui(comp, settings, guard=None) -> gr.Blocks:
    from .guard import Guard, Refused

    answerer = comp.answerer
    guard = guard or Guard(settings)       # rate limit and length cap: applied to this route by GuardMiddleware

    def filters():
        reports = answerer.reports()
        agencies = [ALL] + sorted({r["agency"] for r in reports if r["agency"]})
        years = [ALL] + [str(y) for y in sorted({r["year"] for r in reports if r["year"]})]
        return agencies, years

    def report_choices():
        return [(f"{r['agency'] or '单位不详'} · {r['year'] or '年份不详'}年 · {r['title'] or r['source']}", r["report_id"])
                for r in answerer.reports()]

    def coverage_md():
        lines = "".join(f"<li>{html.escape(x)}</li>" for x in coverage_lines(answerer.reports()))
        return f"<div class='ra-coverage'><strong>收录范围</strong>：{html.escape(coverage_text(answerer.reports()))}" \
               f"<ul>{lines}</ul></div>"

    @door(ANSWER)
    def respond(message, history, agency, year, ctx):
        message = (message or "").strip()
        history = list(history or [])
        if not message:
            yield history, ctx, *KEEP
            return
        if len(message) > guard.max_chars:      # also refused at the HTTP edge; never answered
            history.append({"role": "assistant", "content": f"问题过长（最多{guard.max_chars}个字），请缩短后再问。"})
            yield history, ctx, *KEEP
            return
        # the filters take any value (so a forged one is no Gradio error that echoes it) and apply
        # only values the index has
        have = answerer.reports()
        ag = agency if agency in {r["agency"] for r in have if r["agency"]} else None
        yr = int(year) if str(year) in {str(r["year"]) for r in have if r["year"]} else None
        turn = answer_turn(answerer, message, agency=ag, year=yr, context=ctx)
        res = turn.result
        history.append({"role": "user", "content": html.escape(message)})
        history.append({"role": "assistant", "content": ""})
        shown = res["answer"]
        step = max(6, len(shown) // 8)
        for i in range(0, len(shown), step):                 # stream the answer text as it is shown
            history[-1]["content"] = html.escape(shown[:i + step])
            yield history, turn.context, *KEEP
            time.sleep(0.01)
        history[-1]["content"] = answer_html(res, comp.facts, msg=len(history) // 2,
                                             asked=turn.asked if turn.asked != message else None)
        yield history, turn.context, ""

    @door(OPEN)
    def clear():
        return [], None, ""

    @door(OPEN)
    def pick_example(evt: gr.SelectData):
        return evt.value["text"] if isinstance(evt.value, dict) else str(evt.value)

    def key_refused(key, request) -> str | None:
        """Why an admin action is refused (wrong key, no key configured, too many guesses), or None."""
        try:
            guard.admin_key(guard.client(request), key)
        except Refused as r:
            return "尝试次数过多，请一分钟后再试" if r.status == 429 else "管理密钥不正确（未配置密钥时不允许上传或删除）"
        return None

    def refreshed(status: str, selected=None):
        """Status plus everything that lists reports: the table, the chooser and the chat's filters."""
        agencies, years = filters()
        choices = report_choices()
        ids = [v for _, v in choices]
        return (status, reports_html(comp.facts, comp.facts.reports()),
                gr.update(choices=choices, value=selected if selected in ids else None),
                gr.update(choices=agencies, value=ALL), gr.update(choices=years, value=ALL), coverage_md())

    @door(WRITE)
    def upload(file, key, request: gr.Request, progress=gr.Progress()):
        return (*_upload(file, key, request, progress), None)     # the file chooser is emptied for the next upload

    def _upload(file, key, request, progress):
        if (why := key_refused(key, request)):
            return refreshed(f"未完成：{why}")
        if file is None:
            return refreshed("请先选择要上传的报告文件")
        from .api import UploadRejected, save_upload

        src = Path(file if isinstance(file, str) else file.name)
        progress(0.1, desc="解析并建立索引…")
        try:
            out = save_upload(comp, src.name, src.read_bytes(), settings.max_upload_mb,
                              progress=lambda files: progress.tqdm(files, desc="索引"))
        except UploadRejected as exc:
            return refreshed(f"上传未成功：{html.escape(upload_message_zh(str(exc)))}")
        unknown = not (comp.facts.report(out["report_id"]) or {}).get("agency")
        return refreshed("已收录" + ("（未能识别单位名称，列为“未识别单位”）" if unknown else ""), out["report_id"])

    @door(WRITE)
    def delete(report_id, key, request: gr.Request):
        if (why := key_refused(key, request)):
            return refreshed(f"未完成：{why}", report_id)
        if not report_id or comp.facts.report(report_id) is None:
            return refreshed("请先在上面选择要删除的报告")
        from index.errors import IndexBusy

        from .api import _WRITE_LOCK

        r = comp.facts.report(report_id)
        if not _WRITE_LOCK.acquire(blocking=False):
            return refreshed("未完成：正在收录其他报告，请稍后再删除", report_id)
        try:
            comp.indexer.index([], remove=[report_id], wait_s=0)
        except IndexBusy:
            return refreshed("未完成：索引正被其他进程写入，请稍后再删除", report_id)
        finally:
            _WRITE_LOCK.release()
        return refreshed(f"已删除：{html.escape(r['agency'] or '')} {r['year'] or ''}年 {html.escape(r['source'] or '')}")

    agencies, years = filters()
    reports_now = answerer.reports()
    # Gradio's copies of files it served (the CSVs) are deleted after an hour
    with gr.Blocks(title="政府信息公开年度报告问答", delete_cache=(3600, 3600)) as ui:
        gr.HTML("<h1>政府信息公开工作年度报告问答</h1>", elem_id="page-title")
        ctx = gr.State(None)
        with gr.Tab("问答"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=330):
                    # no Gradio copy button: it copied markup; each answer has its own 复制 / 复制表格 / 下载CSV
                    chat = gr.Chatbot(label="对话", show_label=False, height="62vh", min_height=380, sanitize_html=True, elem_id="chat",
                                      placeholder=welcome_markdown(reports_now),
                                      examples=[{"text": q, "display_text": f"{kind}｜{q}"}
                                                for kind, q in examples(reports_now)],
                                      buttons=[], feedback_options=None, autoscroll=False)
                    with gr.Row(equal_height=True):
                        box = gr.Textbox(label="问题", placeholder="用中文提问，如：某单位某年主动公开多少条",
                                         elem_id="question-box", scale=6, max_length=500, lines=1)
                        send = gr.Button("提问", variant="primary", elem_id="ask-button", scale=1, min_width=72)
                    with gr.Row():
                        agency_dd = gr.Dropdown(agencies, value=ALL, label="只看单位", scale=3, elem_id="agency-filter",
                                                allow_custom_value=True)
                        year_dd = gr.Dropdown(years, value=ALL, label="只看年份", scale=1, min_width=110,
                                              elem_id="year-filter", allow_custom_value=True)
                        clear_btn = gr.Button("清空对话", elem_id="clear-button", scale=1, min_width=90)
                with gr.Column(scale=2, min_width=300):
                    cov = gr.HTML(coverage_md(), elem_id="coverage")
            outputs = [chat, ctx, box]
            send.click(respond, [box, chat, agency_dd, year_dd, ctx], outputs)
            box.submit(respond, [box, chat, agency_dd, year_dd, ctx], outputs)
            chat.example_select(pick_example, None, box).then(respond, [box, chat, agency_dd, year_dd, ctx], outputs)
            clear_btn.click(clear, None, outputs)
            chat.clear(door(OPEN)(lambda: None), None, ctx)           # the chat's own trash button clears the context too
        with gr.Tab("报告"):
            reports_box = gr.HTML(door(OPEN)(lambda: reports_html(comp.facts, comp.facts.reports())), elem_id="reports")
            chooser = gr.Dropdown(report_choices(), value=None, label="查看报告详情（表格中未通过校验的格子标红）",
                                  elem_id="report-chooser")
            detail = gr.HTML(elem_id="report-detail")
            chooser.change(door(OPEN)(lambda rid: report_detail_html(comp.facts, rid) if rid else ""), chooser, detail)
            with gr.Accordion("管理：上传或删除报告（需要管理密钥）", open=False, visible=bool(settings.admin_key)):
                # the key first: checking it sets the cookie that lets the browser send the file at all
                key = gr.Textbox(label="管理密钥（先输入，回车确认）", type="password", elem_id="admin-key")
                for event in (key.submit, key.blur):
                    event(None, [key], None, js=UNLOCK_UPLOAD_JS)
                up = gr.File(label="报告文件（txt/md/html/pdf/docx）", elem_id="upload-file",
                             file_types=[".txt", ".md", ".html", ".htm", ".pdf", ".docx"])
                with gr.Row():
                    up_btn = gr.Button("上传并收录", elem_id="upload-button")
                    del_btn = gr.Button("删除上面所选的报告", variant="stop", elem_id="delete-button")
                status = gr.Markdown(elem_id="admin-status")
            listing = [status, reports_box, chooser, agency_dd, year_dd, cov]
            up_btn.click(upload, [up, key], [*listing, up])
            del_btn.click(delete, [chooser, key], listing)
    ui.queue(default_concurrency_limit=16)      # answers take milliseconds: let users be served side by side
    return ui


def _frame(rows: list[dict]):
    import pandas as pd

    return pd.DataFrame(rows, columns=["年份", "数值", "单位"])
