"""The cards in the Telegram staff group: posting one, showing a case's card as it is now.

Telegram lets a bot send about 20 messages a minute to one group (Telegram Bots FAQ, "My
bot is hitting limits"); the board counts what it posted and edited in the last minute, so
the notifier stays under it (a colleague's press is answered at once regardless). It
remembers what each card shows, so an unchanged card is not edited again.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import ReplyParameters

from staff.telegram.cards import Card

log = logging.getLogger(__name__)

PER_MINUTE = 20
"""Messages a minute to one group (Telegram's documented limit for bots)."""
REMEMBERED = 5000
"""[A] Cards whose shown text is remembered (least recently shown forgotten)."""


class Board:
    """The staff group ``chat_id`` as a board of cards.

    :param monotonic: seconds for the per-minute budget (a process clock, not the date).
    """

    def __init__(
        self, bot: Bot, chat_id: int, *, per_minute: int = PER_MINUTE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.bot, self.chat_id = bot, chat_id
        self.per_minute, self.monotonic = per_minute, monotonic
        self._sent: deque[float] = deque()
        self._shown: OrderedDict[int, str] = OrderedDict()

    def has_room(self) -> bool:
        """True while fewer than :data:`PER_MINUTE` messages went out in the last minute."""
        now = self.monotonic()
        while self._sent and self._sent[0] <= now - 60:
            self._sent.popleft()
        return len(self._sent) < self.per_minute

    async def post(self, card: Card) -> int:
        """Post ``card``; its message id.

        :raises aiogram.exceptions.TelegramAPIError: Telegram refused it.
        """
        self._sent.append(self.monotonic())
        message = await self.bot.send_message(self.chat_id, card.text, reply_markup=card.markup)
        self._remember(message.message_id, card)
        return message.message_id

    async def reply(self, message_id: int, text: str) -> None:
        """Answer the group's message ``message_id`` (counted in the budget, never held back).

        :raises aiogram.exceptions.TelegramAPIError: Telegram refused it.
        """
        self._sent.append(self.monotonic())
        await self.bot.send_message(self.chat_id, text,
                                    reply_parameters=ReplyParameters(message_id=message_id))

    async def show(self, message_id: int, card: Card) -> bool:
        """Edit the card ``message_id`` to ``card``; False when it showed that already.

        A card deleted from the group is logged and left alone.
        :raises aiogram.exceptions.TelegramAPIError: any other refusal.
        """
        if self._shown.get(message_id) == card.digest:
            return False
        self._sent.append(self.monotonic())
        try:
            await self.bot.edit_message_text(card.text, chat_id=self.chat_id,
                                             message_id=message_id, reply_markup=card.markup)
        except TelegramBadRequest as e:
            if "not modified" in e.message:
                self._remember(message_id, card)
                return False
            if "not found" in e.message:
                log.warning("card message %s is gone from the staff group", message_id)
                self._remember(message_id, card)
                return False
            raise
        self._remember(message_id, card)
        return True

    def _remember(self, message_id: int, card: Card) -> None:
        self._shown[message_id] = card.digest
        self._shown.move_to_end(message_id)
        while len(self._shown) > REMEMBERED:
            self._shown.popitem(last=False)
