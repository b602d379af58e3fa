"""A pure builder for inline keyboards from (text key, callback data) pairs."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from templates import Texts


def inline(
    l10n: Texts, *buttons: tuple[str, CallbackData], per_row: int = 2
) -> InlineKeyboardMarkup:
    """Buttons titled by template keys, ``per_row`` to a row."""
    builder = InlineKeyboardBuilder()
    for key, data in buttons:
        builder.button(text=l10n.t(key), callback_data=data)
    builder.adjust(per_row)
    return builder.as_markup()
