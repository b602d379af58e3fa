"""Alibaba Cloud SMS (短信服务, API ``SendSms`` of Dysmsapi 2017-05-25) through its own SDK.

Why Alibaba Cloud and this SDK: ``alibabacloud-dysmsapi20170525`` is the provider's generated
client, released with the API (4.x in 2026), installs from PyPI as pure Python, and has a
native asyncio path (``send_sms_with_options_async``, over aiohttp, which we already run), so
a slow provider never blocks the dialogue's event loop; Tencent Cloud's Python SDK is
blocking (requests) and would need a thread per send. The SDK signs each request
(``ACS3-HMAC-SHA256`` in the ``Authorization`` header) and takes the endpoint as a setting,
which is how the tests point it at a fake over loopback (``tests/fakes/aliyun_sms.py``).

Outcomes (`SendSms` answers HTTP 200 with a ``Code`` in the body for business errors; the
SDK raises for HTTP 4xx/5xx and network faults):

- ``Code == "OK"``: sent; the ``BizId`` is returned;
- flow control (``isv.BUSINESS_LIMIT_CONTROL``, ``Throttling*``): retry after the provider's
  ``x-acs-retry-after`` if it gives one, else :data:`THROTTLE_WAIT`;
- a refusal that no retry mends (:data:`PERMANENT`: the number, the sign name, the template,
  the key): given up at once;
- anything else (HTTP 5xx, a timeout, a connection refused, an unknown code): retried.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from alibabacloud_dysmsapi20170525 import models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import models as openapi
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from darabonba.runtime import RuntimeOptions

from sms.senders import SmsFailed, SmsMessage

log = logging.getLogger(__name__)

THROTTLE_WAIT = timedelta(seconds=60)
"""Wait after Alibaba's flow control when it gives no ``x-acs-retry-after``: its default
limit for codes is 1 per minute per phone (and 5 per hour, 10 per day; the SMS console's
"发送频率" defaults)."""
CONNECT_TIMEOUT_MS = 5_000
READ_TIMEOUT_MS = 10_000
"""[A] The SDK's timeouts; the worker's lease (:data:`sms.outbox.LEASE`) is longer."""

PERMANENT = frozenset({
    "isv.MOBILE_NUMBER_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS", "isv.INVALID_PARAMETERS", "isv.INVALID_JSON_PARAM",
    "isv.BLACK_KEY_CONTROL_LIMIT", "isv.PARAM_LENGTH_LIMIT", "isv.ACCOUNT_NOT_EXISTS",
    "isv.ACCOUNT_ABNORMAL", "SignatureDoesNotMatch", "IncompleteSignature",
    "InvalidAccessKeyId.NotFound", "InvalidAccessKeyId", "Forbidden.RAM", "NoPermission",
})  # fmt: skip
"""Error codes of Alibaba Cloud SMS's error-code reference that no retry can mend."""
THROTTLED = ("isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "Throttling")


class AliyunSender:
    """:class:`~sms.senders.SmsSender` for Alibaba Cloud SMS.

    :param templates: purpose → approved template code (``{"otp": "SMS_123456789"}``).
    :param endpoint: ``host[:port]`` or ``scheme://host[:port]``; None: the SDK's default
        (``dysmsapi.aliyuncs.com``, HTTPS).
    """

    name = "aliyun"

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: dict[str, str],
        endpoint: str | None = None,
    ) -> None:
        config = openapi.Config(access_key_id=access_key_id, access_key_secret=access_key_secret)
        if endpoint:
            parts = urlsplit(endpoint if "//" in endpoint else f"//{endpoint}")
            config.endpoint = parts.netloc
            config.protocol = parts.scheme or "https"
        self.client = Client(config)
        self.sign_name = sign_name
        self.templates = templates

    async def send(self, message: SmsMessage) -> str:
        """``SendSms`` to one phone with the purpose's template; returns the ``BizId``.

        :raises SmsFailed: see the module docstring for which codes are retryable.
        """
        template = self.templates.get(message.purpose)
        if not template:
            raise SmsFailed(f"no-template:{message.purpose}", retryable=False)
        request = models.SendSmsRequest(
            phone_numbers=message.phone, sign_name=self.sign_name, template_code=template,
            template_param=json.dumps(message.params, separators=(",", ":")),
        )  # fmt: skip
        runtime = RuntimeOptions(autoretry=False, connect_timeout=CONNECT_TIMEOUT_MS,
                                 read_timeout=READ_TIMEOUT_MS)  # fmt: skip
        try:
            response = await self.client.send_sms_with_options_async(request, runtime)
        except AlibabaCloudException as e:
            wait = timedelta(seconds=e.retry_after) if e.retry_after else None
            raise _failure(str(e.code or f"HTTP{e.status_code}"), wait) from None
        except Exception as e:  # the SDK wraps timeouts and refused connections
            raise SmsFailed(f"network:{_cause(e)}", retryable=True) from None
        body = response.body
        if body.code != "OK":
            raise _failure(str(body.code), None)
        return str(body.biz_id)

    async def close(self) -> None:
        """Nothing to release: the SDK opens a connection per call."""


def _failure(code: str, wait: timedelta | None) -> SmsFailed:
    if code.startswith(THROTTLED):
        return SmsFailed(code, retryable=True, retry_after=wait or THROTTLE_WAIT)
    return SmsFailed(code, retryable=code not in PERMANENT, retry_after=wait)


def _cause(e: BaseException) -> str:
    # The SDK's UnretryableException keeps the real fault inside; its name is enough.
    inner = getattr(e, "inner_exception", None) or e.__cause__ or e
    return type(inner).__name__
