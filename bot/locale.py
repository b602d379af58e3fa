"""Which language a resident reads: chosen once, remembered in the FSM data (``locale``).

The locale is one of :data:`templates.LOCALES`. It is set, in increasing precedence, by
Telegram's ``from_user.language_code`` on first contact, by the channel's metadata
(``{"language": "en"}`` from the web page's switch or a REST integrator), by the language a
message is written in, by a language asked for in words (``I do not speak Chinese``), and by
``/language`` (:mod:`bot.routers.language`). ``/start``,
``/cancel``, ``/logout``, a long pause and a caseworker's return all keep it
(:func:`clear_keeping_locale`, :data:`bot.middlewares.handoff.KEPT_ON_RETURN`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.context import FSMContext

from nlu.lexicons import common_english, language_requests
from templates import LOCALES

LOCALE_KEY = "locale"
"""FSM data key of the resident's locale."""

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
# A button payload (``menu:apply``), a link or an address: not words of any language.
_MACHINE_TOKEN = re.compile(r"\S*[:@/=]\S*")
COMMON_ENGLISH = common_english()
"""Everyday English words (``nlu/lexicons.yml``); a message needs :data:`MIN_ENGLISH_WORDS`
of them to be English."""
MIN_ENGLISH_WORDS = 2
"""[A] ``Hello, I need help``, ``good morning`` and ``show me my benefits`` are English; a lone
word (``ok``, ``hello``), an ``I agree`` in a Chinese conversation, a client's ``undefined``
or keyboard mashing are not: they keep the language the resident reads."""
MIN_CHINESE_CHARACTERS = 2
"""[A] Chinese characters a message needs to count as Chinese (``你好`` does)."""
LETTERS_PER_CHARACTER = 3
"""[A] A Chinese character weighs as much as this many Latin letters: ``我想申请 dibao`` is
Chinese, ``I want to apply for 低保`` is not."""


def parse_locale(value: object) -> str | None:
    """A locale of ours for a language tag: ``en``, ``en-GB``, ``EN_us`` → ``"en"``; ``zh``,
    ``zh-CN``, ``zh_Hans``, ``zh-hk`` → ``"zh_CN"`` (simplified Chinese is what we write);
    anything else (``fr``, ``""``, None) → None."""
    if not isinstance(value, str):
        return None
    tag = value.strip().replace("_", "-").lower()
    if tag in ("english", "英文", "英语"):
        return "en"
    if tag in ("chinese", "中文", "汉语", "普通话"):
        return "zh_CN"
    primary = tag.split("-", 1)[0]
    found = {"en": "en", "zh": "zh_CN"}.get(primary)
    return found if found in LOCALES else None


def written_in(text: str | None) -> str | None:
    """The locale a message is plainly written in, or None when it does not say.

    Chinese when it has at least :data:`MIN_CHINESE_CHARACTERS` Chinese characters, weighing
    at least as much as its Latin letters; English when it has no Chinese character and at
    least :data:`MIN_ENGLISH_WORDS` everyday English words (:data:`COMMON_ENGLISH`), at least
    half of its words. Commands (``/start``), numbers (an ID number, a code), single words
    (``ok``) and junk (``undefined``, ``asdfgh qwerty``) say nothing.
    """
    if not text or text.lstrip().startswith("/"):
        return None
    text = _MACHINE_TOKEN.sub(" ", unicodedata.normalize("NFKC", text))
    chinese = len(_CJK.findall(text))
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    letters = sum(len(w) for w in words)
    if chinese >= MIN_CHINESE_CHARACTERS and chinese * LETTERS_PER_CHARACTER >= letters:
        return "zh_CN"
    common = sum(w in COMMON_ENGLISH for w in words)
    if chinese == 0 and common >= MIN_ENGLISH_WORDS and 2 * common >= len(words):
        return "en"
    return None


def asked_for(text: str | None) -> str | None:
    """The locale a message asks for in words, or None: ``I do not speak Chinese``,
    ``English please``, ``说英文`` → ``"en"``; ``can you speak Chinese``, ``用中文`` →
    ``"zh_CN"``. Such a message is a request about the language, not about assistance."""
    if not text:
        return None
    wanted = language_requests()
    if wanted["not_chinese"].search(text) or wanted["english"].search(text):
        return "en"
    if wanted["chinese"].search(text):
        return "zh_CN"
    return None


def chosen_locale(
    remembered: str | None,
    *,
    language_code: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    text: str | None = None,
) -> str | None:
    """The resident's locale after this update, or None to keep the default.

    :param remembered: the FSM data's ``locale`` (None on first contact).
    :param language_code: Telegram's ``from_user.language_code``, used only on first contact.
    :param metadata: the channel's metadata; its ``language`` wins over what is remembered.
    :param text: the message; a language asked for in words (:func:`asked_for`) wins over
        everything, then the language it is plainly written in.
    """
    locale = remembered if remembered in LOCALES else None
    if locale is None:
        locale = parse_locale(language_code)
    locale = parse_locale((metadata or {}).get("language")) or locale
    return asked_for(text) or written_in(text) or locale


async def clear_keeping_locale(state: FSMContext) -> None:
    """``state.clear()``, but the resident keeps the language they read."""
    locale = (await state.get_data()).get(LOCALE_KEY)
    await state.clear()
    if locale:
        await state.update_data({LOCALE_KEY: locale})
