"""Last resort: input no other router handled gets a polite "not understood" and the menu.

Included last. The NLU journey will route free text before this; what reaches here is
truly unknown (or a stale button whose flow has moved on).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.keyboards.menu import main_menu
from templates import Texts


async def message_not_understood(message: Message, l10n: Texts) -> None:
    """Any message (text, sticker, photo...) nobody else handled; state is left as it is."""
    await message.answer(l10n.t("not-understood"), reply_markup=main_menu(l10n))


async def button_not_understood(callback: CallbackQuery, l10n: Texts) -> None:
    """A button nobody handles any more (old message, finished flow)."""
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(l10n.t("not-understood"), reply_markup=main_menu(l10n))


def make_router() -> Router:
    """The last-resort router: any message or button no other router handled."""
    router = Router(name="fallback")
    router.message.register(message_not_understood)
    router.callback_query.register(button_not_understood)
    return router
