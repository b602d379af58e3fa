"""The dialogue's routers, in the order they are tried.

To add a journey: write ``bot/routers/<journey>.py`` with ``router = Router(name="<journey>")``
and add it to :func:`_journeys`, between ``start`` (commands always win) and ``menu`` /
``fallback`` (placeholders and last resort). Every journey is scoped to private chats.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import F, Router
from aiogram.enums import ChatType


def _journeys(extra: Sequence[Router]) -> list[Router]:
    from bot.routers import (
        benefits,
        change,
        crisis,
        fallback,
        handoff,
        language,
        menu,
        precheck,
        revoke,
        signin,
        stale,
        start,
        status,  # noqa: F401  (no buttons of its own: registers the "status" journey)
        understand,
    )

    # Flows waiting for input first, then buttons, then free text at the menu, then last resort.
    return [
        start.router,
        language.router,
        crisis.router,
        *extra,
        stale.router,
        signin.router,
        revoke.router,
        change.router,
        precheck.router,
        benefits.router,
        handoff.router,
        menu.router,
        understand.router,
        fallback.router,
    ]


def get_routers(extra: Sequence[Router] = ()) -> list[Router]:
    """The routers of the dialogue, wrapped in one private-chat scope, plus the error router.

    :param extra: more journey routers, tried after ``start`` and before the menu
        placeholders and the fallback (tests use it; real journeys go in :func:`_journeys`).
    :returns: a list to pass to ``Dispatcher.include_routers``. The journey routers are
        module singletons and an aiogram router has one parent, so calling this again moves
        them under a new scope: the Dispatcher built before stops dispatching. A process
        runs one Dispatcher; tests and the "second worker" test build several in a row.
    """
    from bot.routers import errors

    journeys = _journeys(extra)
    for router in [*journeys, errors.router]:
        _detach(router)
    private = Router(name="private")
    private.message.filter(F.chat.type == ChatType.PRIVATE)
    private.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    private.include_routers(*journeys)
    # Error events propagate from the top, so this router sees the errors of every journey.
    return [private, errors.router]


def _detach(router: Router) -> None:
    # aiogram has no public "un-include", and its parent setter refuses a second parent.
    parent = router.parent_router
    if parent is not None:
        parent.sub_routers.remove(router)
        router._parent_router = None
