"""A button payload typed (or replayed) when that button is not on screen any more.

The gateway turns a payload into a button press only when the sender was shown the button;
otherwise it arrives here as text. Acting on it could skip a step (``revoke:yes`` without
the question), so it is answered as a stale button and the conversation stays where it is.
"""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import Message

import bot.callbacks  # noqa: F401  (defines every CallbackData prefix)
from templates import Texts


def _prefixes() -> list[str]:
    def walk(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *walk(sub))]

    return sorted({c.__prefix__ for c in walk(CallbackData)})


PAYLOAD = re.compile(rf"^\s*({'|'.join(map(re.escape, _prefixes()))}):\S*\s*$")


async def stale_payload(message: Message, l10n: Texts) -> None:
    """Say the button has expired; nothing else changes."""
    await message.answer(l10n.t("button-stale"))


def make_router() -> Router:
    """The stale-button router: a payload typed with no such button on screen."""
    router = Router(name="stale")
    router.message.register(stale_payload, F.text.regexp(PAYLOAD))
    return router
