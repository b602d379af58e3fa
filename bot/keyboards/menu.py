"""The main menu keyboard."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import MenuAction, MenuCb
from templates import Texts

# Button order as residents see it; two per row keeps the Chinese titles readable on phones.
MENU_ORDER: tuple[MenuAction, ...] = (
    MenuAction.benefits,
    MenuAction.apply,
    MenuAction.status,
    MenuAction.policy,
    MenuAction.change,
    MenuAction.human,
)


def menu_title(l10n: Texts, action: MenuAction) -> str:
    """The button title of ``action`` (template key ``menu-<action>``)."""
    return l10n.t(f"menu-{action.value}")


def main_menu(l10n: Texts) -> InlineKeyboardMarkup:
    """Six buttons, two per row; payloads ``menu:<action>`` (see :class:`MenuCb`)."""
    builder = InlineKeyboardBuilder()
    for action in MENU_ORDER:
        builder.button(text=menu_title(l10n, action), callback_data=MenuCb(action=action))
    builder.adjust(2)
    return builder.as_markup()
