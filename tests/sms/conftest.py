"""The fake Alibaba Cloud SMS endpoint and a sender pointed at it through the SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sms.aliyun import AliyunSender
from tests.fakes.aliyun_sms import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    SIGN_NAME,
    TEMPLATE_CODE,
    FakeAliyunSms,
)


@pytest.fixture
async def fake_sms() -> AsyncIterator[FakeAliyunSms]:
    fake = FakeAliyunSms()
    await fake.start()
    yield fake
    await fake.stop()


def aliyun_sender(endpoint: str, **changes: str) -> AliyunSender:
    """The real adapter with the fake's credentials, sign name and template, or ``changes``."""
    options = {"access_key_id": ACCESS_KEY_ID, "access_key_secret": ACCESS_KEY_SECRET,
               "sign_name": SIGN_NAME, "template": TEMPLATE_CODE} | changes  # fmt: skip
    template = options.pop("template")
    return AliyunSender(templates={"otp": template}, endpoint=endpoint, **options)


@pytest.fixture
def sender(fake_sms: FakeAliyunSms) -> AliyunSender:
    return aliyun_sender(fake_sms.endpoint)
