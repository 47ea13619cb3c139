"""Whether an uploaded file is a report at all, and why an upload was refused, said in Chinese.

A file that parses (any text does) but has neither an agency and year nor a table of the national
template is not an annual report: indexing it would put a nameless "report" into every ranking.
"""
from __future__ import annotations

import re


def not_a_report(facts, report_id: str) -> str | None:
    """The reason (Chinese) an indexed upload is not an annual report, or None when it is one."""
    r = facts.report(report_id)
    if r is None:
        return None
    has_table = any(f["kind"] == "cell" for f in facts.facts([report_id]))
    missing = [what for what, ok in (("单位名称", r.get("agency")), ("年份", r.get("year"))) if not ok]
    if missing and not has_table:
        return (f"这个文件不像政府信息公开工作年度报告：未识别出{'和'.join(missing)}，"
                "也没有年度报告模板中的统计表格，因此没有收录")
    return None


_MESSAGES = [
    (re.compile(r"file is over the ([\d.]+) MB upload limit"), "文件超过{0} MB 的上传上限"),
    (re.compile(r"unsupported file type '([^']*)'"), "不支持的文件类型“{0}”（支持 txt、md、html、pdf、docx）"),
    (re.compile(r"the file content is not a (\w+) file"), "文件内容不是 {0} 文件（扩展名与内容不符）"),
    (re.compile(r"the file content is binary, not text"), "文件内容是二进制数据，不是文本"),
    (re.compile(r"invalid file name"), "文件名无效"),
    (re.compile(r"already indexed"), "这份报告已经收录（内容相同）"),
    (re.compile(r"another upload is being indexed"), "正在收录其他报告，请等它结束后再试"),
    (re.compile(r"index cannot be written"), "索引暂时无法写入，请稍后再试"),
    (re.compile(r"archive would unpack to (\d+) MB"), "压缩包解压后有{0} MB，超过上限，没有解析"),
    (re.compile(r"archive has (\d+) entries"), "压缩包内文件有{0}个，超过上限，没有解析"),
    (re.compile(r"archive entry .* compressed"), "压缩包中有压缩比异常的文件，没有解析"),
    (re.compile(r"longer than the ([\d.]+) s limit"), "解析超过{0}秒的时限，已停止"),
    (re.compile(r"more than the (\d+) MB memory limit"), "解析需要的内存超过{0} MB 的上限，已停止"),
    (re.compile(r"the parser stopped"), "解析进程中止（很可能超过了内存上限）"),
    (re.compile(r"no text|empty", re.I), "文件中没有可读的文字"),
    (re.compile(r"too large|over the .* limit", re.I), "文件太大"),
    (re.compile(r"time limit|timed out|timeout", re.I), "解析超时"),
    (re.compile(r"memory", re.I), "解析时内存超限"),
    (re.compile(r"busy|locked|another (writer|indexer)", re.I), "索引正忙（另一个索引任务正在进行），请稍后再试"),
]


def upload_message_zh(message: str) -> str:
    """An upload error for people: known English messages of the upload path in Chinese; a message
    already in Chinese unchanged; anything else prefixed so the user still sees what went wrong."""
    text = str(message)
    if re.search(r"[\u4e00-\u9fff]", text):
        return text
    for pattern, zh in _MESSAGES:
        m = pattern.search(text)
        if m:
            return zh.format(*(g.upper() if g and g.isalpha() else g for g in m.groups()))
    return f"无法解析这个文件（{text}）"
