"""The one error shape of the web edge, in Chinese: every refusal of the API, the guard and the
routes FastAPI or Starlette answer themselves (404, 405, an unreadable body) is

    {"detail": "一句中文说明", "code": "rate_limited"}

`detail` is always one line for people (never the submitted input), `code` a stable word for
programs. A 429 carries `Retry-After` (seconds) and says the same wait in its message; a 405
carries `Allow`.
"""
from __future__ import annotations

import json
import math

from pydantic import BaseModel, Field

# status -> (code, default message, what the OpenAPI document says)
STATUS = {
    400: ("bad_request", "请求无法处理", "请求无法处理（例如问题无法读取）"),
    401: ("unauthorized", "需要有效的管理密钥（X-API-Key）", "缺少或错误的管理密钥 X-API-Key"),
    403: ("forbidden", "这个操作未开放", "未开放：没有配置管理密钥时不允许上传或删除"),
    404: ("not_found", "没有找到请求的内容", "没有这份报告或这个地址"),
    405: ("method_not_allowed", "这个地址不支持该请求方法", "这个地址不支持该请求方法（响应头 Allow 列出支持的方法）"),
    409: ("conflict", "与当前状态冲突，请稍后再试", "同一份报告已收录，或另一个索引任务正在写入"),
    411: ("length_required", "需要 Content-Length 请求头", "上传需要 Content-Length 请求头"),
    413: ("too_large", "请求内容太大", "请求或上传的文件超过大小上限"),
    415: ("unsupported_type", "不支持的文件类型", "文件类型不支持，或内容与扩展名不符"),
    422: ("invalid_request", "请求格式不正确", "请求格式不正确：问题为空或过长、字段类型不对，或上传的文件不是可读的年度报告"),
    429: ("rate_limited", "请求太频繁，请稍后再试", "请求太频繁（按用户或客户端计数）；响应头 Retry-After 给出需要等待的秒数"),
    500: ("server_error", "服务器处理请求时出错", "服务器处理请求时出错"),
    503: ("unavailable", "索引正在更新或暂时不可用，请稍后再试", "索引正在更新或暂时不可用"),
}


class ErrorBody(BaseModel):
    detail: str = Field(description="一句中文说明出了什么问题（不回显请求内容）")
    code: str = Field(description="给程序用的错误代码：" + "、".join(f"{c}（{s}）" for s, (c, _, _) in STATUS.items()))


def code_of(status: int) -> str:
    return STATUS.get(status, ("error",))[0]


def message_of(status: int) -> str:
    return STATUS.get(status, (None, "请求未能完成"))[1]


def wait_text(seconds: float) -> str:
    return f"{max(1, math.ceil(seconds))}秒"


def body(status: int, message: str | None = None, code: str | None = None) -> dict:
    return {"detail": message or message_of(status), "code": code or code_of(status)}


def headers(status: int, retry_after: float | None = None, allow: list[str] | None = None) -> dict[str, str]:
    out = {}
    if status == 429:
        out["Retry-After"] = str(max(1, math.ceil(retry_after if retry_after is not None else 60)))
    if status == 405 and allow:
        out["Allow"] = ", ".join(allow)
    return out


def response(status: int, message: str | None = None, retry_after: float | None = None,
             allow: list[str] | None = None, code: str | None = None):
    from fastapi.responses import JSONResponse

    return JSONResponse(body(status, message, code), status_code=status, headers=headers(status, retry_after, allow))


async def reply(send, status: int, message: str | None = None, retry_after: float | None = None,
                allow: list[str] | None = None) -> None:
    """The same error, sent by an ASGI middleware (the guard) before any route runs."""
    raw = json.dumps(body(status, message), ensure_ascii=False).encode()
    extra = [(k.lower().encode(), v.encode()) for k, v in headers(status, retry_after, allow).items()]
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()),
                            *extra]})
    await send({"type": "http.response.body", "body": raw})


def responses(*codes: int) -> dict:
    """OpenAPI `responses` for the given error codes: the one error body, and the headers they carry."""
    out = {}
    for c in codes:
        entry: dict = {"model": ErrorBody, "description": STATUS[c][2]}
        if c == 429:
            entry["headers"] = {"Retry-After": {"description": "需要等待的秒数", "schema": {"type": "integer"}}}
        if c == 405:
            entry["headers"] = {"Allow": {"description": "这个地址支持的方法", "schema": {"type": "string"}}}
        out[c] = entry
    return out


# the field names of a request body, for the 422 message
FIELD_ZH = {"question": "问题", "agency": "单位", "year": "年份", "history": "对话历史", "role": "角色",
            "content": "内容", "body": "请求体", "file": "文件"}


def validation_message(errors: list[dict]) -> str:
    """A 422 for people: which field and why in Chinese, never the value sent."""
    if not errors:
        return message_of(422)
    parts = []
    for e in errors[:3]:
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path", "header")]
        name = "".join(FIELD_ZH.get(x, f"第{int(x) + 1}项" if x.isdigit() else x) for x in loc[:1]) or "请求体"
        if len(loc) > 1:
            name += "中的" + "".join(FIELD_ZH.get(x, f"第{int(x) + 1}项" if x.isdigit() else x) for x in loc[1:])
        t = e.get("type", "")
        if loc[:1] == ["question"] and t in ("missing", "string_too_short", "value_error", "string_pattern_mismatch"):
            parts.append("问题不能为空")
        elif t == "missing":
            parts.append(f"缺少{name}")
        elif t == "string_too_long":
            limit = (e.get("ctx") or {}).get("max_length")
            parts.append(f"{name}过长" + (f"（最多{limit}个字）" if limit else ""))
        elif t == "too_long":
            limit = (e.get("ctx") or {}).get("max_length")
            parts.append(f"{name}太多" + (f"（最多{limit}项）" if limit else ""))
        elif t in ("json_invalid", "model_attributes_type", "dict_type") or name == "请求体":
            parts.append("请求体不是有效的 JSON 对象")
        elif t.startswith("literal") or t == "enum":
            parts.append(f"{name}的取值不对")
        else:
            parts.append(f"{name}格式不正确")
    return "；".join(dict.fromkeys(parts))
