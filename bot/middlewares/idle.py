"""What happens when a resident comes back after a pause.

Rule, applied to the first update after ``idle_after`` seconds (30 minutes) of silence:

* an unfinished flow (an FSM state is set) whose data is still there, idle for less than
  ``restart_after`` (24 hours): **resume**. Say so ("we continue where you were") and let
  the message go to the flow, which re-asks its question if the message does not fit.
* an unfinished flow whose data has gone (expired from storage), or one idle for longer
  than ``restart_after``: **restart**. Clear state and data (half-finished personal data
  should not linger for days), say so, then handle the message from the menu.
* no flow running: nothing was interrupted, nothing is said.

``/start``, ``/menu`` and ``/cancel`` reset the conversation themselves, so they get no notice.
The last-seen time is kept in the FSM storage under its own destiny, so it is shared by all
workers when the storage is Redis (whose key builder must use ``with_destiny=True``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, Update

from bot.locale import clear_keeping_locale
from jiuzhu.clock import timestamp
from templates import Texts, texts

Clock = Callable[[], float]
DESTINY = "jiuzhu-idle"
_RESETTING_COMMANDS = ("/start", "/menu", "/cancel")


class IdleMiddleware(BaseMiddleware):
    """Resume or restart a conversation after a pause (see the module docstring).

    :param idle_after: seconds of silence that count as a pause.
    :param restart_after: seconds after which even an unfinished flow restarts.
    :param clock: wall-clock seconds (default: the injected clock, :mod:`jiuzhu.clock`);
        stored, so shared across workers.
    """

    def __init__(
        self,
        idle_after: float = 30 * 60,
        restart_after: float = 24 * 3600,
        *,
        clock: Clock = timestamp,
    ) -> None:
        self.idle_after = idle_after
        self.restart_after = restart_after
        self.clock = clock

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        state: FSMContext | None = data.get("state")
        if state is None or not isinstance(event, Update):
            return await handler(event, data)
        seen_key = dataclasses.replace(state.key, destiny=DESTINY)
        now = self.clock()
        last_seen = (await state.storage.get_data(seen_key)).get("last_seen")
        await state.storage.set_data(seen_key, {"last_seen": now})
        if last_seen is None or now - last_seen < self.idle_after or _resets(event):
            return await handler(event, data)
        if await state.get_state() is not None:
            l10n: Texts = data.get("l10n") or texts("bot")
            chat = data.get("event_chat")
            flow_data = await state.get_data()
            if flow_data and now - last_seen < self.restart_after:
                key = "idle-resume"
            else:
                await clear_keeping_locale(state)
                data["raw_state"] = None  # state filters read this, computed before we ran
                key = "idle-restart"
            if chat is not None:
                bot: Bot = data["bot"]
                await bot.send_message(chat.id, l10n.t(key))
        return await handler(event, data)


def _resets(update: Update) -> bool:
    text = update.message.text if update.message is not None else None
    return bool(text) and text.split(maxsplit=1)[0].split("@")[0] in _RESETTING_COMMANDS
