"""Prometheus metrics of one process, and the ``GET /metrics`` page that exposes them.

Labels name a channel (``rest``, ``terminal``, ``telegram``), a router and a handler (code
names), an outcome or an exception class: a bounded set, never a sender or anything typed.
Each worker process counts its own turns; Prometheus scrapes every worker and sums.

Authentication: ``/metrics`` is exempt from the REST token (a scraper should not hold the
credential that chats as anyone); when ``JIUZHU_METRICS_TOKEN`` is set it needs
``Authorization: Bearer <that token>`` (Prometheus' ``authorization`` scrape setting).
"""

from __future__ import annotations

import hmac

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

METRICS_PATH = "/metrics"

# [A] Seconds: a turn is mostly database round trips and the NLU (tens of ms), a pre-check
# or a PDF takes longer; the top buckets catch a slow Rasa server (2 s timeout).
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

TURNS = Counter(
    "jiuzhu_turns", "Messages the gateway took, by how they ended: answered, duplicate "
    "(a repeated message_id answered from the first replies), refused (empty, too long), "
    "busy (the sender's previous turn held the lock too long), error.",
    ["channel", "outcome"],
)
TURN_SECONDS = Histogram(
    "jiuzhu_turn_seconds", "Time to handle one message, from the lock taken to the replies.",
    ["channel"], buckets=_SECONDS,
)
IN_FLIGHT = Gauge("jiuzhu_turns_in_flight", "Messages being handled now.", ["channel"])
LOCK_WAIT_SECONDS = Histogram(
    "jiuzhu_sender_lock_wait_seconds",
    "Time a message waited for the same sender's earlier message (any worker).",
    ["channel"], buckets=_SECONDS,
)
HANDLER_CALLS = Counter(
    "jiuzhu_handler_calls", "Handler runs.", ["channel", "router", "handler"]
)
HANDLER_SECONDS = Histogram(
    "jiuzhu_handler_seconds", "Time in one handler (its service calls and replies).",
    ["channel", "router", "handler"], buckets=_SECONDS,
)
HANDLER_ERRORS = Counter(
    "jiuzhu_handler_errors", "Handler runs that raised (then answered by the errors router).",
    ["channel", "router", "handler", "error"],
)
THROTTLED = Counter(
    "jiuzhu_throttled", "Updates over a sender's rate limit (answered, not handled).",
    ["channel"],
)


def metrics_handler(token: str | None = None) -> web.Handler:
    """The ``GET /metrics`` handler: this process's metrics in Prometheus' text format.

    :param token: bearer token required (``JIUZHU_METRICS_TOKEN``); None: open.
    """

    async def metrics(request: web.Request) -> web.Response:
        if token is not None:
            scheme, _, given = request.headers.get("Authorization", "").partition(" ")
            presented = given.strip().encode("utf-8", "surrogateescape")
            if scheme.lower() != "bearer" or not hmac.compare_digest(presented, token.encode()):
                return web.json_response(
                    {"error": "missing or wrong token: send 'Authorization: Bearer <token>'"},
                    status=401,
                )
        return web.Response(
            body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    return metrics
