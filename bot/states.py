"""FSM states of the dialogue, one :class:`StatesGroup` per journey.

The journeys (consent, identity, pre-check...) add their groups here. A state set means
"a flow is unfinished": the idle middleware resumes it after a pause, ``/cancel`` clears it.
"""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Menu(StatesGroup):
    """The resident is at the main menu (no flow running); used only as a marker in tests."""

    shown = State()
