"""The resident's locale: chosen from Telegram's language_code, channel metadata, the words
written or /language; remembered across /start and /cancel; the gateway's own refusals follow it.

Updates are fed to the real Dispatcher with the gateway's capture bot, as a channel does.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Update

from bot.channels.gateway import Gateway, chat_id_of
from bot.locale import asked_for, parse_locale, written_in
from jiuzhu import clock
from templates import texts
from tests.bot.conftest import texts_of

EN, ZH = texts("bot", "en"), texts("bot", "zh_CN")


async def feed(gateway: Gateway, sender: str, text: str, *, language_code: str | None = None,
               **kwargs: Any) -> list[str]:  # fmt: skip
    """One message from ``sender`` with Telegram's ``language_code``; the texts answered."""
    chat_id = chat_id_of(sender, gateway.channel)
    user: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": ""}
    if language_code is not None:
        user["language_code"] = language_code
    message = {"message_id": gateway.session.next_message_id(), "date": clock.now(),
               "chat": {"id": chat_id, "type": "private"}, "from": user, "text": text}  # fmt: skip
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    update = Update.model_validate({"update_id": 1, "message": message},
                                   context={"bot": gateway.bot})  # fmt: skip
    with gateway.session.capture() as outbox:
        await gateway.dispatcher.feed_update(gateway.bot, update, **kwargs)
    return [getattr(call.method, "text", "") for call in outbox]


async def remembered(gateway: Gateway, sender: str) -> str | None:
    chat_id = chat_id_of(sender, gateway.channel)
    key = StorageKey(bot_id=gateway.bot.id, chat_id=chat_id, user_id=chat_id)
    return (await gateway.dispatcher.storage.get_data(key)).get("locale")


@pytest.mark.parametrize(("tag", "locale"), [
    ("en", "en"), ("en-GB", "en"), ("EN_us", "en"), ("zh", "zh_CN"), ("zh-hans", "zh_CN"),
    ("zh_CN", "zh_CN"), ("English", "en"), ("中文", "zh_CN"), ("fr", None), ("", None),
    (None, None),
])  # fmt: skip
def test_language_tags(tag: str | None, locale: str | None) -> None:
    assert parse_locale(tag) == locale


@pytest.mark.parametrize(("text", "locale"), [
    ("Hello, I need help", "en"), ("I do not speak Chinese", "en"), ("hello there", "en"),
    ("Good morning", "en"), ("show me my benefits", "en"), ("hello", None), ("I agree", None),
    ("undefined", None), ("asdfgh qwerty", None), ("trueee", None),
    ("你好", "zh_CN"), ("我想申请低保", "zh_CN"), ("我想申请 dibao", "zh_CN"),
    ("ok", None), ("yes", None), ("no", None), ("44182519900305902X", None), ("385337", None),
    ("menu:apply", None), ("/start", None), ("I want to apply for 低保", None), ("", None),
])  # fmt: skip
def test_the_language_a_message_is_written_in(text: str, locale: str | None) -> None:
    assert written_in(text) == locale


@pytest.mark.parametrize(("text", "locale"), [
    ("I do not speak Chinese", "en"), ("I don't understand Chinese", "en"),
    ("I cannot read Chinese well", "en"), ("English please", "en"), ("english", "en"),
    ("说英文可以吗", "en"), ("Can you speak Chinese?", "zh_CN"), ("用中文", "zh_CN"),
    ("中文", "zh_CN"), ("Can Chinese citizens abroad apply?", None),
    ("I want to apply for dibao", None), (None, None),
])  # fmt: skip
def test_a_language_asked_for_in_words(text: str | None, locale: str | None) -> None:
    assert asked_for(text) == locale


async def test_telegram_language_code_en_starts_in_english(gateway: Gateway) -> None:
    assert await feed(gateway, "amy", "/start", language_code="en-GB") == [EN.t("welcome")]
    assert await remembered(gateway, "amy") == "en"
    # Remembered: the next update says nothing about the language and is still English.
    assert texts_of(await gateway.handle("amy", "/help")) == [EN.t("help")]


async def test_language_code_counts_only_on_first_contact(gateway: Gateway) -> None:
    assert texts_of(await gateway.handle("li", "/language zh_CN")) == [ZH.t("language-set")]
    assert await feed(gateway, "li", "/start", language_code="en") == [ZH.t("welcome")]


async def test_a_resident_who_never_chose_reads_chinese(gateway: Gateway) -> None:
    assert await feed(gateway, "wang", "/start", language_code="fr") == [ZH.t("welcome")]
    assert await feed(gateway, "zhao", "/start") == [ZH.t("welcome")]
    assert await remembered(gateway, "zhao") is None  # nothing chosen, nothing stored


async def test_metadata_language_from_a_web_page(gateway: Gateway) -> None:
    said = await feed(gateway, "web-1", "/start", metadata={"language": "en"})
    assert said == [EN.t("welcome")]
    assert texts_of(await gateway.handle("web-1", "/menu")) == [EN.t("menu-prompt")]
    # Metadata of another shape is ignored, not an error.
    assert await feed(gateway, "web-2", "/start", metadata="en") == [ZH.t("welcome")]


async def test_language_command_and_its_buttons(gateway: Gateway) -> None:
    replies = await gateway.handle("bo", "/language")
    assert texts_of(replies) == [ZH.t("language-choose")]
    buttons = {b["title"]: b["payload"] for b in replies[0]["buttons"]}
    assert list(buttons) == ["中文", "English"]
    assert texts_of(await gateway.handle("bo", buttons["English"])) == [EN.t("language-set")]
    assert texts_of(await gateway.handle("bo", "/language klingon")) == [EN.t("language-choose")]


async def test_the_locale_survives_start_cancel_and_logout(gateway: Gateway) -> None:
    await gateway.handle("cy", "/language en")
    assert texts_of(await gateway.handle("cy", "/start")) == [EN.t("welcome")]
    await gateway.handle("cy", "/demo")
    assert texts_of(await gateway.handle("cy", "/cancel")) == [EN.t("cancelled")]
    assert texts_of(await gateway.handle("cy", "/logout")) == [EN.t("logged-out")]
    assert await remembered(gateway, "cy") == "en"


async def test_the_gateways_own_answers_follow_the_locale(gateway: Gateway) -> None:
    await gateway.handle("dee", "/language en")
    assert texts_of(await gateway.handle("dee", " ")) == [EN.t("message-empty")]
    too_long = EN.t("message-too-long", limit=4096)
    assert texts_of(await gateway.handle("dee", "字" * 5000)) == [too_long]
    assert texts_of(await gateway.handle("dee", "/demo")) == ["demo: a number please"]
    assert texts_of(await gateway.handle("dee", "boom")) == [EN.t("error-generic")]
