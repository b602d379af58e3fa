"""A fake Alibaba Cloud SMS endpoint (Dysmsapi 2017-05-25 ``SendSms``) on loopback.

The real SDK (``alibabacloud-dysmsapi20170525``) is pointed at it through its endpoint
setting (``JIUZHU_SMS_ENDPOINT=http://127.0.0.1:PORT``). It checks what the real API checks
before it sends a text, and answers in the real API's shapes:

- the call: ``POST /`` with ``x-acs-action: SendSms`` and ``x-acs-version: 2017-05-25``
  (else 404 ``InvalidAction.NotFound``);
- the signature (V3, ``ACS3-HMAC-SHA256``): an ``Authorization`` header naming the known
  AccessKey id, ``x-acs-content-sha256`` equal to the body's SHA-256, and the signature
  recomputed over the signed headers, the canonical query and that hash (400
  ``IncompleteSignature``, 404 ``InvalidAccessKeyId.NotFound``, 400 ``SignatureDoesNotMatch``);
- the parameters, answered with HTTP 200 and a business code as the real API does:
  ``PhoneNumbers`` a mainland mobile number (``isv.MOBILE_NUMBER_ILLEGAL``), ``SignName``
  and ``TemplateCode`` the approved ones (``isv.SMS_SIGNATURE_ILLEGAL``,
  ``isv.SMS_TEMPLATE_ILLEGAL``), ``TemplateParam`` a JSON object with the template's
  ``code`` (``isv.INVALID_JSON_PARAM``, ``isv.TEMPLATE_MISSING_PARAMETERS``).

A test scripts faults with :meth:`FakeAliyunSms.fail_next`: ``"throttle"`` (200,
``isv.BUSINESS_LIMIT_CONTROL``, Alibaba's flow control of one code a minute per phone) or
``"error"`` (HTTP 503 ``ServiceUnavailable``). Accepted texts are in :attr:`sent`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web

ACCESS_KEY_ID = "LTAI-fake-key-id"
ACCESS_KEY_SECRET = "fake-access-key-secret"
SIGN_NAME = "救助小助手"
TEMPLATE_CODE = "SMS_465000001"
MOBILE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class Received:
    """One text the fake accepted (``Code: OK``)."""

    phone: str
    sign_name: str
    template_code: str
    params: dict[str, Any]
    biz_id: str


class FakeAliyunSms:
    """The fake endpoint. ``await start()`` → :attr:`endpoint`; ``await stop()`` when done."""

    def __init__(self) -> None:
        self.sent: list[Received] = []
        self.answers: list[tuple[int, dict[str, Any]]] = []
        """Every answer given, in order: (HTTP status, body)."""
        self._faults: list[str] = []
        self._biz = itertools.count(900_619_746)
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.endpoint = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.endpoint = f"http://127.0.0.1:{port}"
        return self.endpoint

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, *faults: str) -> None:
        """Answer the next calls with these faults, one each: ``throttle`` or ``error``."""
        self._faults += faults

    async def wait_sent(self, count: int = 1, timeout: float = 30) -> list[Received]:
        """The accepted texts once there are ``count``; TimeoutError after ``timeout`` s."""
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.sent) >= count),
                                   timeout)  # fmt: skip
        return list(self.sent)

    async def _handle(self, request: web.Request) -> web.Response:
        status, body = await self._answer(request)
        self.answers.append((status, body))
        async with self._arrived:
            self._arrived.notify_all()
        return web.json_response(body, status=status)

    async def _answer(self, request: web.Request) -> tuple[int, dict[str, Any]]:
        payload = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        if (request.method, request.path) != ("POST", "/") or (
            headers.get("x-acs-action"), headers.get("x-acs-version")
        ) != ("SendSms", "2017-05-25"):
            return 404, _error("InvalidAction.NotFound", "Specified api is not found.")
        refused = _signature_problem(request.method, request.path, request.query, headers,
                                     payload)  # fmt: skip
        if refused:
            return refused
        if self._faults:
            fault = self._faults.pop(0)
            if fault == "throttle":
                return 200, _error("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
            return 503, _error("ServiceUnavailable", "The request has failed due to a "
                               "temporary failure of the server.")  # fmt: skip
        query = request.query
        phone = query.get("PhoneNumbers", "")
        if not MOBILE.match(phone):
            return 200, _error("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if query.get("SignName") != SIGN_NAME:
            return 200, _error("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        if query.get("TemplateCode") != TEMPLATE_CODE:
            return 200, _error("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            params = json.loads(query.get("TemplateParam", ""))
        except ValueError:
            return 200, _error("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if not isinstance(params, dict) or not re.fullmatch(r"\d{4,8}", str(params.get("code"))):
            return 200, _error("isv.TEMPLATE_MISSING_PARAMETERS", "模版缺少变量")
        biz_id = f"{next(self._biz)}^0"
        self.sent.append(Received(phone, SIGN_NAME, TEMPLATE_CODE, params, biz_id))
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": _request_id()}


def _signature_problem(
    method: str, path: str, query: Any, headers: dict[str, str], payload: bytes
) -> tuple[int, dict[str, Any]] | None:
    """The V3 signature check (Alibaba Cloud's "request signature" for OpenAPI, V3)."""
    auth = re.fullmatch(r"ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),"
                        r"Signature=([0-9a-f]{64})", headers.get("authorization", ""))  # fmt: skip
    if auth is None:
        return 400, _error("IncompleteSignature", "The request signature does not conform "
                           "to Aliyun standards.")  # fmt: skip
    key_id, signed, signature = auth.groups()
    if key_id != ACCESS_KEY_ID:
        return 404, _error("InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    hashed = hashlib.sha256(payload).hexdigest()
    names = signed.split(";")
    if headers.get("x-acs-content-sha256") != hashed or not {
        "host", "x-acs-action", "x-acs-content-sha256", "x-acs-date"
    } <= set(names):
        return 400, _error("IncompleteSignature", "The request signature is incomplete.")
    canonical_query = "&".join(
        f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(query.items())
    )
    canonical_headers = "".join(f"{n}:{headers.get(n, '').strip()}\n" for n in names)
    canonical = "\n".join([method, path, canonical_query, canonical_headers, signed, hashed])
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    expected = hmac.new(ACCESS_KEY_SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return 400, _error("SignatureDoesNotMatch", "Specified signature is not matched with "
                           "our calculation.")  # fmt: skip
    return None


def _error(code: str, message: str) -> dict[str, Any]:
    return {"Code": code, "Message": message, "RequestId": _request_id()}


def _request_id() -> str:
    return str(uuid.uuid4()).upper()
