"""FSM states of the dialogue, one :class:`StatesGroup` per journey.

The journeys (consent, identity, pre-check...) add their groups here. A state set means
"a flow is unfinished": the idle middleware resumes it after a pause, ``/cancel`` clears it.
"""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Menu(StatesGroup):
    """The resident is at the main menu (no flow running); used only as a marker in tests."""

    shown = State()


SIGN_IN_GROUP = "SignIn"
"""The stored name of the consent and identity states (``SignIn:consent``...): kept from
when one group held both, so a conversation waiting at either step across a deploy (Redis
keeps the state) goes on where it was."""


class Consent(StatesGroup):
    """一证一书: the authorization is shown, waiting for 同意 or 不同意."""

    asked = State("consent", group_name=SIGN_IN_GROUP)


class Identity(StatesGroup):
    """Proving identity: the ID number, then the code (or a Telegram contact)."""

    id_number = State(group_name=SIGN_IN_GROUP)
    code = State(group_name=SIGN_IN_GROUP)


class Revoke(StatesGroup):
    """Withdrawing consent waits for a confirmation."""

    confirm = State()


class Change(StatesGroup):
    """Reporting a change waits for the kind of life event, or for whether a person named
    but not registered in the family belongs to it."""

    event = State()
    named = State()
