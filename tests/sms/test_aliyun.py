"""The Alibaba Cloud adapter through the provider's own SDK against the fake endpoint."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest

from sms.aliyun import AliyunSender
from sms.senders import SmsFailed, SmsMessage
from tests.fakes.aliyun_sms import SIGN_NAME, TEMPLATE_CODE, FakeAliyunSms
from tests.sms.conftest import aliyun_sender

CODE = SmsMessage("13800441825", "otp", "【救助小助手】您的验证码是382910", {"code": "382910"})


async def test_a_code_reaches_the_endpoint_signed_with_its_template(
    fake_sms: FakeAliyunSms, sender: AliyunSender
) -> None:
    biz_id = await sender.send(CODE)
    [received] = fake_sms.sent
    assert (received.phone, received.sign_name, received.template_code) == (
        "13800441825", SIGN_NAME, TEMPLATE_CODE
    )
    assert received.params == {"code": "382910"}
    assert biz_id == received.biz_id  # the provider's id, as it answered


async def test_a_wrong_secret_is_refused_by_the_signature_check_for_good(
    fake_sms: FakeAliyunSms,
) -> None:
    with pytest.raises(SmsFailed) as failed:
        await aliyun_sender(fake_sms.endpoint, access_key_secret="not-the-secret").send(CODE)
    assert failed.value.code == "SignatureDoesNotMatch" and not failed.value.retryable
    assert fake_sms.sent == [] and fake_sms.answers[0][0] == 400


@pytest.mark.parametrize(
    ("changes", "phone", "code"),
    [({}, "1380044182", "isv.MOBILE_NUMBER_ILLEGAL"),
     ({"template": "SMS_000"}, "13800441825", "isv.SMS_TEMPLATE_ILLEGAL"),
     ({"sign_name": "别的签名"}, "13800441825", "isv.SMS_SIGNATURE_ILLEGAL")],
)  # fmt: skip
async def test_refusals_no_retry_can_mend_are_permanent(
    fake_sms: FakeAliyunSms, changes: dict[str, str], phone: str, code: str
) -> None:
    message = SmsMessage(phone, "otp", CODE.text, CODE.params)
    with pytest.raises(SmsFailed) as failed:
        await aliyun_sender(fake_sms.endpoint, **changes).send(message)
    assert (failed.value.code, failed.value.retryable) == (code, False)
    assert fake_sms.answers[0][0] == 200  # business errors come in a 200, as on Alibaba Cloud


async def test_flow_control_is_retried_after_a_minute(
    fake_sms: FakeAliyunSms, sender: AliyunSender
) -> None:
    fake_sms.fail_next("throttle")
    with pytest.raises(SmsFailed) as failed:
        await sender.send(CODE)
    assert failed.value.code == "isv.BUSINESS_LIMIT_CONTROL" and failed.value.retryable
    assert failed.value.retry_after == timedelta(minutes=1)
    assert await sender.send(CODE)  # the next call goes through
    assert len(fake_sms.sent) == 1


async def test_a_server_fault_is_retryable(fake_sms: FakeAliyunSms, sender: AliyunSender) -> None:
    fake_sms.fail_next("error")
    with pytest.raises(SmsFailed) as failed:
        await sender.send(CODE)
    assert (failed.value.code, failed.value.retryable) == ("ServiceUnavailable", True)
    assert fake_sms.answers[0][0] == 503 and fake_sms.sent == []


async def test_an_endpoint_that_does_not_answer_is_retryable() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(SmsFailed) as failed:
        await aliyun_sender(f"http://127.0.0.1:{port}").send(CODE)
    assert failed.value.code.startswith("network:") and failed.value.retryable


async def test_a_purpose_without_a_template_is_refused_before_sending(
    fake_sms: FakeAliyunSms, sender: AliyunSender
) -> None:
    with pytest.raises(SmsFailed) as failed:
        await sender.send(SmsMessage("13800441825", "notice", "text"))
    assert not failed.value.retryable and fake_sms.answers == []
