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


class SignInCb(CallbackData, prefix="signin"):
    """Consent and identity buttons: ``agree``, ``decline``, ``resend``, ``restart``."""

    action: str


class PrecheckCb(CallbackData, prefix="precheck"):
    """After a pre-check: ``apply`` (submit; ``program`` once chosen), ``report`` (download)."""

    action: str
    program: str = ""


class BenefitsCb(CallbackData, prefix="benefits"):
    """Happiness list: ``document`` downloads it."""

    action: str


class RevokeCb(CallbackData, prefix="revoke"):
    """Withdrawing consent: ``yes`` / ``no``."""

    action: str


class ChangeCb(CallbackData, prefix="change"):
    """A life event to report (:data:`store.models.cases.LIFE_EVENTS`)."""

    event: str


class HandoffCb(CallbackData, prefix="handoff"):
    """After the wait was announced: ``callback`` (call me back) or ``wait``, for ``case``."""

    action: str
    case: int


class LanguageCb(CallbackData, prefix="lang"):
    """The language to read (a :data:`templates.LOCALES` value): payload ``lang:en``."""

    locale: str


class EmergencyCb(CallbackData, prefix="temp"):
    """临时救助: ``apply`` (ask for it when no emergency was told)."""

    action: str


class PrivacyCb(CallbackData, prefix="privacy"):
    """After a deletion request: ``revoke`` (withdraw the consent too) or ``keep``."""

    action: str


class ForOtherCb(CallbackData, prefix="forother"):
    """Asking for someone else: ``them`` (that person signs in) or ``mine`` (my own family),
    then ``journey`` (``precheck``, ``benefits``, ``status``)."""

    action: str
    journey: str


class NamedCb(CallbackData, prefix="named"):
    """A change naming someone not registered in the family: ``member`` (record it) or
    ``not`` (someone else's)."""

    action: str

    action: str


class PolicyCb(CallbackData, prefix="policy"):
    """A policy answer's next question: ``topic`` (:data:`eligibility.answers.TOPICS`) of
    ``program`` (:data:`eligibility.result.PROGRAMS`): payload ``policy:process:tekun``."""

    topic: str
    program: str
