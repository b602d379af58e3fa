"""Commands that work in any state: ``/start``, ``/menu``, ``/help``, ``/cancel``.

Rasa clients' own commands are understood too: ``/restart`` (Rasa's restart, a widget's
restart button) is ``/start``; ``/get_started`` (a widget's first payload) greets and leaves
the conversation as it is.

This router is included first, so a command wins over whatever flow is waiting for input.
``/start`` begins afresh: the flow, what was entered and a proven identity are cleared, so
the next person on a shared phone starts signed out. ``/menu`` leaves the current flow but
keeps what was entered; ``/cancel`` clears the flow and its data and says so; ``/logout``
(or saying goodbye) forgets who the person is. All of them keep the resident's language.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.buttons import ShownButtons
from bot.keyboards.menu import main_menu
from bot.locale import clear_keeping_locale
from templates import Texts


async def _forget(state: FSMContext) -> None:
    """Clear the conversation and the buttons it was shown (they quote personal replies);
    the language the resident reads stays."""
    await clear_keeping_locale(state)
    await ShownButtons(state.storage, state.key.bot_id).clear(state.key.chat_id)


async def cmd_start(message: Message, state: FSMContext, l10n: Texts) -> None:
    """Greet and show the main menu, signed out."""
    await _forget(state)
    await message.answer(l10n.t("welcome"), reply_markup=main_menu(l10n))


async def cmd_get_started(message: Message, l10n: Texts) -> None:
    """Greet and show the main menu; a flow under way stays where it is."""
    await message.answer(l10n.t("welcome"), reply_markup=main_menu(l10n))


async def cmd_menu(message: Message, state: FSMContext, l10n: Texts) -> None:
    """Show the main menu, leaving any flow."""
    await state.set_state(None)
    await message.answer(l10n.t("menu-prompt"), reply_markup=main_menu(l10n))


async def cmd_help(message: Message, l10n: Texts) -> None:
    """Explain how to use the chat; the current flow stays where it is."""
    await message.answer(l10n.t("help"))


async def cmd_cancel(message: Message, state: FSMContext, l10n: Texts) -> None:
    """Stop the current flow, clear its data and show the menu."""
    if await state.get_state() is None:
        await message.answer(l10n.t("cancel-nothing"), reply_markup=main_menu(l10n))
        return
    await clear_keeping_locale(state)
    await message.answer(l10n.t("cancelled"), reply_markup=main_menu(l10n))


async def cmd_logout(message: Message, state: FSMContext, l10n: Texts) -> None:
    """Forget the proven identity and the flow (a shared phone)."""
    await _forget(state)
    await message.answer(l10n.t("logged-out"), reply_markup=main_menu(l10n))


def make_router() -> Router:
    """The commands router: ``/start``, ``/menu``, ``/help``, ``/cancel``, ``/logout``."""
    router = Router(name="start")
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_start, Command("restart"))
    router.message.register(cmd_get_started, Command("get_started"))
    router.message.register(cmd_menu, Command("menu"))
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_cancel, Command("cancel"))
    router.message.register(cmd_logout, Command("logout"))
    return router
