"""The card of a case in the Telegram staff group: masked, with take and close buttons.

A card shows what any colleague in the group may see: the case number, kind, priority,
region name, summary (which holds no personal data by design, masked again for ID and
phone numbers), status, assignee and clocks (:mod:`staff.clocks`). Never a name, an ID
number or a phone. An open case has 接手 and 结案; an assigned one 结案; a closed one none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from eligibility.regions import region_name
from jiuzhu import clock
from staff.cases import usernames
from staff.clocks import ENDED, Deadline, deadlines
from store.base import utcnow
from store.models import Case
from store.pii import mask_text
from templates import texts

TEXTS = texts("staff_group")


class CardCb(CallbackData, prefix="case"):
    """A card's button: ``case:take:12`` or ``case:close:12``."""

    action: str
    case: int


@dataclass(frozen=True)
class Card:
    """A card as Telegram shows it: the text, and the buttons (None: no buttons)."""

    text: str
    markup: InlineKeyboardMarkup | None

    @property
    def digest(self) -> str:
        """What the card looks like, to tell whether an edit would change anything."""
        buttons = self.markup.model_dump_json() if self.markup else ""
        return f"{self.text}\0{buttons}"


def render(case: Case, assignee: str | None, now: datetime | None = None) -> Card:
    """The card of ``case`` at ``now`` (default: the injected clock).

    :param assignee: the assignee's username, or None.
    """
    now = now or utcnow()
    text = TEXTS.t(
        "group-card", number=case.id, kind=_label("kind", case.kind),
        priority=_label("priority", case.priority), region=_region(case.region_code),
        summary=mask_text(case.summary), status=_label("status", case.status),
        assignee=assignee, clocks=[_clock(d, now) for d in deadlines(case)],
        open=case.status == "open",
    )  # fmt: skip
    return Card(text, _buttons(case))


async def card_of(session: AsyncSession, case: Case) -> Card:
    """The card of ``case`` as it is in the database now (its assignee's name looked up)."""
    names = await usernames(session, {case.assignee_id} if case.assignee_id else set())
    return render(case, names.get(case.assignee_id or 0))


def _buttons(case: Case) -> InlineKeyboardMarkup | None:
    if case.status in ENDED:
        return None
    wanted = ["take", "close"] if case.status == "open" else ["close"]
    row = [InlineKeyboardButton(text=TEXTS.t(f"group-button-{action}"),
                                callback_data=CardCb(action=action, case=case.id).pack())
           for action in wanted]  # fmt: skip
    return InlineKeyboardMarkup(inline_keyboard=[row])


def _label(family: str, code: str) -> str:
    return TEXTS.t(f"group-{family}-{code.replace('_', '-')}")


def _region(code: str) -> str:
    try:
        return region_name(code)
    except KeyError:  # the province's queue (440000): the resident is not identified yet
        return TEXTS.t("group-region-unknown")


def _clock(deadline: Deadline, now: datetime) -> str:
    name = _label("clock", deadline.name)
    if deadline.met_at is not None:
        key = "group-clock-late" if deadline.breached(now) else "group-clock-met"
    else:
        key = "group-clock-breached" if deadline.breached(now) else "group-clock-due"
    return TEXTS.t(key, clock=name, due=_when(deadline.due))


def _when(at: datetime) -> str:
    local = at.astimezone(clock.LOCAL)
    return TEXTS.t("group-time", month=local.month, day=local.day, time=f"{local:%H:%M}")
