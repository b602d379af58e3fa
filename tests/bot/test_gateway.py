"""The real aiogram Dispatcher through the channel gateway."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Update

from bot.channels.capture import BOT_ID
from bot.channels.delivered import MemoryDelivered
from bot.channels.gateway import MAX_TEXT, Gateway, chat_id_of
from templates import texts
from tests.bot.conftest import Demo, texts_of

L10N = texts("bot")
MENU = ["查看我的待遇", "申请/测算", "申请进度", "政策咨询", "报告变化", "转人工"]


def fsm(gateway: Gateway, sender: str) -> FSMContext:
    chat_id = chat_id_of(sender, gateway.channel)
    key = StorageKey(bot_id=BOT_ID, chat_id=chat_id, user_id=chat_id)
    return FSMContext(storage=gateway.dispatcher.storage, key=key)


class TestStartAndMenu:
    async def test_start_shows_welcome_and_six_buttons(self, gateway: Gateway) -> None:
        [reply] = await gateway.handle("alice", "/start")
        assert reply["recipient_id"] == "alice"
        assert reply["text"] == L10N.t("welcome")
        assert [b["title"] for b in reply["buttons"]] == MENU
        assert reply["buttons"][0]["payload"] == "menu:benefits"

    async def test_each_menu_payload_presses_its_button(self, gateway: Gateway) -> None:
        [menu] = await gateway.handle("alice", "/menu")
        assert [b["payload"] for b in menu["buttons"]] == [
            "menu:benefits",
            "menu:apply",
            "menu:status",
            "menu:policy",
            "menu:change",
            "menu:human",
        ]
        for button in menu["buttons"]:
            replies = await gateway.handle("alice", button["payload"])
            assert texts_of(replies) == [f"demo: {button['payload'].replace(':', ' ')}"]

    async def test_payload_never_shown_is_plain_text(self, gateway: Gateway) -> None:
        # A new sender never saw the menu: its payload is text, not a button press.
        replies = await gateway.handle("newcomer", "menu:apply")
        assert texts_of(replies) == ["demo: text menu:apply"]

    async def test_help_keeps_the_flow(self, gateway: Gateway) -> None:
        await gateway.handle("alice", "/demo")
        assert texts_of(await gateway.handle("alice", "/help")) == [L10N.t("help")]
        assert await fsm(gateway, "alice").get_state() == Demo.number.state


class TestCancel:
    async def test_cancel_in_a_flow_clears_it_and_says_so(self, gateway: Gateway) -> None:
        await gateway.handle("alice", "/demo")
        await gateway.handle("alice", "7")
        replies = await gateway.handle("alice", "/cancel")
        assert texts_of(replies) == [L10N.t("cancelled")]
        assert [b["title"] for b in replies[0]["buttons"]] == MENU
        assert await fsm(gateway, "alice").get_state() is None
        assert await fsm(gateway, "alice").get_data() == {}
        # The flow's input is no longer taken: a number is just text now.
        assert texts_of(await gateway.handle("alice", "8")) == ["demo: text 8"]

    async def test_cancel_without_a_flow(self, gateway: Gateway) -> None:
        assert texts_of(await gateway.handle("alice", "/cancel")) == [L10N.t("cancel-nothing")]

    async def test_menu_leaves_the_flow_but_keeps_its_data(self, gateway: Gateway) -> None:
        await gateway.handle("alice", "/demo")
        await gateway.handle("alice", "7")
        await gateway.handle("alice", "/menu")
        assert await fsm(gateway, "alice").get_state() is None
        assert await fsm(gateway, "alice").get_data() == {"numbers": ["7"]}


class TestButtons:
    async def test_pressing_a_button_edits_its_message(self, gateway: Gateway) -> None:
        [ask] = await gateway.handle("alice", "/demo")
        assert ask["buttons"] == [{"title": "跳过", "payload": "demo:skip"}]
        replies = await gateway.handle("alice", "demo:skip")
        # The callback's toast, then the edited text (carrying the original message's text).
        assert texts_of(replies) == ["skipped", "demo: skipped (was demo: a number please)"]

    async def test_buttons_of_one_sender_are_not_anothers(self, gateway: Gateway) -> None:
        await gateway.handle("alice", "/demo")
        assert texts_of(await gateway.handle("bob", "demo:skip")) == ["demo: text demo:skip"]


class TestErrors:
    async def test_invalid_input_is_explained_and_state_kept(self, gateway: Gateway) -> None:
        await gateway.handle("alice", "/demo")
        await gateway.handle("alice", "1")
        replies = await gateway.handle("alice", "bad")
        assert texts_of(replies) == [L10N.t("error-input", message="请输入数字")]
        assert await fsm(gateway, "alice").get_state() == Demo.number.state
        assert texts_of(await gateway.handle("alice", "2")) == ["demo: got 1,2"]

    async def test_handler_bug_apologises_and_state_kept(self, gateway: Gateway) -> None:
        await gateway.handle("alice", "/demo")
        await gateway.handle("alice", "1")
        assert texts_of(await gateway.handle("alice", "boom")) == [L10N.t("error-generic")]
        assert texts_of(await gateway.handle("alice", "2")) == ["demo: got 1,2"]

    async def test_empty_and_too_long_messages(self, gateway: Gateway) -> None:
        assert texts_of(await gateway.handle("alice", "  ")) == [L10N.t("message-empty")]
        replies = await gateway.handle("alice", "救" * (MAX_TEXT + 1))
        assert texts_of(replies) == [L10N.t("message-too-long", limit=MAX_TEXT)]


class TestDuplicatesAndOrder:
    async def test_same_message_id_is_answered_once(self, gateway: Gateway) -> None:
        first = await gateway.handle("alice", "/count", "m-1")
        again = await gateway.handle("alice", "/count", "m-1")
        assert (
            first == again == [{"recipient_id": "alice", "text": "demo: count 1", "buttons": []}]
        )
        assert texts_of(await gateway.handle("alice", "/count", "m-2")) == ["demo: count 2"]
        # The same id from another sender is another message.
        assert texts_of(await gateway.handle("bob", "/count", "m-1")) == ["demo: count 1"]

    async def test_concurrent_duplicates_run_once(self, gateway: Gateway) -> None:
        results = await asyncio.gather(
            *(gateway.handle("alice", "/count", "m-9") for _ in range(5))
        )
        assert all(texts_of(r) == ["demo: count 1"] for r in results)

    async def test_message_id_memory_is_bounded(self, make_gateway) -> None:
        delivered = MemoryDelivered(max_keys=3)
        gateway = make_gateway(gateway={"delivered": delivered}, throttling=False)
        for i in range(10):
            await gateway.handle("alice", "/count", f"id-{i}")
        assert len(delivered.entries) == 3
        # The newest are kept: id-9 is answered from memory, id-0 runs again.
        assert texts_of(await gateway.handle("alice", "/count", "id-9")) == ["demo: count 10"]
        assert texts_of(await gateway.handle("alice", "/count", "id-0")) == ["demo: count 11"]

    async def test_one_senders_messages_are_handled_in_order(
        self, gateway: Gateway, handled: list[str]
    ) -> None:
        # Earlier messages sleep longer: without the per-sender lock they would finish last.
        delays = ["0.05", "0.04", "0.03", "0.02", "0.01"]
        await asyncio.gather(*(gateway.handle("alice", f"/slow {d}") for d in delays))
        assert handled == delays

    async def test_different_senders_run_concurrently(self, gateway: Gateway) -> None:
        start = time.monotonic()
        await asyncio.gather(*(gateway.handle(f"s{i}", "/slow 0.2") for i in range(5)))
        assert time.monotonic() - start < 0.9
        assert gateway._locks == {}  # locks are dropped once nobody waits


class TestServicesAndDocuments:
    async def test_workflow_data_reaches_handlers(self, gateway: Gateway) -> None:
        assert texts_of(await gateway.handle("alice", "/service")) == [
            "demo: hello from a service"
        ]

    async def test_document_bytes_reach_the_reply(self, gateway: Gateway) -> None:
        [reply] = await gateway.handle("alice", "/doc")
        assert reply["text"] == "demo: doc"
        assert reply["document"] == {
            "filename": "幸福清单.pdf",
            "mime_type": "application/pdf",
            "data": b"%PDF-1.4 demo",
        }

    async def test_a_message_to_another_chat_is_not_shown_to_anyone(
        self, gateway: Gateway
    ) -> None:
        await gateway.handle("bob", "/start")
        assert texts_of(await gateway.handle("alice", "/tell bob")) == ["demo: told"]
        assert texts_of(await gateway.handle("bob", "/help")) == [L10N.t("help")]


def test_chat_ids_are_stable_across_processes() -> None:
    code = "from bot.channels.gateway import chat_id_of; print(chat_id_of('微信:o6_bm', 'rest'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) == chat_id_of("微信:o6_bm", "rest")
    ids = {chat_id_of(f"user-{i}") for i in range(1000)}
    assert len(ids) == 1000
    assert all(0 < i < 2**52 for i in ids)
    assert chat_id_of("alice", "rest") != chat_id_of("alice", "terminal")


async def test_group_chats_are_ignored(gateway: Gateway) -> None:
    update = Update.model_validate(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": -100, "type": "group", "title": "邻里群"},
                "from": {"id": 5, "is_bot": False, "first_name": ""},
                "text": "/start",
            },
        },
        context={"bot": gateway.bot},
    )
    with gateway.session.capture() as outbox:
        await gateway.dispatcher.feed_update(gateway.bot, update)
    assert [type(call.method).__name__ for call in outbox] == []
