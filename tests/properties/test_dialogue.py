"""For any sequence of messages in any state, the dialogue keeps its promises.

A sequence mixes what residents do (press a button just shown, give a story's ID number,
type the code just sent, a wrong code, consent answers, menu requests) with arbitrary text.
After every message: no generic error, no traceback; the state is one of the dialogue's;
every new audit row names a consent iff it was allowed; a pre-check shown was audited and
committed first; a chat consent exists only after an explicit yes; nothing personal logged.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from aiogram.fsm.storage.base import StorageKey
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.channels.gateway import chat_id_of
from bot.states import Change, Menu, Revoke, SignIn
from store.models import AuditLog, Consent
from tests.journeys.conftest import story_ids
from tests.properties.conftest import PERSONAL, World

STATES = {None} | {s.state for group in (Menu, SignIn, Change, Revoke) for s in group.__states__}
EXPLICIT_YES = ["同意", "我同意", "同意授权", "I agree"]
MOVES = st.one_of(
    st.sampled_from(["<button>", "<button>", "<code>", "<wrong-code>", "<id>"]),
    st.sampled_from([*EXPLICIT_YES, "不同意", "ok", "y", "知道了", "收到", "false", "好的"]),
    st.sampled_from(
        [
            "我想申请低保",
            "查看我的待遇",
            "申请进度",
            "/start",
            "/menu",
            "/cancel",
            "/logout",
            "我老公没工作了",
            "撤回授权",
            "转人工",
            "下载核查报告",
        ]
    ),
    st.text(max_size=30),
)
STORIES = st.sampled_from(["A", "B", "C", "D"])
_senders = itertools.count()


async def _counts(world: World) -> tuple[int, int, int]:
    async with world.app.workflow_data["sessionmaker"]() as session:
        audit = await session.scalar(select(func.count()).select_from(AuditLog)) or 0
        allowed = await session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.allowed.is_(True))
        )
        mismatched = await session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.allowed.is_not(AuditLog.consent_id.is_not(None)))
        )
    return audit, allowed or 0, mismatched or 0


async def _chat_consents(world: World) -> int:
    async with world.app.workflow_data["sessionmaker"]() as session:
        query = select(func.count()).select_from(Consent).where(Consent.channel == "chat")
        return await session.scalar(query) or 0


@given(story=STORIES, moves=st.lists(MOVES, min_size=1, max_size=12))
def test_any_conversation_keeps_the_promises(world: World, story: str, moves: list[str]) -> None:
    sender = f"prop-{next(_senders)}"
    gateway = world.gateway
    chat = chat_id_of(sender, "rest")
    key = StorageKey(bot_id=gateway.bot.id, chat_id=chat, user_id=chat)
    last: list[dict[str, Any]] = []
    explicit = False  # an explicit yes was given at the consent question

    async def play() -> None:
        nonlocal last, explicit
        for n, move in enumerate(moves):
            state = await gateway.dispatcher.storage.get_state(key)
            text = _resolve(move, last, story)
            if text is None:
                continue
            if state == SignIn.consent.state and (text in EXPLICIT_YES or _is_agree(text, last)):
                explicit = True
            consents_before = await _chat_consents(world)
            before = await _counts(world)
            log_mark = len(world.logs.lines)
            last = list(await gateway.handle(sender, text, f"{sender}-{n}"))
            said = "\n".join(r["text"] for r in last)
            assert all(isinstance(r["text"], str) for r in last)
            assert "系统出了点问题" not in said and "Traceback" not in said, (text, said)
            assert await gateway.dispatcher.storage.get_state(key) in STATES
            after = await _counts(world)
            assert after[2] == 0  # every audit row: a consent iff allowed
            if "救助资格预审结果" in said:
                assert after[1] > before[1]  # the reads behind it were audited and committed
            if await _chat_consents(world) > consents_before:
                assert explicit, (moves, text)
            logged = "\n".join(world.logs.lines[log_mark:])
            assert not any(value in logged for value in PERSONAL)

    world.run(play())


def _is_agree(text: str, last: list[dict[str, Any]]) -> bool:
    """The payload of the 同意授权 button shown last."""
    return any(b["payload"] == text and b["title"] == "同意授权"
               for r in last for b in r.get("buttons") or [])  # fmt: skip


def _resolve(move: str, last: list[dict[str, Any]], story: str) -> str | None:
    shown = "\n".join(r["text"] for r in last)
    if move == "<button>":
        buttons = [b for r in last for b in r.get("buttons") or []]
        return buttons[0]["payload"] if buttons else None
    if move == "<code>":
        code = re.search(r"本次验证码：(\d{6})", shown)
        return code.group(1) if code else None
    if move == "<wrong-code>":
        return "000000"
    if move == "<id>":
        return story_ids(story)[0]
    return move
