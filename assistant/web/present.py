"""One answer as HTML for the chat: the answer text with [n] linked to its own sources (opened in place),
the warnings about cited figures inside the answer, the reading of the question, and each citation
with agency, year, title and a link to the original file (a PDF at its page).

Everything from a report or a question is escaped here; the page adds only the click behaviour.
"""
from __future__ import annotations

import html
import re

from ..dialogue import warned_citations
from .copy_text import answer_text, figures_csv_text, figures_tsv
from .sources import source_html, source_view
from .originals import file_url

_REF = re.compile(r"\[(\d+)\]")


def cite_anchor(msg: int, cid: int) -> str:
    return f"ra-m{msg}-c{cid}"


def citation_label(c: dict, title: str | None = None) -> str:
    """"宁波市…局 · 2019年 · 本年新收政府信息公开申请数量 × 总计 · 第4页": who, when and which cell
    (row × column) or section, so sources of one report are told apart without opening them; the
    report's title is inside the source. `title` is used only when neither cell nor section is known."""
    parts = [c.get("agency") or "单位不详", f"{c['year']}年" if c.get("year") else "年份不详"]
    parts.append(place_label(c) or (f"《{title}》" if title else (c.get("source") or "")))
    if c.get("page"):
        parts.append(f"第{c['page']}页")
    return " · ".join(p for p in parts if p)


def place_label(c: dict) -> str:
    """The cell ("（三）不予公开 / 1.属于国家秘密 × 总计", the row's last two parts) or the section
    ("二、… › （一）主动公开的信息量", its last part)."""
    if c.get("table"):
        row = " / ".join(str(c.get("row") or "").split(" / ")[-2:])
        col = str(c.get("column") or "")
        return " × ".join(x for x in (row, col) if x) or str(c["table"])
    if c.get("section"):
        return "章节：" + str(c["section"]).split(" › ")[-1]
    return ""


def answer_html(res: dict, facts, msg: int, asked: str | None = None) -> str:
    """The whole answer bubble. `msg` numbers the message so its anchors stay its own."""
    e = html.escape
    ids = {c["id"] for c in res.get("citations", [])}

    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if n not in ids:
            return m.group(0)
        return f"<a class='ra-ref' href='#{cite_anchor(msg, n)}' title='查看出处 {n}'>[{n}]</a>"

    lines = res.get("answer", "").split("\n")
    rest = lines.index("其余：") if "其余：" in lines else None
    if rest is not None:           # a long ranking: the first ones shown, all of them one click away
        more = [x for x in lines[rest + 1:] if re.match(r"\d+\. ", x)]
        after = lines[rest + 1 + len(more):]
        text = ("<br>".join(_REF.sub(link, e(x)) for x in lines[:rest])
                + f"<details class='ra-more'><summary>显示全部（其余{len(more)}个）</summary>"
                + "<br>".join(_REF.sub(link, e(x)) for x in more) + "</details>"
                + "<br>".join(_REF.sub(link, e(x)) for x in after))
    else:
        text = "<br>".join(_REF.sub(link, e(line)) for line in lines)
    out = [f"<div class='ra-answer' id='ra-m{msg}'>"]
    if asked:
        out.append(f"<div class='ra-asked'>（按上文理解为：{e(asked)}）</div>")
    out.append(f"<div class='ra-text'>{text}</div>")
    out.append(chart_html(res, msg))
    out.append(tools_html(res, msg))
    if res.get("warnings"):
        items = "".join(f"<li>{e(w)}</li>" for w in res["warnings"])
        out.append(f"<div class='ra-warn' role='note'><strong class='ra-badge ra-badge-warn'>注意</strong><ul>{items}</ul></div>")
    if res.get("candidates"):
        out.append(candidates_html(res, msg))
    interp = (res.get("interpretation") or {}).get("text")
    if interp:
        out.append(f"<div class='ra-interp'>{e(interp)}</div>")
    if res.get("citations"):
        marked = warned_citations(res)
        out.append("<div class='ra-cites'><div class='ra-cites-title'>出处</div>")
        for c in res["citations"]:
            where = " › ".join(e(str(x)) for x in (c.get("section"), c.get("table"), c.get("row"), c.get("column")) if x)
            flag = " <span class='ra-flag' title='这张表的校验未通过'>（校验未通过）</span>" if c["id"] in marked else ""
            page = f"第{c['page']}页" if c.get("page") else ""
            at = "（" + page + "）" if page else ("（定位到引文）" if "find=" in file_url(c) else "")
            title = f"《{e(c['title'])}》 · " if c.get("title") else (f"{e(c['source'])} · " if c.get("source") else "")
            out.append(
                f"<details class='ra-cite' id='{cite_anchor(msg, c['id'])}'>"
                f"<summary>[{c['id']}] {e(citation_label(c, c.get('title')))}{flag}</summary>"
                f"<div class='ra-where'>{title}{where}</div>{source_html(source_view(facts, c))}"
                f"<a class='ra-file' href='{e(file_url(c))}' target='_blank' rel='noopener'>"
                f"打开原文{at}</a></details>")
        out.append("</div>")
    out.append("</div>")
    return "".join(out)


def tools_html(res: dict, msg: int) -> str:
    """复制 (the answer with one line per source, plain text), 复制表格 (several figures, tab-separated)
    and 下载CSV (this answer's figures). The chat's sanitiser drops data attributes, so the text rides
    in hidden <pre> elements beside each button; the page script copies or saves it."""
    e = html.escape
    if not res.get("answer"):
        return ""
    out = ["<div class='ra-tools'>",
           f"<a href='#' role='button' class='ra-copy' title='复制回答和出处（纯文本）'>复制</a>"
           f"<pre class='ra-payload'>{e(_js(answer_text(res)))}</pre>"]
    if len(res.get("figures") or []) >= 2:
        out.append(f"<a href='#' role='button' class='ra-copy ra-copy-table' title='复制所引数字（可粘贴到表格）'>复制表格</a>"
                   f"<pre class='ra-payload'>{e(_js(figures_tsv(res)))}</pre>")
    if res.get("figures"):
        out.append(f"<a href='#' role='button' class='ra-csv' title='下载这条回答所引数字（CSV）'>下载CSV</a>"
                   f"<pre class='ra-payload'>{e(_js(figures_csv_text(res)))}</pre>")
    return "".join(out) + "</div>"


def _js(text: str) -> str:
    """A payload as one JSON string: the chat's markdown keeps no line breaks inside the page."""
    import json

    return json.dumps(text, ensure_ascii=True)


def chart_html(res: dict, msg: int) -> str:
    """A series over years (one agency, one metric) as bars inside the answer: each line says its year,
    its figure with the unit and its source [n], so nothing depends on reading the bars."""
    from .chat_ui import series_of

    e = html.escape
    series = series_of(res)
    if not series:
        return ""
    who = series[0]["单位"]
    series = [r for r in series if r["单位"] == who]
    top = max((abs(r["数值"]) for r in series), default=0) or 1
    rows = []
    for r in series:
        width = max(1, round(abs(r["数值"]) / top * 100))
        rows.append(f"<div class='ra-bar-row'><span class='ra-bar-year'>{e(r['年份'])}年</span>"
                    f"<span class='ra-bar-track'><span class='ra-bar' style='width:{width}%'></span></span>"
                    f"<span class='ra-bar-value'>{e(r['显示'])} "
                    f"<a class='ra-ref' href='#{cite_anchor(msg, r['引用'])}'>[{r['引用']}]</a></span></div>")
    label = series[0].get("指标") or ""
    return (f"<div class='ra-chart' id='ra-m{msg}-chart' role='figure' aria-label='{e(who)}{e(label)}历年变化'>"
            f"<div class='ra-chart-title'>{e(who)} · {e(label)} · 历年变化</div>{''.join(rows)}</div>")


def candidates_html(res: dict, msg: int) -> str:
    """"您是不是想问": the nearest figures the reports hold, each with its source ([n] opens it); a
    click asks the question the figure does answer. They are offered, never stated as the answer."""
    e = html.escape
    what = "数字" if any(c.get("value") is not None for c in res["candidates"]) else "段落"
    items, asked = [], set()
    cites = {c["id"]: c for c in res.get("citations", [])}
    for c in res["candidates"]:
        src = cites.get(c.get("citation")) or {}
        ref = f" <a class='ra-ref' href='#{cite_anchor(msg, src['id'])}' title='查看出处'>[{src['id']}]</a>" if src else ""
        where = " › ".join(str(x) for x in (src.get("table"), src.get("row"), src.get("column")) if x) or src.get("section") or ""
        who = " ".join(str(x) for x in (src.get("agency"), f"{src['year']}年" if src.get("year") else None) if x)
        q = c.get("question") or ""
        ask = "" if not q or q in asked else \
            f" <a class='ra-ask' href='#' title='点击提问'>问：<span class='ra-q'>{e(q)}</span></a>"
        asked.add(q)
        items.append(f"<li>{e(who)} {e(c.get('label') or '')} <strong>{e(c.get('value') or '')}{e(c.get('unit') or '')}</strong>"
                     f"{ref}<span class='ra-cand-where'>（{e(where)}：“{e(src.get('quote') or '')}”）</span>{ask}</li>")
    return ("<div class='ra-cands' role='note'><strong>您是不是想问：</strong>"
            f"<span class='ra-cand-note'>以下{what}不是本问题的答案，只是报告中最接近的{what}</span>"
            f"<ul>{''.join(items)}</ul></div>")


# The page's behaviour for answers (the chat's HTML cannot carry scripts): [n] opens the source in
# place with the cited cell scrolled into view, 复制 / 复制表格 put plain text on the clipboard,
# 下载CSV saves this answer's figures, a candidate's question is asked with a click.
HEAD_SCRIPT = """<script>
(function () {
  function showCell(d) {       // the cited cell inside its row's scroll box, never cut off at the edge
    var hit = d.querySelector('td.hit');
    if (!hit) { return; }
    var box = hit.closest('.src-scroll');
    if (box) {
      var left = hit.offsetLeft - (box.clientWidth - hit.offsetWidth) / 2;
      box.scrollLeft = Math.max(0, left);
    }
    hit.scrollIntoView({block: 'nearest', inline: 'nearest'});
  }
  function copy(text, a) {
    function done() {
      var was = a.getAttribute('data-label') || a.textContent;
      a.setAttribute('data-label', was); a.textContent = '已复制';
      setTimeout(function () { a.textContent = was; }, 1500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(); });
    } else { fallback(); }
    function fallback() {
      var t = document.createElement('textarea');
      t.value = text; t.setAttribute('readonly', ''); t.style.position = 'fixed'; t.style.opacity = '0';
      document.body.appendChild(t); t.select();
      try { document.execCommand('copy'); done(); } catch (e) {}
      document.body.removeChild(t);
    }
  }
  document.addEventListener('toggle', function (ev) {
    var d = ev.target;
    if (d && d.classList && d.classList.contains('ra-cite') && d.open) { showCell(d); }
  }, true);
  document.addEventListener('click', function (ev) {
    var t = ev.target.closest ? ev.target : null;
    if (!t) { return; }
    var c = t.closest('a.ra-copy');
    function payload(el) {
      var p = el.nextElementSibling;
      try { return p && p.classList.contains('ra-payload') ? JSON.parse(p.textContent) : ''; } catch (e) { return ''; }
    }
    if (c) { ev.preventDefault(); ev.stopPropagation(); copy(payload(c), c); return; }
    var v = t.closest('a.ra-csv');
    if (v) {
      ev.preventDefault(); ev.stopPropagation();
      var blob = new Blob(['\\ufeff' + payload(v)], {type: 'text/csv;charset=utf-8'});
      var url = URL.createObjectURL(blob), dl = document.createElement('a');
      var m = v.closest('.ra-answer'), n = m && m.id ? m.id.replace('ra-m', '') : '';
      dl.href = url; dl.download = '回答' + n + '-所引数字.csv';
      document.body.appendChild(dl); dl.click(); document.body.removeChild(dl);
      setTimeout(function () { URL.revokeObjectURL(url); }, 2000);
      return;
    }
    var q = t.closest('a.ra-ask');
    if (q) {                     // a candidate's question: put in the box and asked
      ev.preventDefault(); ev.stopPropagation();
      var box = document.querySelector('#question-box textarea, #question-box input');
      var send = document.getElementById('ask-button');
      if (box && send) {
        var qs = q.querySelector('.ra-q');
        box.value = qs ? qs.textContent : q.textContent.replace(/^问：/, '');
        box.dispatchEvent(new Event('input', {bubbles: true}));
        setTimeout(function () { send.click(); }, 50);
      }
      return;
    }
    var a = t.closest('a.ra-ref');
    if (!a) { return; }
    var id = (a.getAttribute('href') || '').slice(1), d = id && document.getElementById(id);
    if (!d) { return; }
    ev.preventDefault(); ev.stopPropagation();
    d.open = true;
    d.scrollIntoView({block: 'nearest'});
    showCell(d);
    var s = d.querySelector('summary'); if (s) { s.focus({preventScroll: true}); }
  }, true);
})();
</script>"""
