"""Errors are routed, not caught per handler: one polite reply, and the FSM state is kept.

:class:`~jiuzhu.errors.InvalidInput` (and subclasses such as ``InvalidIdNumber``) carry a
sentence for the resident, shown as is; anything else gets a generic apology and is logged
with a hashed sender, never the input. Nothing here touches the FSM state, so whatever the
resident entered before the failing message is still there.
"""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent

from bot import redo
from bot.middlewares.db import NotSaved
from jiuzhu.errors import InvalidInput
from store.sources import ConsentRequired
from templates import Texts, texts

log = logging.getLogger(__name__)


def _chat_id(event: ErrorEvent) -> int | None:
    update = event.update
    if update.message is not None:
        return update.message.chat.id
    callback = update.callback_query
    if callback is not None and callback.message is not None:
        return callback.message.chat.id
    return None


async def _reply(event: ErrorEvent, bot: Bot, text: str) -> None:
    callback = event.update.callback_query
    if callback is not None:
        await bot.answer_callback_query(callback.id)
    chat_id = _chat_id(event)
    if chat_id is not None:
        await bot.send_message(chat_id, text)


async def invalid_input(event: ErrorEvent, bot: Bot, l10n: Texts | None = None) -> None:
    """Input a service rejected: show its message and ask again."""
    l10n = l10n or texts("bot")
    exc = event.exception
    assert isinstance(exc, InvalidInput)
    await _reply(event, bot, l10n.t("error-input", message=exc.message))


async def not_saved(event: ErrorEvent, bot: Bot, l10n: Texts | None = None) -> None:
    """The database refused this update's writes: nothing was shown, the state is as before."""
    redo.ask_again()  # a retry of this message must run again, not get this answer
    await _reply(event, bot, (l10n or texts("bot")).t("error-not-saved"))


async def consent_missing(event: ErrorEvent, bot: Bot, l10n: Texts | None = None) -> None:
    """Department data was needed for someone without a valid consent: say so, and how."""
    await _reply(event, bot, (l10n or texts("bot")).t("error-consent-required"))


async def unexpected_error(event: ErrorEvent, bot: Bot, l10n: Texts | None = None) -> None:
    """Any other failure: apologise, keep the state, log the traceback (no personal data)."""
    l10n = l10n or texts("bot")
    log.error(
        "handler failed on update %s: %s",
        event.update.update_id,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    await _reply(event, bot, l10n.t("error-generic"))


def make_router() -> Router:
    """The errors router, included beside the private scope so it sees every journey's errors."""
    router = Router(name="errors")
    router.errors.register(invalid_input, ExceptionTypeFilter(InvalidInput))
    router.errors.register(not_saved, ExceptionTypeFilter(NotSaved))
    router.errors.register(consent_missing, ExceptionTypeFilter(ConsentRequired))
    router.errors.register(unexpected_error)
    return router
