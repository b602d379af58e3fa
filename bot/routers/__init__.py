"""The dialogue's routers, in the order they are tried, and the journey map.

Each module under ``bot/routers/`` is one journey: handlers and the journey's first step,
and a ``make_router()`` that builds a new router for each Dispatcher. No router module
imports another: a handler starts another journey by name (``await turn.go("precheck")``)
through the map built here (:func:`journey_map`).

To add a journey: write ``bot/routers/<journey>.py`` with its step and ``make_router()``,
add the step to :func:`journey_map` and the router to :func:`get_routers`, between
``start`` (commands always win) and ``menu`` / ``fallback`` (placeholders and last resort).
Every journey is scoped to private chats.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import F, Router
from aiogram.enums import ChatType

from bot.journeys import SIGN_IN, Journey, Journeys
from bot.middlewares.turn import TurnMiddleware
from bot.routers import (
    benefits,
    change,
    consent,
    crisis,
    deletion,
    emergency,
    errors,
    fallback,
    for_other,
    handoff,
    identity,
    language,
    menu,
    policy,
    precheck,
    revoke,
    stale,
    start,
    status,
    understand,
)


def journey_map() -> Journeys:
    """Every journey a handler may start by name: its first step and what it needs.

    ``needs_person``: sign-in (:data:`~bot.journeys.SIGN_IN`) runs first and the journey
    resumes after it; ``needs_consent``: sign-in also asks for the 一证一书 (department data
    is read). The others take options: ``policy`` a ``region``, ``handoff`` a case ``kind``,
    ``reason``, ``priority``, ``precheck_id``, ``free_text`` a ``parsed`` NLU result,
    ``for_other`` a ``relative`` (:class:`nlu.relatives.Relative`) and the journey ``wanted``.
    """
    return Journeys({
        SIGN_IN: Journey(consent.begin_sign_in),
        "benefits": Journey(benefits.benefits_step, needs_person=True),
        "precheck": Journey(precheck.precheck_step, needs_person=True, needs_consent=True),
        "status": Journey(status.status_step, needs_person=True),
        "change": Journey(change.change_step, needs_person=True),
        "revoke": Journey(revoke.revoke_step, needs_person=True),
        "report": Journey(precheck.send_report),
        "policy": Journey(policy.answer_policy),
        "handoff": Journey(handoff.hand_over),
        "free_text": Journey(understand.act_on),
        "temporary_assistance": Journey(emergency.temporary_assistance_step),
        "deletion": Journey(deletion.deletion_step),
        "for_other": Journey(for_other.for_other_step),
    })  # fmt: skip


def get_routers(extra: Sequence[Router] = ()) -> list[Router]:
    """New routers of the dialogue, wrapped in one private-chat scope, plus the error router.

    Every call builds new routers (and a new journey map), so each Dispatcher has its own:
    a second Dispatcher in one process (tests, a second worker) leaves the first working.

    :param extra: more journey routers, tried after ``start`` and before the menu
        placeholders and the fallback (tests use it; real journeys go in this function).
        An aiogram router has one parent: pass new ones to each call.
    :returns: a list to pass to ``Dispatcher.include_routers``.
    """
    turns = TurnMiddleware(journey_map())
    private = Router(name="private")
    private.message.filter(F.chat.type == ChatType.PRIVATE)
    private.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    private.message.outer_middleware(turns)
    private.callback_query.outer_middleware(turns)
    # Flows waiting for input first, then buttons, then free text at the menu, then last resort.
    # Identity before consent: ``/assert`` works in any state, the consent prompt's too.
    private.include_routers(
        start.make_router(),
        language.make_router(),
        crisis.make_router(),
        emergency.make_router(),
        *extra,
        stale.make_router(),
        identity.make_router(),
        consent.make_router(),
        revoke.make_router(),
        change.make_router(),
        for_other.make_router(),
        precheck.make_router(),
        benefits.make_router(),
        policy.make_router(),
        handoff.make_router(),
        deletion.make_router(),
        menu.make_router(),
        understand.make_router(),
        fallback.make_router(),
    )
    # Error events propagate from the top, so this router sees the errors of every journey.
    return [private, errors.make_router()]
