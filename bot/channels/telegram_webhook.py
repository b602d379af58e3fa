"""Telegram's webhook: where it posts updates, the secret it must send, registering both.

``JIUZHU_TELEGRAM_WEBHOOK_URL`` is the public HTTPS URL (a reverse proxy in front of
``jiuzhu serve --telegram``); the served app answers on that URL's path. Telegram sends the
``secret_token`` given at registration in every request's ``X-Telegram-Bot-Api-Secret-Token``
header (https://core.telegram.org/bots/api#setwebhook); aiogram's ``SimpleRequestHandler``
refuses a request without it (401), so nobody else can post updates in a resident's name.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from aiogram import Bot

from jiuzhu.errors import ConfigError
from jiuzhu.settings import Settings

SECRET_FORM = re.compile(r"[A-Za-z0-9_-]{1,256}")
"""Telegram's rule for ``secret_token``: 1-256 characters of ``A-Z a-z 0-9 _ -``."""


def webhook_secret(settings: Settings) -> str:
    """``JIUZHU_TELEGRAM_WEBHOOK_SECRET``, checked.

    :raises ConfigError: not set, or not of Telegram's form (:data:`SECRET_FORM`).
    """
    secret = settings.telegram_webhook_secret
    if secret is None or not SECRET_FORM.fullmatch(secret.get_secret_value()):
        msg = ("JIUZHU_TELEGRAM_WEBHOOK_SECRET must be set with a webhook URL: 1 to 256 of "
               "A-Z a-z 0-9 _ - (e.g. from secrets.token_urlsafe(32))")
        raise ConfigError(msg)  # fmt: skip
    return secret.get_secret_value()


def webhook_path(settings: Settings) -> str:
    """The path of ``JIUZHU_TELEGRAM_WEBHOOK_URL`` that the served app answers on.

    :raises ConfigError: not an ``http(s)://host/path`` URL with a path other than ``/``.
    """
    parts = urlsplit(settings.telegram_webhook_url)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.path in ("", "/"):
        msg = ("JIUZHU_TELEGRAM_WEBHOOK_URL: expected https://HOST/PATH, e.g. "
               "https://example.org/webhooks/telegram")  # fmt: skip
        raise ConfigError(msg)
    return parts.path


async def set_webhook(bot: Bot, settings: Settings, update_types: list[str]) -> str:
    """Tell Telegram to post ``update_types`` to the webhook URL with the secret.

    Updates waiting since polling stopped are kept (``drop_pending_updates=False``).
    :returns: the URL registered.
    :raises ConfigError: no URL, a bad URL or secret.
    :raises aiogram.exceptions.TelegramAPIError: Telegram refused it (its description says why).
    """
    if not settings.telegram_webhook_url:
        msg = "JIUZHU_TELEGRAM_WEBHOOK_URL must be set to register a webhook"
        raise ConfigError(msg)
    webhook_path(settings)
    await bot.set_webhook(
        settings.telegram_webhook_url, secret_token=webhook_secret(settings),
        allowed_updates=update_types, drop_pending_updates=False,
    )  # fmt: skip
    return settings.telegram_webhook_url


async def delete_webhook(bot: Bot) -> None:
    """Stop Telegram posting updates (back to polling); waiting updates are kept.

    :raises aiogram.exceptions.TelegramAPIError: Telegram refused it.
    """
    await bot.delete_webhook(drop_pending_updates=False)
