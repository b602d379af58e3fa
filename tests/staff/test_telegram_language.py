"""Telegram's ``language_code``: a resident whose Telegram is in English starts in English,
through aiogram's real Bot and polling against the fake Bot API server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nlu import NluEngine
from templates import texts
from tests.fakes.telegram_api import user
from tests.journeys.conftest import story_ids
from tests.staff.test_telegram import OnTelegram, TelegramResident, _on_telegram, buttons

EN, ZH = texts("bot", "en"), texts("bot", "zh_CN")


@pytest.fixture
async def tg(tmp_path: Path, nlu_engine: NluEngine) -> AsyncIterator[OnTelegram]:
    async for on in _on_telegram("sqlite", tmp_path, nlu_engine):
        yield on


async def test_language_code_en_starts_in_english(tg: OnTelegram) -> None:
    amy = TelegramResident(tg.fake, {**user(5101, "Amy"), "language_code": "en"})
    welcome = await amy.say("/start", until=EN.t("welcome").splitlines()[0])
    assert welcome == EN.t("welcome")
    menu = tg.fake.messages[(amy.chat, tg.fake.sent_to(amy.chat)[-1].result["message_id"])]
    assert buttons(menu)[:2] == [EN.t("menu-benefits"), EN.t("menu-apply")]
    await amy.press(EN.t("menu-benefits"), until="ID card number")
    sent = await amy.say(story_ids("A")[0], until="The code this time")
    code = sent.split("The code this time: ")[1][:6]
    listing = await amy.say(code, until="Happiness list")
    assert "Total per month: 817 yuan" in listing


async def test_language_code_zh_and_a_switch_by_command(tg: OnTelegram) -> None:
    ling = TelegramResident(tg.fake, {**user(5102, "阿玲"), "language_code": "zh-hans"})
    assert await ling.say("/start", until=ZH.t("welcome").splitlines()[0]) == ZH.t("welcome")
    switched = await ling.say("/language en", until=EN.t("language-set").splitlines()[0])
    assert switched == EN.t("language-set")
    assert await ling.say("/menu", until=EN.t("menu-prompt").splitlines()[0]) == EN.t(
        "menu-prompt")
