"""Issue 10: stories C and D end with staff, through the API, the resident in the chat.

D: the data flag (a registered business) is a reason to visit, not a veto; the visit's
findings go into the pre-check, which finds dibao at (standard − per-capita income) × 8.
C: the refusal is disputed, a caseworker of 韶关 issues the refusal notice, and the
resident receives it in the chat as HTML and PDF, with the reason and their rights.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.conversation import this_month
from eligibility.policy import dibao_standard
from tests.journeys.conftest import story_ids
from tests.staff.conftest import RestResident, Served


async def _consent_and_precheck(base: str, sender: str, id_number: str) -> RestResident:
    resident = RestResident(base, sender)
    await resident.say("我想申请低保")
    await resident.press("同意授权")
    await resident.sign_in(id_number)
    return resident


async def test_story_d_ends_with_dibao_after_the_visit(server: Served, staff_client: Any) -> None:
    ids = story_ids("D")
    applicant = await _consent_and_precheck(server.base, "d-applicant", ids[0])
    spouse = await _consent_and_precheck(server.base, "d-spouse", ids[1])  # she has a phone
    try:
        assert "需要入户核查后确定" in applicant.text and "上门核实" in applicant.text
        worker = staff_client()
        assert await worker.login("yunfu") == 200
        _, listed = await worker.call("GET", "/staff/api/cases?kind=home_visit")
        visits = listed["cases"]
        assert len(visits) == 1 and visits[0]["region_code"] == "445303"  # one per family
        case_id = visits[0]["id"]
        _, before = await worker.call("GET", f"/staff/api/cases/{case_id}")
        assert before["precheck"]["programs"]["dibao"]["status"] == "needs_home_visit"

        # Members not verified yet sign the paper authorization at the visit.
        unverified = before["precheck"]["unverified_members"]
        findings = {"business_confirmed_micro": True, "income_confirmed": True,
                    "living_situation": "早餐摊，夫妻两人经营，无雇工",
                    "consents_signed": unverified}  # fmt: skip
        status, done = await worker.call("POST", f"/staff/api/cases/{case_id}/visit",
                                         {"findings": findings})  # fmt: skip
        assert status == 200, done
        dibao = done["precheck"]["programs"]["dibao"]
        standard, _ = dibao_standard("445303", "rural", this_month())
        assert done["precheck"]["household_size"] == 8
        assert dibao["status"] == "eligible"
        assert dibao["monthly_amount"] == pytest.approx((standard - 4000 / 8) * 8)
        assert done["precheck"]["unverified_members"] == []

        told = await spouse.say("你好")  # the family's latest chat hears the outcome
        assert "入户核查" in told and "最低生活保障（低保）：符合条件" in told
        _, after = await worker.call("GET", f"/staff/api/cases/{case_id}")
        assert after["status"] == "visited" and after["precheck_id"] == done["precheck_id"]
    finally:
        for r in (applicant, spouse):
            await r.close()


async def test_story_c_refusal_notice_in_the_chat(server: Served, staff_client: Any) -> None:
    resident = await _consent_and_precheck(server.base, "c-applicant", story_ids("C")[0])
    try:
        assert "最低生活保障（低保）：不符合条件" in resident.text
        disputed = await resident.press("对结果有异议")
        assert "复核" in disputed and "编号" in disputed
        worker = staff_client()
        assert await worker.login("shaoguan") == 200
        _, listed = await worker.call("GET", "/staff/api/cases?kind=dispute")
        (case,) = listed["cases"]
        assert case["region_code"] == "440203" and case["priority"] == "high"
        assert (await worker.call("POST", f"/staff/api/cases/{case['id']}/take"))[0] == 200
        status, issued = await worker.call("POST", f"/staff/api/cases/{case['id']}/notices",
                                           {"kind": "refusal_notice"})  # fmt: skip
        assert status == 200, issued

        await resident.say("我收到了吗？")
        assert "不予受理通知书" in resident.text
        # Rasa's "attachment" (an absolute link) with the file's details in "custom"
        documents = [m["custom"] for m in resident.last if "attachment" in m]
        assert sorted(d["mime_type"] for d in documents) == ["application/pdf", "text/html"]
        async with aiohttp.ClientSession() as http:
            html_doc = next(d for d in documents if d["mime_type"] == "text/html")
            async with http.get(html_doc["url"]) as r:
                html = await r.text()
            pdf_doc = next(d for d in documents if d["mime_type"] == "application/pdf")
            async with http.get(pdf_doc["url"]) as r:
                assert (await r.read()).startswith(b"%PDF-")
        assert "不予受理通知书" in html and "住房" in html  # the reason: two houses
        assert "复核" in html or "行政复议" in html  # and his rights
    finally:
        await resident.close()


async def test_an_application_reaches_the_region_s_queue(
    server: Served, staff_client: Any
) -> None:
    resident = await _consent_and_precheck(server.base, "d-applies", story_ids("D")[0])
    try:
        await resident.press("提交申请")
        assert "申请已提交" in await resident.press("最低生活保障（低保）")
        worker = staff_client()
        await worker.login("yunfu")
        _, listed = await worker.call("GET", "/staff/api/cases?kind=application")
        (case,) = listed["cases"]
        assert case["region_code"] == "445303" and "最低生活保障（低保）" in case["summary"]
        _, detail = await worker.call("GET", f"/staff/api/cases/{case['id']}")
        assert [d["name"] for d in detail["deadlines"]] == ["first_contact", "decision"]
    finally:
        await resident.close()
