"""Keyboards of sign-in: the consent and code buttons, and Telegram's share-contact button."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.callbacks import SignInCb
from bot.keyboards.inline import inline
from templates import Texts


def signin_buttons(l10n: Texts, *actions: str) -> InlineKeyboardMarkup:
    """One button per action (``agree``, ``decline``, ``resend``, ``restart``), titled
    ``signin-button-<action>``, payload ``signin:<action>``."""
    return inline(l10n, *((f"signin-button-{a}", SignInCb(action=a)) for a in actions))


def contact_keyboard(l10n: Texts) -> ReplyKeyboardMarkup:
    """Telegram's one-time "share my contact" button (sign-in without a code)."""
    share = KeyboardButton(text=l10n.t("signin-button-contact"), request_contact=True)
    return ReplyKeyboardMarkup(keyboard=[[share]], resize_keyboard=True, one_time_keyboard=True)
