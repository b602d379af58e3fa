"""The interface the bot codes against: anything that can parse a message."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from nlu.result import ParseResult


@runtime_checkable
class NluEngine(Protocol):
    """An NLU engine (:class:`~nlu.local.LocalNlu`, :class:`~nlu.rasa_client.RasaNlu`)."""

    async def parse(self, text: str) -> ParseResult:
        """Understand one message.

        Never raises: an empty, hostile or unparsable message gives ``nlu_fallback``.

        :param text: the message as the person typed it (normalised by the engine).
        """
        ...
