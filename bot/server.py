"""What ``jiuzhu serve`` serves: the REST channel, the web chat page at ``/``, and the staff
console and API at ``/staff``.

``build_server(ctx)`` wires one :class:`~bot.app.AppContext` into one aiohttp application:
the Rasa-compatible webhook and document downloads (:mod:`bot.channels.rest`), the web chat
page and its API under ``/chat`` (:mod:`bot.channels.webchat`, pushed to at once), the staff
app (:mod:`staff.web`) with the pushers that deliver a caseworker's message at once
(:mod:`bot.channels.push`), and the readiness probes.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from bot.app import AppContext
from bot.channels import webchat as web_chat
from bot.channels.gateway import Gateway
from bot.channels.push import RestCallbackPusher
from bot.channels.rest import DocumentStore, build_rest_app
from staff.relay import Pusher
from staff.web import build_staff_app
from staff.web.keys import PUSHERS


def build_server(
    ctx: AppContext, *, pushers: Mapping[str, Pusher] | None = None
) -> web.Application:
    """The served application; closing it closes the pushers it made (not ``ctx``).

    :param pushers: extra or replacement pushers by channel (tests, the Telegram bot).
    """
    settings = ctx.settings
    token = settings.rest_token.get_secret_value() if settings.rest_token else None
    documents = DocumentStore()
    app = build_rest_app(
        Gateway(ctx.dispatcher, channel="rest"), token=token, readiness=ctx.readiness,
        documents=documents, open_prefixes=("/staff/", web_chat.PREFIX + "/"),
    )  # fmt: skip
    sessionmaker = ctx.workflow_data["sessionmaker"]
    webchat = web_chat.WebChat(
        Gateway(ctx.dispatcher, channel=web_chat.CHANNEL),
        web_chat.WebSessions(settings.secret(), secure=settings.secure_cookies), sessionmaker,
        poll_outbox=settings.async_database_url.get_backend_name() != "sqlite",
    )  # fmt: skip
    webchat.mount(app)  # its own session cookie instead of the REST token
    chosen: dict[str, Pusher] = {web_chat.CHANNEL: webchat.live}
    if settings.rest_callback_url:
        callback = RestCallbackPusher(settings.rest_callback_url, documents, token)
        chosen["rest"] = callback

        async def close_callback(_: web.Application) -> None:
            await callback.close()

        app.on_cleanup.append(close_callback)
    chosen.update(pushers or {})
    app[PUSHERS] = chosen  # the Telegram staff group pushes with these too
    app.add_subapp("/staff", build_staff_app(sessionmaker, settings, pushers=chosen))
    return app
