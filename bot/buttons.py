"""Which inline buttons a chat was shown, so that sending a payload as text presses one.

Kept in the FSM storage under its own destiny: with Redis every worker knows the buttons
another worker showed, and a restart does not turn a pressed button into plain text.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.fsm.storage.base import BaseStorage, StorageKey

DESTINY = "jiuzhu-buttons"


@dataclass(frozen=True)
class Shown:
    """The message that carried a button: its id and text (for ``callback.message``)."""

    message_id: int
    text: str


class ShownButtons:
    """Payload -> message memory per chat, newest last, at most ``max_payloads`` per chat.

    :param storage: the Dispatcher's FSM storage (Redis: key builder with destiny).
    :param bot_id: the capture bot's id (part of the storage key).
    """

    def __init__(self, storage: BaseStorage, bot_id: int, max_payloads: int = 200) -> None:
        self.storage = storage
        self.bot_id = bot_id
        self.max_payloads = max_payloads

    def _key(self, chat_id: int) -> StorageKey:
        return StorageKey(bot_id=self.bot_id, chat_id=chat_id, user_id=chat_id, destiny=DESTINY)

    async def _load(self, chat_id: int) -> list[list[object]]:
        return list((await self.storage.get_data(self._key(chat_id))).get("shown", []))

    async def lookup(self, chat_id: int, payload: str) -> Shown | None:
        """The message whose button has ``payload``, or ``None`` if none was shown."""
        for item_payload, message_id, text in reversed(await self._load(chat_id)):
            if item_payload == payload:
                return Shown(int(message_id), str(text))  # type: ignore[call-overload]
        return None

    async def remember(
        self, chat_id: int, message_id: int, text: str, payloads: list[str]
    ) -> None:
        """Record that message ``message_id`` showed buttons with ``payloads``."""
        if not payloads:
            return
        kept = [item for item in await self._load(chat_id) if item[0] not in payloads]
        kept += [[p, message_id, text] for p in payloads]
        await self.storage.set_data(self._key(chat_id), {"shown": kept[-self.max_payloads :]})

    async def clear(self, chat_id: int) -> None:
        """Forget every button this chat was shown (their texts may be personal)."""
        await self.storage.set_data(self._key(chat_id), {})

    async def forget(self, chat_id: int, message_id: int) -> None:
        """The buttons of ``message_id`` were removed or replaced."""
        shown = await self._load(chat_id)
        kept = [item for item in shown if item[1] != message_id]
        if len(kept) != len(shown):
            await self.storage.set_data(self._key(chat_id), {"shown": kept})
