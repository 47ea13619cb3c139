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

ANSWER_FN = "respond"                 # the chat's answering function (its Gradio api_name starts with it)
MAX_BODY = 256 * 1024                 # any POST that is not an upload: a question with its chat history
UPLOAD_PATHS = ("/gradio_api/upload",)
UPLOAD_COOKIE = "ra_upload"           # set by POST /api/admin/session after a key check
UPLOAD_COOKIE_S = 3600


class RateLimiter:
    """Sliding one-minute window per client key; thread-safe, in memory (one process)."""

    def __init__(self, per_minute: int, window_s: float = 60.0):
        self.per_minute = per_minute
        self.window_s = window_s
        self._hits: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, q: deque, now: float) -> None:
        while q and now - q[0] > self.window_s:
            q.popleft()

    def allow(self, key: str) -> bool:
        """Count one request; False when the client is over its budget."""
        if self.per_minute <= 0:
            return True
        now = time.monotonic()
        with self._lock:
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


class Refused(Exception):
    """A request the guard turns away, with its HTTP status and a message that echoes nothing."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class Guard:
    def __init__(self, settings):
        self.settings = settings
        self.questions = RateLimiter(settings.rate_limit_per_minute)
        self.key_failures = RateLimiter(settings.key_failures_per_minute)
        self.max_chars = settings.max_question_chars
        self.max_upload = int(settings.max_upload_mb * 1024 * 1024)
        self.trusted = {p.strip() for p in settings.trusted_proxies.split(",") if p.strip()}

    # --- who is asking ---------------------------------------------------------------------------

    def client_of(self, peer: str | None, headers) -> str:
        """The client's address: the socket peer, or, behind a trusted proxy, the nearest address in
        X-Forwarded-For that is not itself a trusted proxy (the ones before it are client-written)."""
        peer = peer or "unknown"
        if peer not in self.trusted:
            return peer
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
            raise Refused(422, f"the question is longer than {self.max_chars} characters")
        if not self.questions.allow(client):
            raise Refused(429, "too many questions; try again in a minute")

    # --- admin keys ------------------------------------------------------------------------------

    def admin_key(self, client: str, key: str | None) -> None:
        """Raises Refused unless `key` is the admin key; after too many wrong keys from one client,
        even the right one waits out the window (guessing costs a minute per few tries)."""
        configured = self.settings.admin_key
        if not configured:
            raise Refused(403, "uploads and deletes are disabled: no admin key is configured")
        if self.key_failures.exhausted(client):
            raise Refused(429, "too many wrong keys; try again in a minute")
        if not key or not hmac.compare_digest(key.encode(), configured.encode()):
            self.key_failures.hit(client)
            raise Refused(401, "a valid admin key is required")

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
    """ASGI middleware in front of the whole app (API, widget, Gradio). It applies the guard to the
    Gradio routes, which have no hook of their own: the chat's answering calls (by name or by their
    function index in a queue join) count against the same budget as /api/ask and obey the same
    length cap; every other POST body is capped; Gradio's upload route is size-limited and needs the
    upload cookie (admins only); a 422 from a route not ours gets a body that echoes nothing."""

    def __init__(self, app, guard: Guard, answer_fn_ids: set[int] | None = None):
        self.app = app
        self.guard = guard
        self.answer_fn_ids = answer_fn_ids if answer_fn_ids is not None else set()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        peer = (scope.get("client") or (None,))[0]
        client = self.guard.client_of(peer, headers)
        send = self._no_echo(send) if not path.startswith("/api/") else send
        if scope.get("method") != "POST":
            return await self.app(scope, receive, send)
        length = headers.get("content-length")
        if path.startswith(UPLOAD_PATHS):
            if not self.guard.settings.admin_key:
                return await _reply(send, 403, "uploads are disabled: no admin key is configured")
            cookie = SimpleCookie()
            try:
                cookie.load(headers.get("cookie", ""))
            except Exception:
                pass
            token = cookie[UPLOAD_COOKIE].value if UPLOAD_COOKIE in cookie else None
            if not self.guard.upload_token_ok(token):
                return await _reply(send, 403, "uploads need the admin key first")
            if length is None or not length.isdigit():
                return await _reply(send, 411, "a Content-Length is required")
            if int(length) > self.guard.max_upload + 64 * 1024:
                return await _reply(send, 413, f"file is over the {self.guard.settings.max_upload_mb:g} MB upload limit")
            if not self.guard.questions.allow(client):
                return await _reply(send, 429, "too many requests; try again in a minute")
            return await self.app(scope, receive, send)
        if path.startswith("/api/reports"):
            return await self.app(scope, receive, send)      # the API's own upload checks size and key
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            return await _reply(send, 413, "request body too large")
        if not path.startswith("/gradio_api/"):
            return await self.app(scope, receive, send)
        body = await _read_body(receive, MAX_BODY)
        if body is None:
            return await _reply(send, 413, "request body too large")
        if self._is_answer_call(path, body):
            try:
                data = json.loads(body or b"{}").get("data") or []
            except (ValueError, AttributeError):
                data = []
            question = data[0] if data and isinstance(data[0], str) else None
            try:
                self.guard.question(client, question)
            except Refused as r:
                return await _reply(send, r.status, str(r))
        return await self.app(scope, _replay(body, receive), send)

    def _is_answer_call(self, path: str, body: bytes) -> bool:
        name = path.split("/gradio_api/", 1)[1]
        for prefix in ("call/v2/", "call/", "run/"):
            if name.startswith(prefix):
                return name[len(prefix):].split("/")[0].startswith(ANSWER_FN)
        if name.startswith("queue/join"):
            try:
                return json.loads(body or b"{}").get("fn_index") in self.answer_fn_ids
            except (ValueError, AttributeError):
                return False
        return False

    @staticmethod
    def _no_echo(send):
        """Replace the body of a 422 (Gradio's validation errors carry the submitted input)."""
        state = {"swallow": False}

        async def wrapped(message):
            if message["type"] == "http.response.start" and message["status"] == 422:
                state["swallow"] = True
                body = json.dumps({"detail": "invalid request"}).encode()
                await send({"type": "http.response.start", "status": 422,
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


async def _reply(send, status: int, message: str) -> None:
    body = json.dumps({"detail": message}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
