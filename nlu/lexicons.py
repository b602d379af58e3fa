"""The word lists matched by rule, loaded from one place.

``nlu/lexicons.yml`` holds the dialogue's small lexicons (consent answers, code digits,
report phrases, deletion requests, everyday English, languages asked for in words); the
crisis and emergency words (``crisis_words.yml``, ``emergency_words.yml``) and the dialect
table (``dialect.yml``) keep their own files and are read through :func:`load` too. None of
them is training data: they are for decisions that must be predictable (a consent, a crisis)
or for phrasings the classifier has no intent for.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
LEXICONS_FILE = HERE / "lexicons.yml"


@cache
def load(path: Path = LEXICONS_FILE) -> Any:
    """The parsed YAML of a lexicon file under ``nlu/`` (cached: read once per process)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _list(name: str) -> tuple[str, ...]:
    return tuple(str(word) for word in load()[name])


@cache
def consent_agree() -> frozenset[str]:
    """Sentences that are an explicit yes to the 一证一书 (lower case, no spaces or
    punctuation): only these agree (:mod:`nlu.consent_answer`, PIPL art. 14, 29)."""
    return frozenset(_list("consent_agree"))


@cache
def consent_decline() -> frozenset[str]:
    """Sentences that are a plain no to the 一证一书, in the same form."""
    return frozenset(_list("consent_decline"))


@cache
def final_particles() -> re.Pattern[str]:
    """Sentence-final particles (啦, 呀, 嘅...) at the end of a text, to strip before reading
    a consent answer (``我同意啦`` is ``我同意``)."""
    return re.compile(f"({'|'.join(map(re.escape, _list('final_particles')))})+$")


@cache
def code_digits() -> dict[int, str]:
    """A ``str.translate`` table from Chinese numerals to ASCII digits, for sign-in codes
    typed in words (``零零三五一二`` → ``003512``)."""
    return str.maketrans({str(k): str(v) for k, v in load()["code_digits"].items()})


@cache
def report_phrases() -> re.Pattern[str]:
    """Asking for the verification report in words (``下载报告``, ``我想攞返份核查报告``),
    which has no intent of its own; ``报告变化`` (reporting a change) does not match."""
    return re.compile("|".join(_list("report_phrases")))


@cache
def deletion_request() -> re.Pattern[str]:
    """Asking for one's personal information to be deleted (``请删除我的个人信息``, ``删埋我啲
    资料``, ``please delete my data``), or for it not to be kept: PIPL art. 47's right,
    answered apart from withdrawing consent. Matched on the text as typed, so the patterns
    carry traditional forms too."""
    return re.compile("|".join(_list("deletion_request")), re.IGNORECASE)


@cache
def common_english() -> frozenset[str]:
    """Everyday English words, lower case: a message needs two of them to count as English
    (:func:`bot.locale.written_in`)."""
    return frozenset(_list("common_english"))


@cache
def language_requests() -> dict[str, re.Pattern[str]]:
    """A language asked for in words, by kind: ``not_chinese`` (``I do not speak Chinese``)
    and ``english`` (``English please``, ``说英文``) ask for English, ``chinese`` (``用中文``)
    for Chinese; case is ignored (:func:`bot.locale.asked_for`)."""
    return {
        kind: re.compile("|".join(map(str, alternatives)), re.IGNORECASE)
        for kind, alternatives in load()["language_requests"].items()
    }


@cache
def _policy_topics() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (topic, re.compile("|".join(map(re.escape, map(str, words))), re.IGNORECASE))
        for topic, words in load()["policy_topics"].items()
    )


def policy_topic(text: str | None) -> str | None:
    """What a policy question asks (``review``, ``materials``, ``process``, ``conditions``,
    ``amounts``: :data:`eligibility.answers.TOPICS`), the first in ``policy_topics``' order
    with a word in ``text``; None when no word matches."""
    for topic, words in _policy_topics():
        if words.search(text or ""):
            return topic
    return None
