"""The journey map: every journey a handler may start by name, and what it needs first.

Built once per Dispatcher where the routers are assembled (:func:`bot.routers.journey_map`)
and handed to handlers inside their :class:`~bot.conversation.Turn`, so a router starts
another journey with ``await turn.go("precheck")`` instead of importing its module: no
router imports another, and nothing is registered as a side effect of an import.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.conversation import Turn

Step = Callable[..., Awaitable[object]]
"""``step(turn, **options)``: one journey's first step."""

SIGN_IN = "sign_in"
"""The journey run first when a journey needs a known person (``step(turn, after=name)``)."""


@dataclass(frozen=True)
class Journey:
    """A journey's first step and what it needs before it runs.

    :ivar needs_person: a proven identity (``person_id``), else sign-in runs first.
    :ivar needs_consent: also the 一证一书 consent given in this conversation (it reads
        department data), else sign-in asks for it first.
    """

    step: Step
    needs_person: bool = False
    needs_consent: bool = False


class Journeys(Mapping[str, Journey]):
    """Journey name → :class:`Journey`; must hold :data:`SIGN_IN` when any needs a person.

    :raises ValueError: a journey needs a person and there is no :data:`SIGN_IN` journey.
    """

    def __init__(self, journeys: Mapping[str, Journey]) -> None:
        if SIGN_IN not in journeys and any(j.needs_person for j in journeys.values()):
            msg = f"a journey needs a known person but the map has no {SIGN_IN!r} journey"
            raise ValueError(msg)
        self._journeys = dict(journeys)

    def __getitem__(self, name: str) -> Journey:
        return self._journeys[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._journeys)

    def __len__(self) -> int:
        return len(self._journeys)

    def needs_consent(self, name: str | None) -> bool:
        """True when journey ``name`` reads department data (sign-in records a consent)."""
        return name in self._journeys and self._journeys[name].needs_consent

    async def go(self, turn: Turn, name: str, **options: Any) -> None:
        """Run journey ``name`` now if what it needs is there, else sign in first and run it
        after (:meth:`resume`; ``options`` are for journeys that need no person).

        :raises KeyError: for a journey not on the map.
        """
        journey = self._journeys[name]
        if journey.needs_person:
            consented = bool((await turn.data()).get("consented"))
            if await turn.person() is None or (journey.needs_consent and not consented):
                await self._journeys[SIGN_IN].step(turn, after=name)
                return
        await journey.step(turn, **options)

    async def resume(self, turn: Turn, name: str) -> None:
        """Run journey ``name``'s step at once: sign-in has just provided what it needs.

        :raises KeyError: for a journey not on the map.
        """
        await self._journeys[name].step(turn)
