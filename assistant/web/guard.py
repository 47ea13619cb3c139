"""One guard for every route that answers or accepts data: the REST API, the widget (which calls the
API) and the Gradio chat's own routes share one per-client rate limit, one question-length cap and
one body-size cap; Gradio's upload route is size-limited and open only to a browser that has shown
the admin key (a signed, short-lived cookie); wrong admin keys are throttled; error bodies never
echo what was sent.

Who the client is comes from the socket. X-Forwarded-For is believed only when the socket peer is a
configured trusted proxy (RA_TRUSTED_PROXIES), and then the nearest address that is not a proxy is
the client: a client cannot rotate the header to get a fresh budget.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import defaultdict, deque
from http.cookies import SimpleCookie

from .errors import body as error_body, reply as _error_reply, wait_text
from .doors import ANSWER as ANSWER_POLICY, FN as FN_POLICY, UPLOAD as UPLOAD_POLICY, WRITE as WRITE_POLICY

MAX_BODY = 256 * 1024                 # any POST that is not an upload: a question with its chat history
MULTIPART_OVERHEAD = 64 * 1024        # an upload's form around its file: boundaries, part headers
ASSET_FACTOR = 10
UPLOAD_COOKIE = "ra_upload"           # set by POST /api/admin/session after a key check
UPLOAD_COOKIE_S = 3600


class RateLimiter:
    """Sliding one-minute window per client key; thread-safe, in memory (one process)."""

    def __init__(self, per_minute: int, window_s: float = 60.0):
        self.per_minute = per_minute
        self.window_s = window_s
        self._hits: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()
        self._calls = 0

    def _trim(self, q: deque, now: float) -> None:
        while q and now - q[0] > self.window_s:
            q.popleft()

    def allow(self, key: str) -> bool:
        """Count one request; False when the client is over its budget."""
        if self.per_minute <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            self._calls += 1
            if self._calls % 4096 == 0:         # clients gone quiet leave no entry behind
                for k in [k for k, q in self._hits.items() if not q or now - q[-1] > self.window_s]:
                    del self._hits[k]
            q = self._hits[key]
            self._trim(q, now)
            if len(q) >= self.per_minute:
                return False
            q.append(now)
            return True

    def exhausted(self, key: str) -> bool:
        """Over budget, without counting a request."""
        if self.per_minute <= 0:
            return False
        with self._lock:
            q = self._hits.get(key)
            if not q:
                return False
            self._trim(q, time.monotonic())
            return len(q) >= self.per_minute

    def hit(self, key: str) -> None:
        with self._lock:
            self._hits[key].append(time.monotonic())

    def retry_after(self, key: str) -> float:
        """Seconds until this client may send again (the oldest request in its window leaves it)."""
        with self._lock:
            q = self._hits.get(key)
            if not q:
                return 1.0
            return max(1.0, self.window_s - (time.monotonic() - q[0]))


class Refused(Exception):
    """A request the guard turns away, with its HTTP status and a Chinese message that echoes nothing;
    a 429 says how long to wait (`retry_after`, seconds)."""

    def __init__(self, status: int, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class Guard:
    def __init__(self, settings):
        self.settings = settings
        self.questions = RateLimiter(settings.rate_limit_per_minute)
        self.requests = RateLimiter(settings.request_limit_per_minute)    # every route, per client
        # a page load fetches ~80 assets: GETs outside the API have a budget of their own, ten times larger
        self.assets = RateLimiter(settings.request_limit_per_minute * ASSET_FACTOR)
        self.key_failures = RateLimiter(settings.key_failures_per_minute)
        self.max_chars = settings.max_question_chars
        self.max_upload = int(settings.max_upload_mb * 1024 * 1024)
        self.trusted = {p.strip() for p in settings.trusted_proxies.split(",") if p.strip()}
        self.user_header = (getattr(settings, "user_header", "") or "").strip().lower()

    # --- who is asking ---------------------------------------------------------------------------

    def client_of(self, peer: str | None, headers) -> str:
        """Who is asking, the key of every budget: the socket peer; behind a trusted proxy, the user the
        proxy names in RA_USER_HEADER (an intranet proxy that signs users in: every user shares its
        address, so the address would give them one budget), else the nearest address in
        X-Forwarded-For that is not itself a trusted proxy (the ones before it are client-written).
        Neither header is believed from anyone but a trusted proxy."""
        peer = peer or "unknown"
        if peer not in self.trusted:
            return peer
        if self.user_header:
            user = (headers.get(self.user_header) or "").strip()
            if user:
                return "user:" + user[:200]
        chain = [a.strip() for a in (headers.get("x-forwarded-for") or "").split(",") if a.strip()]
        for addr in reversed(chain):
            if addr not in self.trusted:
                return addr
        return peer

    def client(self, request) -> str:
        """For a Starlette/FastAPI request or a Gradio gr.Request."""
        c = getattr(request, "client", None)
        return self.client_of(getattr(c, "host", None), getattr(request, "headers", {}) or {})

    # --- questions -----------------------------------------------------------------------------

    def question(self, client: str, text: str | None) -> None:
        """Raises Refused for a question over the length cap (422) or a client over its budget (429)."""
        if text is not None and len(text) > self.max_chars:
            raise Refused(422, f"问题过长（最多{self.max_chars}个字），请缩短后再问")
        if not self.questions.allow(client):
            raise self.too_many(client)

    def too_many(self, client: str, limiter: RateLimiter | None = None) -> Refused:
        """The 429 of a client over its question budget (or `limiter`'s), with the wait in seconds."""
        limiter = limiter or self.questions
        wait = limiter.retry_after(client)
        what = (f"提问太频繁（每分钟最多{limiter.per_minute}个问题）" if limiter is self.questions
                else "请求太频繁")
        return Refused(429, f"{what}，请{wait_text(wait)}后再试", retry_after=wait)

    def upload_limit_message(self) -> str:
        return f"文件超过{self.settings.max_upload_mb:g} MB 的上传上限"

    # --- admin keys ------------------------------------------------------------------------------

    def admin_key(self, client: str, key: str | None) -> None:
        """Raises Refused unless `key` is the admin key; after too many wrong keys from one client,
        even the right one waits out the window (guessing costs a minute per few tries)."""
        configured = self.settings.admin_key
        if not configured:
            raise Refused(403, "上传和删除未开放：没有配置管理密钥")
        if not key:                 # no key is no guess: always 401, never counted
            raise Refused(401, "需要有效的管理密钥（X-API-Key）")
        if self.key_failures.exhausted(client):
            wait = self.key_failures.retry_after(client)
            raise Refused(429, f"管理密钥错误次数过多，请{wait_text(wait)}后再试", retry_after=wait)
        if not hmac.compare_digest(key.encode(), configured.encode()):
            self.key_failures.hit(client)
            raise Refused(401, "管理密钥不正确")

    # --- the upload cookie: Gradio's upload route for admins only -----------------------------------

    def _sign(self, expires: int) -> str:
        return hmac.new(self.settings.admin_key.encode(), f"upload:{expires}".encode(), hashlib.sha256).hexdigest()

    def upload_token(self) -> str:
        """A short-lived token that proves a key check (the browser sends files before the key)."""
        expires = int(time.time()) + UPLOAD_COOKIE_S
        return f"{expires}.{self._sign(expires)}"

    def upload_token_ok(self, token: str | None) -> bool:
        if not token or not self.settings.admin_key or "." not in token:
            return False
        expires, sig = token.split(".", 1)
        return expires.isdigit() and int(expires) > time.time() and hmac.compare_digest(sig, self._sign(int(expires)))


class GuardMiddleware:
    """ASGI middleware in front of the whole app (API, widget, Gradio): every request meets the
    allow-list (`doors.Doors`, built from the route table at start-up) before any body is read.
    Each client has one request budget for every route; answering routes (by whatever Gradio route
    or function index they are reached) also count against the question budget and obey the length
    cap; writes need the key first; an upload's Content-Length is checked against the limit before a
    byte is read and its body is counted as it arrives; other bodies are capped; a 422 or 500 from a
    route not ours gets a short body that echoes nothing."""

    def __init__(self, app, guard: Guard, doors):
        self.app = app
        self.guard = guard
        self.doors = doors

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        method = scope.get("method", "GET")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        peer = (scope.get("client") or (None,))[0]
        client = self.guard.client_of(peer, headers)
        send = self._no_echo(send) if not path.startswith("/api/") else send
        page_asset = method in ("GET", "HEAD") and not path.startswith("/api/")
        budget = self.guard.assets if page_asset else self.guard.requests
        if not budget.allow(client):
            return await _refuse(send, self.guard.too_many(client, budget))
        found, params = self.doors.find(method, path)
        if found is None:                      # no route takes it: 405 where the path is ours, else the app's 404
            allowed = self.doors.allowed(path)
            if allowed:
                return await _reply(send, 405, f"这个地址不支持 {method[:10]} 请求（支持：{', '.join(allowed)}）",
                                    allow=allowed)
            return await self.app(scope, receive, send)
        policy = found.policy
        if policy is None:
            return await _reply(send, 403, "这个地址未开放")
        length = headers.get("content-length")
        if policy == UPLOAD_POLICY:
            return await self._gradio_upload(scope, receive, send, headers, client, length)
        if policy == WRITE_POLICY and not path.startswith("/gradio_api/"):
            try:
                self.guard.admin_key(client, headers.get("x-api-key"))
            except Refused as r:
                return await _refuse(send, r)
            if not self.guard.questions.allow(client):
                return await _refuse(send, self.guard.too_many(client, self.guard.requests))
            if method == "POST" and path.rstrip("/") == "/api/reports":
                return await self._upload(scope, receive, send, length)
        if method not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            return await _reply(send, 413, "请求内容太大")
        body = await _read_body(receive, MAX_BODY)
        if body is None:
            return await _reply(send, 413, "请求内容太大")
        if policy in (ANSWER_POLICY, FN_POLICY):
            try:
                parsed = json.loads(body or b"{}")
            except ValueError:
                parsed = {}
            parsed = parsed if isinstance(parsed, dict) else {}
            fn_ids = None
            if policy == FN_POLICY:
                fn_ids = self.doors.fn_ids(parsed, params.get("api_name"))
                if fn_ids is None:
                    return await _reply(send, 422, "请求格式不正确")
                policy = self.doors.strictest(fn_ids)
                if policy is None:
                    return await _reply(send, 404 if not fn_ids else 403, "没有这个功能" if not fn_ids
                                        else "这个功能未开放")
            if policy == ANSWER_POLICY:
                question = (parsed.get("question") if fn_ids is None else self.doors.question_of(fn_ids, parsed))
                try:
                    self.guard.question(client, question if isinstance(question, str) else None)
                except Refused as r:
                    return await _refuse(send, r)
            elif policy == WRITE_POLICY and fn_ids is not None:
                if not self.guard.questions.allow(client):
                    return await _refuse(send, self.guard.too_many(client, self.guard.requests))
        return await self.app(scope, _replay(body, receive), send)

    async def _gradio_upload(self, scope, receive, send, headers, client, length):
        """Gradio's upload route: admins only (the signed cookie), Content-Length within the limit."""
        if not self.guard.settings.admin_key:
            return await _reply(send, 403, "上传未开放：没有配置管理密钥")
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:
            pass
        token = cookie[UPLOAD_COOKIE].value if UPLOAD_COOKIE in cookie else None
        if not self.guard.upload_token_ok(token):
            return await _reply(send, 403, "上传前请先输入管理密钥")
        if not self.guard.questions.allow(client):
            return await _refuse(send, self.guard.too_many(client, self.guard.requests))
        return await self._upload(scope, receive, send, length)

    async def _upload(self, scope, receive, send, length):
        """Content-Length first (411 without one, 413 over the limit), then the body counted as it
        arrives: past the declared length or the limit, the app sees the client go away and the
        client gets 413; nothing beyond the limit is ever read."""
        limit = self.guard.max_upload + MULTIPART_OVERHEAD
        if length is None or not length.isdigit():
            return await _reply(send, 411, "上传需要 Content-Length 请求头")
        if int(length) > limit:
            return await _reply(send, 413, self.guard.upload_limit_message())
        allowed = int(length)
        state = {"read": 0, "over": False, "started": False}

        async def counted():
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > allowed:
                    state["over"] = True
                    return {"type": "http.disconnect"}
            return message

        async def tracked(message):
            if state["over"]:
                return                   # the app's answer to a cut-off body is replaced by the 413
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except Exception:
            if not state["over"]:
                raise
        if state["over"] and not state["started"]:
            await _reply(send, 413, self.guard.upload_limit_message())

    @staticmethod
    def _no_echo(send):
        """Replace the body of a 422 or 500 (Gradio's errors carry the submitted input)."""
        state = {"swallow": False}

        async def wrapped(message):
            if message["type"] == "http.response.start" and message["status"] in (422, 500):
                state["swallow"] = True
                body = json.dumps(error_body(message["status"]), ensure_ascii=False).encode()
                await send({"type": "http.response.start", "status": message["status"],
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
            if state["swallow"]:
                return
            await send(message)

        return wrapped


async def _read_body(receive, limit: int) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, original):
    """The body already read, then the connection's own messages (a disconnect, when it comes)."""
    sent = {"done": False}

    async def receive():
        if not sent["done"]:
            sent["done"] = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive


async def _reply(send, status: int, message: str, retry_after: float | None = None, allow=None) -> None:
    await _error_reply(send, status, message, retry_after=retry_after, allow=allow)


async def _refuse(send, r: Refused) -> None:
    await _error_reply(send, r.status, str(r), retry_after=r.retry_after)
