"""Every door into the app and who may use it: one allow-list, built at start-up from the app's own
route table (FastAPI's routes and the routes Gradio mounts) and from Gradio's functions, not from
guessed path patterns.

A route has one policy:
- ANSWER  answers a question: the client's question budget and the length cap (shared by all of them)
- WRITE   touches the index: the admin key (X-API-Key; the chat's functions check the key they are
          sent) and the same per-client budget
- OPEN    reads what is public: the per-client request budget and the body cap only
- FN      a Gradio route that runs one of the chat's functions: the policy of the function it runs,
          resolved the way Gradio resolves it (`fn_index` in the body wins, given as an int or a
          string, else the `api_name` in the path)
- UPLOAD  Gradio's file upload: admins only (the signed cookie), size-limited

A route of ours that is missing from `API_DOORS`, and a function of ours that carries no policy,
has none: the guard refuses it (403). Gradio's own functions (an example filling the box) are OPEN.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from types import SimpleNamespace

from starlette.routing import Mount, compile_path

ANSWER, WRITE, OPEN, FN, UPLOAD = "answer", "write", "open", "fn", "upload"

# FastAPI routes by endpoint name (api.py, web.py, app.py and FastAPI's docs)
API_DOORS = {
    "ask": ANSWER,
    "upload": WRITE, "delete": WRITE, "admin_session": WRITE,
    "health": OPEN, "source": OPEN, "reports": OPEN, "report": OPEN, "original_file": OPEN, "overview": OPEN,
    "widget": OPEN, "embed": OPEN,
    "openapi": OPEN, "custom_swagger_ui_html": OPEN, "swagger_ui_redirect": OPEN,
}
GRADIO_UPLOAD = "/gradio_api/upload"
# Gradio's POST routes that run none of the chat's functions and write nothing of ours; any other
# POST route Gradio mounts (login, vibe editing, recordings, run history) is refused
GRADIO_POSTS = {"/gradio_api/cancel", "/gradio_api/reset", "/gradio_api/component_server",
                "/gradio_api/stream/{event_id}", "/gradio_api/stream/{event_id}/close"}


def door(policy: str):
    """Marks a chat function with its policy (the allow-list of Gradio's functions)."""
    def mark(fn):
        fn.__door__ = policy
        return fn
    return mark


def all_routes(app, prefix: str = "", gradio: bool = False):
    """(route with its full path, methods) for every route mounted on `app`: FastAPI's included
    routers flattened (`iter_route_contexts`), mounts followed (Gradio is mounted at "/")."""
    from fastapi.routing import iter_route_contexts

    for rc in iter_route_contexts(app.routes):
        route = rc.original_route
        if isinstance(route, Mount):
            inner = getattr(route.app, "routes", None)
            if inner is not None:
                yield from all_routes(route.app, prefix + route.path, gradio or _is_gradio(route.app))
            else:               # static files
                yield SimpleNamespace(path=prefix + route.path + "/{path:path}", name=route.name,
                                      gradio=gradio, static=True), {"GET", "HEAD"}
            continue
        methods = rc.methods or ({"WEBSOCKET"} if "WebSocket" in type(route).__name__ else set())
        yield SimpleNamespace(path=prefix + (rc.path or ""), name=rc.name or "", gradio=gradio), set(methods)


def _is_gradio(app) -> bool:
    return hasattr(app, "get_blocks") or type(app).__module__.startswith("gradio")


@dataclass
class _Door:
    path: str
    methods: set
    policy: str | None
    regex: object
    params: dict = field(default_factory=dict)
    static: bool = False


class Doors:
    """The allow-list. `build` reads the route table once the app is assembled; `find` is what the
    guard asks per request; `fn_policy` says what a Gradio function may do."""

    def __init__(self):
        self.doors: list[_Door] = []
        self.blocks = None

    def build(self, app, blocks) -> Doors:
        self.blocks = blocks
        self.doors = []
        for r, methods in all_routes(app):
            regex, _, convertors = compile_path(r.path)
            self.doors.append(_Door(r.path, methods, self._policy(r, methods), regex, convertors,
                                    static=getattr(r, "static", False) or r.path.endswith("{path:path}")))
        return self

    @staticmethod
    def _policy(r, methods) -> str | None:
        if getattr(r, "static", False):
            return OPEN
        if not r.gradio:
            return API_DOORS.get(r.name)
        if r.path.rstrip("/") == GRADIO_UPLOAD:
            return UPLOAD
        if "POST" in methods and ("{api_name}" in r.path or r.path.rstrip("/").endswith("/queue/join")):
            return FN
        if methods & {"POST", "PUT", "PATCH", "DELETE", "WEBSOCKET"}:
            return OPEN if r.path.rstrip("/") in GRADIO_POSTS else None
        return OPEN

    def policy_of(self, method: str, path: str) -> str | None:
        """The policy of a route by its template (for tests and the threat model)."""
        return next((d.policy for d in self.doors if d.path == path and method in d.methods), None)

    def find(self, method: str, path: str) -> tuple[_Door | None, dict]:
        """The first route that takes this request, as Starlette would route it, with its path params."""
        for d in self.doors:
            m = d.regex.match(path)
            if m and (method in d.methods or (method == "HEAD" and "GET" in d.methods)):
                return d, m.groupdict()
        return None, {}

    def allowed(self, path: str) -> list[str]:
        """The methods a path of ours takes (for a 405 with `Allow`); empty when no route of ours has
        this path (a catch-all file route does not count: an unknown path is a 404)."""
        methods: set[str] = set()
        for d in self.doors:
            if not d.static and d.regex.match(path):
                methods |= d.methods
        if "GET" in methods:
            methods.add("HEAD")
        return sorted(methods - {"WEBSOCKET"})

    # --- Gradio's functions -----------------------------------------------------------------------

    def fn_policy(self, fn_id) -> str | None:
        fn = self.blocks.fns.get(fn_id) if self.blocks is not None else None
        if fn is None:
            return None
        f = fn.fn
        if f is None:                   # a browser-side (js) event: runs nothing on the server
            return OPEN
        marked = getattr(f, "__door__", None)
        if marked:
            return marked
        return OPEN if (getattr(f, "__module__", "") or "").startswith("gradio") else None

    def fn_ids(self, body: dict, api_name: str | None) -> list | None:
        """The functions a call may run. Gradio's run/api routes and the queue run the body's
        `fn_index` (coerced as Gradio's body model coerces it: 3, "3", 3.0) when there is one, its
        call routes the function named in the path: both are returned, and the guard applies the
        strictest. None when the body names an index that is no integer."""
        from pydantic import TypeAdapter, ValidationError

        ids = []
        raw = body.get("fn_index") if isinstance(body, dict) else None
        if raw is not None:
            try:
                ids.append(TypeAdapter(int).validate_python(raw))
            except ValidationError:
                return None
        if api_name is not None and self.blocks is not None:
            ids += [i for i, fn in self.blocks.fns.items() if fn.api_name == api_name][:1]
        return ids

    def strictest(self, fn_ids: list) -> str | None:
        """ANSWER over WRITE over OPEN; None (refused) if any is unknown or carries no policy."""
        policies = [self.fn_policy(i) for i in fn_ids]
        if not policies or None in policies:
            return None
        return next(p for p in (ANSWER, WRITE, OPEN) if p in policies)

    def question_of(self, fn_ids: list, body: dict) -> str | None:
        """The question a call of an answering function carries: its first input."""
        if not isinstance(body, dict):
            return None
        data = body.get("data")
        if isinstance(data, list):
            return data[0] if data and isinstance(data[0], str) else None
        fn = self.blocks.fns.get(fn_ids[-1]) if self.blocks is not None and fn_ids else None
        if fn is not None and fn.fn is not None:      # /call/v2: arguments by parameter name
            first = next(iter(inspect.signature(fn.fn).parameters), None)
            value = body.get(first) if first else None
            return value if isinstance(value, str) else None
        return None
