"""Callback data of inline buttons: one :class:`CallbackData` class per journey.

A button's ``callback_data`` is also its payload on channels without buttons of their own
(REST, terminal): sending ``menu:benefits`` as a message presses the "查看我的待遇" button.
Keep prefixes short and stable; they are part of the REST contract.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class MenuAction(StrEnum):
    """The six choices of the main menu; values are the payload suffixes."""

    benefits = "benefits"
    apply = "apply"
    status = "status"
    policy = "policy"
    change = "change"
    human = "human"


class MenuCb(CallbackData, prefix="menu"):
    """A main-menu button: payload ``menu:<action>``."""

    action: MenuAction
