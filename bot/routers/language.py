"""``/language``: the resident chooses the language they read, in any state.

``/language en`` or ``/language zh_CN`` (also ``zh``, ``English``, ``中文``) switches at once;
``/language`` alone offers one button per language. The flow in progress and what was
entered stay as they were: the resident carries on at the same step in the other language.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import LanguageCb
from bot.keyboards.inline import inline
from bot.locale import LOCALE_KEY, parse_locale
from templates import LOCALES, Texts, texts


async def _switch(message: Message, state: FSMContext, locale: str) -> None:
    await state.update_data({LOCALE_KEY: locale})
    await message.answer(texts("bot", locale).t("language-set"))


async def cmd_language(
    message: Message, command: CommandObject, state: FSMContext, l10n: Texts
) -> None:
    """Switch to the language named, or offer the choice."""
    locale = parse_locale(command.args)
    if locale is not None:
        await _switch(message, state, locale)
        return
    buttons = inline(l10n, *((f"language-button-{loc.replace('_', '-').lower()}",
                              LanguageCb(locale=loc)) for loc in LOCALES))  # fmt: skip
    await message.answer(l10n.t("language-choose"), reply_markup=buttons)


async def language_chosen(
    callback: CallbackQuery, callback_data: LanguageCb, state: FSMContext
) -> None:
    """A language button: switch (an unknown value keeps the language)."""
    await callback.answer()
    locale = parse_locale(callback_data.locale)
    if locale is not None and callback.message is not None:
        await _switch(callback.message, state, locale)  # type: ignore[arg-type]


def make_router() -> Router:
    """The language router: ``/language`` and its buttons."""
    router = Router(name="language")
    router.message.register(cmd_language, Command("language", "lang"))
    router.callback_query.register(language_chosen, LanguageCb.filter())
    return router
