"""What one conversation remembers, and how a journey continues once the person is known.

FSM data keys (kept in the FSM storage, so Redis shares them between workers):

``person_id`` / ``family_id``   set once identity is proven; nothing personal is shown before
``identified_at``               when; identity lapses after :data:`IDENTITY_TTL`
``consented``                   the person gave the 一证一书 consent in this conversation
``after``                       the journey to continue after sign-in (a journey-map name)
``pending_person_id``, ``pending_person_hash``, ``code_expires``   a code asked for; the
                                person is None when the ID number is not on file
``want_consent``                sign-in must record a consent (pre-check)
``consent_locale``              the locale the authorization was last shown in
``misunderstood``               consecutive messages not understood (2 → offer a person)
``precheck_id``                 the last pre-check shown
``last_answer``                 ``"policy"`` right after a policy answer, so "佛山呢" follows it
``faq_shown``                   the policy FAQ was shown once already
``said`` / ``said_differences``   facts typed with a request (household size, place) and how
                                they differ from the register (:mod:`eligibility.stated`)
``declined``                    the journey whose authorization was refused (agreeing later
                                shows it again)
``case_notes``                  facts told before sign-in (masked), for the caseworker
``locale``                      the language the resident reads (:mod:`bot.locale`); kept
                                by ``/start``, ``/cancel``, ``/logout`` and a handoff's return

No ID number, name or phone is kept in clear: only row ids, keyed hashes and masked phones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.states import Change, Consent, Identity, Revoke
from jiuzhu import clock
from jiuzhu.settings import Settings
from nlu import NluEngine
from staff.cases import Resident, describe
from staff.clocks import figure
from store.base import utcnow
from templates import Texts

if TYPE_CHECKING:
    from bot.journeys import Journeys

WAITING = {
    Consent.asked.state: "flow-waiting-consent",
    Identity.id_number.state: "flow-waiting-id-number",
    Identity.code.state: "flow-waiting-code",
    Change.event.state: "flow-waiting-change",
    Change.named.state: "flow-waiting-change",
    Revoke.confirm.state: "flow-waiting-revoke",
}
"""What the open flow still waits for, said after an answer given out of turn."""

IDENTITY_TTL = timedelta(minutes=30)
"""[A] How long a proven identity lasts in a conversation (common practice for sessions)."""


@dataclass
class Turn:
    """Everything a journey step needs, bundled from the update's handler data.

    Handlers take it as one typed parameter, ``turn: Turn``, injected by
    :class:`bot.middlewares.turn.TurnMiddleware`; the session inside is the update's, so a
    router passes it to services without importing SQLAlchemy.

    :ivar message: where replies go (for a button press: the message that carried it).
    :ivar journeys: the journey map of this Dispatcher (:mod:`bot.journeys`).
    """

    message: Message
    state: FSMContext
    session: AsyncSession
    l10n: Texts
    settings: Settings
    sender_hash: str
    journeys: Journeys
    nlu: NluEngine | None = None
    channel: str | None = None
    sender: str | None = None

    @classmethod
    def of(cls, message: Message, data: dict[str, Any], journeys: Journeys) -> Turn:
        """Bundle the update's handler data for ``message``'s chat (:mod:`bot.middlewares.turn`).

        :raises KeyError: when the data lacks ``state``, ``session``, ``l10n``, ``settings``
            or ``sender_hash`` (a Dispatcher built without a sessionmaker).
        """
        return cls(
            message, data["state"], data["session"], data["l10n"], data["settings"],
            data["sender_hash"], journeys, data.get("nlu"), data.get("channel"),
            data.get("sender"),
        )  # fmt: skip

    async def go(self, journey: str, **options: Any) -> None:
        """Start ``journey`` of the journey map (:meth:`bot.journeys.Journeys.go`)."""
        await self.journeys.go(self, journey, **options)

    @property
    def locale(self) -> str:
        """The resident's locale (``zh_CN`` or ``en``): the one their texts are in."""
        return self.l10n.locale

    @property
    def on_telegram(self) -> bool:
        """True for Telegram's own updates (other channels name themselves to the gateway)."""
        return self.channel in (None, "telegram")

    async def data(self) -> dict[str, Any]:
        """The conversation's FSM data."""
        return await self.state.get_data()

    async def person(self) -> tuple[int, int] | None:
        """``(person_id, family_id)`` while a proven identity is fresh, else None.

        Identity lapses :data:`IDENTITY_TTL` after it was proven, so a phone left on a table
        does not keep showing a family's data.
        """
        data = await self.state.get_data()
        proven = data.get("identified_at")
        if not (data.get("person_id") and data.get("family_id") and proven):
            return None
        if datetime.fromisoformat(proven) + IDENTITY_TTL < utcnow():
            await self.state.update_data(person_id=None, family_id=None, identified_at=None)
            return None
        return int(data["person_id"]), int(data["family_id"])

    async def resident(self) -> Resident:
        """Who this conversation is, for a case: hashes, where to reach them, who if known."""
        known = await self.person()
        telegram = self.on_telegram
        return Resident(
            sender_hash=self.sender_hash,
            channel="telegram" if telegram else self.channel,
            address=str(self.message.chat.id) if telegram else self.sender,
            person_id=known[0] if known else None,
            family_id=known[1] if known else None,
            locale=self.locale,
        )

    async def remind_flow(self) -> None:
        """After an answer out of turn (an emergency told mid-flow), say what the open flow
        still waits for (:data:`WAITING`), so the person goes on where they were."""
        key = WAITING.get(await self.state.get_state() or "")
        if key is not None:
            await self.reply(key)

    async def reply(self, key: str, /, reply_markup: Any = None, **context: Any) -> Message:
        """Send the text ``key`` (templates) with ``context``."""
        return await self.message.answer(self.l10n.t(key, **context), reply_markup=reply_markup)


def today() -> date:
    """The current date in Guangdong, from the injected clock (:mod:`jiuzhu.clock`)."""
    return clock.today()


def this_month() -> str:
    """The current month as an OpenFisca period, ``"2026-11"``."""
    return f"{today():%Y-%m}"


def promised_days() -> int:
    """Working days within which a caseworker makes first contact (RULES.md timelines)."""
    return int(figure("first_contact", today()))


async def said_for_staff(turn: Turn) -> str:
    """How what the resident said differs from the register (:mod:`eligibility.stated`), as
    the end of a case summary: ``"；居民所说与登记不同：…"``, or ``""`` when nothing differs."""
    found = (await turn.data()).get("said_differences")
    return describe("said", locale=turn.locale, differences=found).rstrip() if found else ""
