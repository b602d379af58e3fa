"""CORS for the REST channel: a chat widget on another origin may call the webhook.

Only the origins listed (``JIUZHU_CORS_ORIGINS``, comma-separated, e.g.
``https://www.example.gov.cn,https://m.example.gov.cn``) get ``Access-Control-Allow-Origin``
(their own origin, with ``Vary: Origin``); ``*`` lets any origin in and is answered as
``*``. Credentials are never allowed: the channel authenticates with a token, not cookies,
so no cookie of ours rides along a cross-origin call. A preflight (``OPTIONS`` with
``Access-Control-Request-Method``) is answered here, before the token check (a browser
sends it without one): 204 for a listed origin, 403 otherwise.

A middleware rather than aiohttp-cors: that library adds an ``OPTIONS`` route per resource,
which our token guard would refuse first, and it would reach the staff app mounted beside,
which must stay same-origin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type"
MAX_AGE = "600"  # [A] seconds a browser may reuse a preflight's answer


def parse_origins(value: str) -> frozenset[str]:
    """``"https://a.example, https://b.example/"`` → their origins (no trailing slash)."""
    return frozenset(o.strip().rstrip("/") for o in value.split(",") if o.strip())


def install_cors(
    app: web.Application, origins: frozenset[str], *, skip_prefixes: tuple[str, ...] = ()
) -> None:
    """Answer CORS for ``origins`` on ``app`` (see the module docstring); call before startup.

    The headers are added as each response is prepared, so that streamed answers and the
    guard's errors (a 401 the widget must be able to read) carry them too.

    :param skip_prefixes: paths left alone (the staff app: same origin only).
    """

    def allowed(request: web.Request) -> str | None:
        origin = request.headers.get("Origin")
        if origin is None or not origins or request.path.startswith(skip_prefixes or ("\0",)):
            return None
        if "*" in origins:
            return "*"
        return origin if origin in origins else None

    @web.middleware
    async def preflight(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
            return await handler(request)
        if request.path.startswith(skip_prefixes or ("\0",)):
            return await handler(request)
        if allowed(request) is None:
            return web.json_response(
                {"error": "this origin is not allowed (JIUZHU_CORS_ORIGINS)"}, status=403
            )
        return web.Response(status=204, headers={
            "Access-Control-Allow-Methods": ALLOW_METHODS,
            "Access-Control-Allow-Headers": ALLOW_HEADERS,
            "Access-Control-Max-Age": MAX_AGE,
        })  # fmt: skip

    async def headers(request: web.Request, response: web.StreamResponse) -> None:
        allow = allowed(request)
        if allow is not None:
            response.headers["Access-Control-Allow-Origin"] = allow
            if allow != "*":
                response.headers["Vary"] = "Origin"

    app.middlewares.insert(0, preflight)  # before the token guard: a preflight has no token
    app.on_response_prepare.append(headers)
