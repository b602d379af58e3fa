"""FSM states of the dialogue, one :class:`StatesGroup` per journey.

The journeys (consent, identity, pre-check...) add their groups here. A state set means
"a flow is unfinished": the idle middleware resumes it after a pause, ``/cancel`` clears it.
"""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Menu(StatesGroup):
    """The resident is at the main menu (no flow running); used only as a marker in tests."""

    shown = State()


class SignIn(StatesGroup):
    """一证一书 and proving identity: read the authorization, give the ID number, the code."""

    consent = State()
    id_number = State()
    code = State()


class Revoke(StatesGroup):
    """Withdrawing consent waits for a confirmation."""

    confirm = State()


class Change(StatesGroup):
    """Reporting a change waits for the kind of life event."""

    event = State()
