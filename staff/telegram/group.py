"""What staff do in the Telegram staff group, as the staff accounts they are linked to.

A Telegram user acts as the enabled :class:`~store.models.StaffAccount` whose
``telegram_user_id`` is theirs (``jiuzhu staff link-telegram``); everything then goes through
the same services as the console (:mod:`staff.cases`), so role and jurisdiction are enforced
and audited there. A Telegram user with no linked account (or a disabled one) is refused
with an audit row of their own (``staff_id`` empty when unlinked).

- 接手 under a card: :func:`staff.cases.take`; 结案: :func:`staff.cases.close` with
  :data:`DEFAULT_RESOLUTION`, or ``/close <resolution>`` in reply to the card.
- A reply to a card from its assignee goes to the resident (:func:`staff.cases.send_message`);
  other replies are colleagues talking, and stay in the group.

Each action is one transaction, committed before the resident's messages are pushed
(:func:`staff.relay.push_pending`), like a request of the console.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jiuzhu.errors import InvalidInput
from staff import cases, relay
from staff.access import Principal
from staff.errors import Conflict, Forbidden, StaffError
from staff.telegram.cards import TEXTS, Card, card_of
from store.models import Case, StaffAccess, StaffAccount

DEFAULT_RESOLUTION = "closed from Telegram"
PURPOSE = "telegram staff group"

Work = Callable[[AsyncSession, Principal, Case], Awaitable[object]]


@dataclass(frozen=True)
class Outcome:
    """What to tell the group: ``notice`` (an alert when ``alert``; None: say nothing) and
    the case's card as it is now, to show on the card message ``card_id``."""

    notice: str | None
    alert: bool = False
    card: Card | None = None
    card_id: int | None = None
    delivered: int = 0
    """Messages pushed to the resident at once (the rest wait for their next turn)."""


class StaffGroup:
    """The staff group's actions. :param pushers: channel → pusher, as the console's."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], pushers: Mapping[str, relay.Pusher]
    ) -> None:
        self.sessionmaker, self.pushers = sessionmaker, pushers

    async def press(self, telegram_user_id: int, action: str, case_id: int) -> Outcome:
        """A button under a card: ``take`` or ``close``."""
        if action == "take":
            return await self._act(telegram_user_id, "case.take", case_id, _take, "group-taken")
        if action == "close":
            return await self._act(telegram_user_id, "case.close", case_id,
                                   _close(DEFAULT_RESOLUTION), "group-closed")  # fmt: skip
        return Outcome(TEXTS.t("group-error"), alert=True)

    async def close(
        self, telegram_user_id: int, card_id: int | None, resolution: str | None
    ) -> Outcome:
        """``/close [resolution]`` in reply to the card ``card_id``."""
        case_id = await self._case_of_card(card_id)
        if case_id is None:
            return Outcome(TEXTS.t("group-close-how"))
        done = _close((resolution or "").strip() or DEFAULT_RESOLUTION)
        return await self._act(telegram_user_id, "case.close", case_id, done, "group-closed")

    async def reply(self, telegram_user_id: int, card_id: int, text: str) -> Outcome:
        """A reply to the card ``card_id``: the assignee's goes to the resident."""
        case_id = await self._case_of_card(card_id)
        if case_id is None:
            return Outcome(None)  # a reply to something else: colleagues talking
        outcome = await self._act(telegram_user_id, "case.message", case_id, _send(text),
                                  "group-relayed")  # fmt: skip
        if outcome.card is not None and not outcome.alert and outcome.delivered == 0:
            return Outcome(TEXTS.t("group-queued"), card=outcome.card, card_id=outcome.card_id)
        return outcome

    # --- one action, one transaction ------------------------------------------------------

    async def _act(
        self, telegram_user_id: int, action: str, case_id: int, work: Work, done: str
    ) -> Outcome:
        async with self.sessionmaker() as session:
            case = await session.get(Case, case_id)
            if case is None:
                return Outcome(TEXTS.t("group-no-case"), alert=True)
            account = await linked_account(session, telegram_user_id)
            if account is None or account.disabled_at is not None:
                await _refuse(session, account, action, case)
                await session.commit()
                return Outcome(TEXTS.t("group-unlinked"), alert=True)
            try:
                await work(session, Principal.of(account), case)
            except _Say as e:
                return Outcome(e.notice)
            except Forbidden:
                await session.commit()  # the refusal's audit row
                return Outcome(TEXTS.t("group-outside", number=case_id), alert=True)
            except Conflict:
                await session.commit()
                await session.refresh(case)
                return Outcome(await _conflict(session, case), alert=True,
                               card=await card_of(session, case),
                               card_id=case.group_card_id or None)  # fmt: skip
            except (StaffError, InvalidInput) as e:
                await session.commit()
                return Outcome(TEXTS.t("group-refused", detail=e.message), alert=True)
            await session.refresh(case)
            card, card_id = await card_of(session, case), case.group_card_id or None
            await session.commit()
        delivered = await relay.push_pending(self.sessionmaker, self.pushers, case_id=case_id)
        return Outcome(TEXTS.t(done, number=case_id), card=card, card_id=card_id,
                       delivered=delivered)  # fmt: skip

    async def _case_of_card(self, card_id: int | None) -> int | None:
        if not card_id:
            return None
        async with self.sessionmaker() as session:
            return await session.scalar(select(Case.id).where(Case.group_card_id == card_id))


async def linked_account(session: AsyncSession, telegram_user_id: int) -> StaffAccount | None:
    """The staff account linked to this Telegram user (maybe disabled), or None."""
    return await session.scalar(
        select(StaffAccount).where(StaffAccount.telegram_user_id == telegram_user_id)
    )


async def _refuse(
    session: AsyncSession, account: StaffAccount | None, action: str, case: Case
) -> None:
    why = "not a linked staff account" if account is None else "account disabled"
    session.add(StaffAccess(
        staff_id=account.id if account else None, action=action, resource=f"case:{case.id}",
        region_code=case.region_code, purpose=f"{PURPOSE}: {why}", allowed=False,
    ))  # fmt: skip
    await session.flush()


async def _conflict(session: AsyncSession, case: Case) -> str:
    if case.status == "closed":
        return TEXTS.t("group-closed-already", number=case.id)
    if case.assignee_id is not None:
        names = await cases.usernames(session, {case.assignee_id})
        return TEXTS.t("group-taken-by", number=case.id, name=names.get(case.assignee_id))
    return TEXTS.t("group-not-open", number=case.id)


async def _take(session: AsyncSession, principal: Principal, case: Case) -> None:
    await cases.take(session, principal, case.id)


def _close(resolution: str) -> Work:
    async def close(session: AsyncSession, principal: Principal, case: Case) -> None:
        await cases.close(session, principal, case.id, resolution)

    return close


def _send(text: str) -> Work:
    async def send(session: AsyncSession, principal: Principal, case: Case) -> None:
        if case.assignee_id is None:
            raise _Say(TEXTS.t("group-take-first"))
        if case.assignee_id != principal.id:
            names = await cases.usernames(session, {case.assignee_id})
            raise _Say(TEXTS.t("group-not-assignee", name=names.get(case.assignee_id)))
        if not case.address:
            raise _Say(TEXTS.t("group-no-chat"))
        await cases.send_message(session, principal, case.id, text)

    return send


class _Say(Exception):
    """The action stops here and the group is told why (nothing was read or written)."""

    def __init__(self, notice: str) -> None:
        super().__init__(notice)
        self.notice = notice
