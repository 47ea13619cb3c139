"""One answer as HTML for the chat: the answer text with [n] linked to its own sources (opened in place),
the warnings about cited figures inside the answer, the reading of the question, and each citation
with agency, year, title and a link to the original file (a PDF at its page).

Everything from a report or a question is escaped here; the page adds only the click behaviour.
"""
from __future__ import annotations

import html
import re

from ..dialogue import warned_citations
from .sources import source_html, source_view
from .originals import file_url

_REF = re.compile(r"\[(\d+)\]")


def cite_anchor(msg: int, cid: int) -> str:
    return f"ra-m{msg}-c{cid}"


def citation_label(c: dict, title: str | None) -> str:
    """"宁波市…局 · 2019年 · 《title》 · 第4页": who, when and which report, never a hash file name."""
    parts = [c.get("agency") or "单位不详", f"{c['year']}年" if c.get("year") else "年份不详"]
    parts.append(f"《{title}》" if title else (c.get("source") or ""))
    if c.get("page"):
        parts.append(f"第{c['page']}页")
    return " · ".join(p for p in parts if p)


def answer_html(res: dict, facts, msg: int, asked: str | None = None) -> str:
    """The whole answer bubble. `msg` numbers the message so its anchors stay its own."""
    e = html.escape
    ids = {c["id"] for c in res.get("citations", [])}

    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if n not in ids:
            return m.group(0)
        return f"<a class='ra-ref' href='#{cite_anchor(msg, n)}' title='查看出处 {n}'>[{n}]</a>"

    text = "<br>".join(_REF.sub(link, e(line)) for line in res.get("answer", "").split("\n"))
    out = ["<div class='ra-answer'>"]
    if asked:
        out.append(f"<div class='ra-asked'>（按上文理解为：{e(asked)}）</div>")
    out.append(f"<div class='ra-text'>{text}</div>")
    if res.get("warnings"):
        items = "".join(f"<li>{e(w)}</li>" for w in res["warnings"])
        out.append(f"<div class='ra-warn' role='note'><strong>⚠ 注意</strong><ul>{items}</ul></div>")
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
            flag = " <span class='ra-flag' title='这张表的校验未通过'>⚠</span>" if c["id"] in marked else ""
            page = f"第{c['page']}页" if c.get("page") else ""
            out.append(
                f"<details class='ra-cite' id='{cite_anchor(msg, c['id'])}'>"
                f"<summary>[{c['id']}] {e(citation_label(c, c.get('title')))}{flag}</summary>"
                f"<div class='ra-where'>{where}</div>{source_html(source_view(facts, c))}"
                f"<a class='ra-file' href='{e(file_url(c))}' target='_blank' rel='noopener'>"
                f"打开原文{('（' + page + '）') if page else ''}</a></details>")
        out.append("</div>")
    out.append("</div>")
    return "".join(out)


def candidates_html(res: dict, msg: int) -> str:
    """"您是不是想问": the nearest figures the reports hold, each with its source ([n] opens it); a
    click asks the question the figure does answer. They are offered, never stated as the answer."""
    e = html.escape
    items, asked = [], set()
    cites = {c["id"]: c for c in res.get("citations", [])}
    for c in res["candidates"]:
        src = cites.get(c.get("citation")) or {}
        ref = f" <a class='ra-ref' href='#{cite_anchor(msg, src['id'])}' title='查看出处'>[{src['id']}]</a>" if src else ""
        where = " › ".join(str(x) for x in (src.get("table"), src.get("row"), src.get("column")) if x) or src.get("section") or ""
        who = " ".join(str(x) for x in (src.get("agency"), f"{src['year']}年" if src.get("year") else None) if x)
        q = c.get("question") or ""
        ask = "" if not q or q in asked else \
            f" <a class='ra-ask' href='#' data-q='{e(q, quote=True)}' title='点击提问'>问：{e(q)}</a>"
        asked.add(q)
        items.append(f"<li>{e(who)} {e(c.get('label') or '')} <strong>{e(c.get('value') or '')}{e(c.get('unit') or '')}</strong>"
                     f"{ref}<span class='ra-cand-where'>（{e(where)}：“{e(src.get('quote') or '')}”）</span>{ask}</li>")
    return ("<div class='ra-cands' role='note'><strong>您是不是想问：</strong>"
            "<span class='ra-cand-note'>以下数字不是本问题的答案，只是报告中最接近的数字</span>"
            f"<ul>{''.join(items)}</ul></div>")


# Opens a cited source in place when its [n] is clicked (the chat's HTML cannot carry scripts).
HEAD_SCRIPT = """<script>
document.addEventListener('click', function (ev) {
  var q = ev.target.closest && ev.target.closest('a.ra-ask');
  if (q) {                     // a candidate's question: put in the box and asked
    ev.preventDefault(); ev.stopPropagation();
    var box = document.querySelector('#question-box textarea, #question-box input');
    var send = document.getElementById('ask-button');
    if (box && send) {
      box.value = q.getAttribute('data-q');
      box.dispatchEvent(new Event('input', {bubbles: true}));
      setTimeout(function () { send.click(); }, 50);
    }
    return;
  }
  var a = ev.target.closest && ev.target.closest('a.ra-ref');
  if (!a) { return; }
  var id = (a.getAttribute('href') || '').slice(1), d = id && document.getElementById(id);
  if (!d) { return; }
  ev.preventDefault(); ev.stopPropagation();
  d.open = true;
  d.scrollIntoView({block: 'nearest'});
  var s = d.querySelector('summary'); if (s) { s.focus({preventScroll: true}); }
}, true);
</script>"""
