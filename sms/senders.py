"""Who delivers a text: the :class:`SmsSender` protocol, the demo sender, and the choice.

A sender gets one :class:`SmsMessage` and either returns the provider's id of the message or
raises :class:`SmsFailed` with the provider's error code (never the phone or the text) and
whether trying again later can help.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from jiuzhu.errors import ConfigError
from jiuzhu.preflight import missing_sms_settings
from jiuzhu.settings import Settings
from store.pii import mask_phone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    """One text to one phone.

    :ivar phone: the 11-digit mainland mobile number, digits only.
    :ivar purpose: what it is for (``otp``: a sign-in code); picks the provider template.
    :ivar text: the whole message, as a free-text gateway would send it.
    :ivar params: the provider template's parameters (``{"code": "123456"}``).
    """

    phone: str
    purpose: str
    text: str
    params: dict[str, str] = field(default_factory=dict)


class SmsFailed(Exception):
    """The provider did not take the message.

    :param code: the provider's error code (``isv.BUSINESS_LIMIT_CONTROL``, ``ServerError``,
        ``network``...); it goes to ``sms_outbox.last_error``, so it holds no personal data.
    :param retryable: True when the same message may succeed later (throttling, a server or
        network fault); False when it never will (a refused number, template or key).
    :param retry_after: the provider's own wait before a retry, when it says one.
    """

    def __init__(
        self, code: str, *, retryable: bool, retry_after: timedelta | None = None
    ) -> None:
        super().__init__(code)
        self.code = code[:120]
        self.retryable = retryable
        self.retry_after = retry_after


class SmsSender(Protocol):
    """Delivers texts; one instance per process, used by one worker at a time."""

    name: str
    """``demo`` or the provider (``aliyun``), for logs."""

    async def send(self, message: SmsMessage) -> str:
        """Hand ``message`` to the provider; returns the provider's id of it.

        :raises SmsFailed: the provider refused it or could not be reached.
        """
        ...

    async def close(self) -> None:
        """Release connections (nothing for most)."""
        ...


class DemoSender:
    """Sends nothing: logs that a text would go, to the masked phone, never the text.

    The demo shows a sign-in code in the chat instead (``bot/routers/identity.py``), never in
    production (:mod:`jiuzhu.preflight` refuses the demo sender there).
    """

    name = "demo"

    def __init__(self) -> None:
        self._sent = 0

    async def send(self, message: SmsMessage) -> str:
        """Log ``SMS otp sent to 138****0000`` (not really sent); returns ``demo-N``."""
        self._sent += 1
        log.info("SMS %s sent to %s (demo: logged only, not sent)", message.purpose,
                 mask_phone(message.phone))  # fmt: skip
        return f"demo-{self._sent}"

    async def close(self) -> None:
        """Nothing to release."""


def make_sender(settings: Settings) -> SmsSender:
    """The sender ``JIUZHU_SMS_PROVIDER`` names: ``aliyun``, or ``demo`` (also when empty).

    :raises ConfigError: ``aliyun`` without its credentials, sign name or template code.
    """
    if settings.sms_provider != "aliyun":
        return DemoSender()
    from sms.aliyun import AliyunSender

    missing = missing_sms_settings(settings)
    if missing:
        msg = f"JIUZHU_SMS_PROVIDER=aliyun needs {', '.join(missing)}"
        raise ConfigError(msg)
    secret = settings.sms_access_key_secret
    assert secret is not None  # checked above
    return AliyunSender(
        access_key_id=settings.sms_access_key_id,
        access_key_secret=secret.get_secret_value(),
        sign_name=settings.sms_sign_name,
        templates={"otp": settings.sms_template_code},
        endpoint=settings.sms_endpoint or None,
    )
