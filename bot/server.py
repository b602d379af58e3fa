"""What ``jiuzhu serve`` serves: the REST channel, the web chat page at ``/``, and the staff
console and API at ``/staff``.

``build_server(ctx)`` wires one :class:`~bot.app.AppContext` into one aiohttp application:
the Rasa-compatible webhooks and document downloads (:mod:`bot.channels.rest`), the web chat
page and its API under ``/chat`` (:mod:`bot.channels.webchat`, pushed to at once), the staff
app (:mod:`staff.web`) with the pushers that deliver a caseworker's message at once
(:mod:`bot.channels.push`), the readiness probes, and ``GET /metrics`` (:mod:`bot.metrics`:
outside the REST token, behind ``JIUZHU_METRICS_TOKEN`` when set). With
``JIUZHU_REST_CALLBACK_URL`` set, Rasa's callback channel is on, and what staff write to
REST and callback residents is POSTed there; with ``JIUZHU_REDIS_URL`` documents wait in
Redis, so any worker serves them.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from bot.app import AppContext
from bot.channels import webchat as web_chat
from bot.channels.cors import parse_origins
from bot.channels.documents import DocumentStore
from bot.channels.gateway import Gateway
from bot.channels.push import CallbackPoster, RestCallbackPusher
from bot.channels.rest import CallbackChannel, build_rest_app
from bot.metrics import METRICS_PATH, metrics_handler
from staff.relay import Pusher
from staff.web import build_staff_app
from staff.web.keys import PUSHERS
from store.crypto import vault


def build_server(
    ctx: AppContext,
    *,
    pushers: Mapping[str, Pusher] | None = None,
    open_paths: tuple[str, ...] = (),
) -> web.Application:
    """The served application; closing it closes the pushers it made (not ``ctx``).

    :param pushers: extra or replacement pushers by channel (tests, the Telegram bot).
    :param open_paths: more paths with their own authentication, exempt from the REST token
        (the Telegram webhook, which checks its secret header).
    """
    settings = ctx.settings
    token = settings.rest_token.get_secret_value() if settings.rest_token else None
    redis = getattr(ctx.storage, "redis", None)  # the FSM's Redis, when workers share one
    documents = DocumentStore(redis=redis, vault=vault() if redis is not None else None)
    chosen: dict[str, Pusher] = {}
    callback: CallbackChannel | None = None
    if settings.rest_callback_url:
        public = settings.public_url or f"http://{settings.host}:{settings.port}"
        poster = CallbackPoster(settings.rest_callback_url, documents, public, token)
        callback = CallbackChannel(Gateway(ctx.dispatcher, channel="callback"), poster)
        # Residents of both channels get what staff write (and any later push) at once.
        chosen["rest"] = chosen["callback"] = RestCallbackPusher(poster)

        async def close_poster(_: web.Application) -> None:
            await poster.close()

    app = build_rest_app(
        Gateway(ctx.dispatcher, channel="rest"), token=token, readiness=ctx.readiness,
        documents=documents,
        open_prefixes=("/staff/", METRICS_PATH, web_chat.PREFIX + "/", *open_paths),
        public_url=settings.public_url, cors_origins=parse_origins(settings.cors_origins),
        callback=callback,
    )  # fmt: skip
    if callback is not None:
        app.on_cleanup.append(close_poster)
    webchat = web_chat.WebChat(
        Gateway(ctx.dispatcher, channel=web_chat.CHANNEL),
        web_chat.WebSessions(settings.secret(), secure=settings.secure_cookies),
        ctx.workflow_data["sessionmaker"], documents=documents,
        poll_outbox=settings.async_database_url.get_backend_name() != "sqlite",
    )  # fmt: skip
    webchat.mount(app)  # its own session cookie instead of the REST token
    chosen[web_chat.CHANNEL] = webchat.live
    scrape = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    app.router.add_get(METRICS_PATH, metrics_handler(scrape))
    chosen.update(pushers or {})
    app[PUSHERS] = chosen  # the Telegram staff group pushes with these too
    sessionmaker = ctx.workflow_data["sessionmaker"]
    app.add_subapp("/staff", build_staff_app(sessionmaker, settings, pushers=chosen))
    return app
