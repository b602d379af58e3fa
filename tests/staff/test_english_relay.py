"""A resident who reads English hears the staff side in English: a person joined, the
caseworker's words, a notice, the assistant's return (over loopback HTTP, as in issue 10)."""

from __future__ import annotations

import re
from typing import Any

from templates import texts
from tests.journeys.conftest import story_ids
from tests.staff.conftest import RestResident, Served

EN = texts("relay", "en")


async def test_the_staff_side_speaks_english_to_an_english_resident(
    server: Served, staff_client: Any
) -> None:
    resident = RestResident(server.base, "web:amy")
    try:
        await resident.say("Hello, good morning")
        await resident.press("Apply / check")
        await resident.press("I agree")
        assert "does not qualify" in await resident.sign_in(story_ids("C")[0])
        assert "disagree with the result" in await resident.press("I disagree with the result")

        worker = staff_client()
        assert await worker.login("shaoguan") == 200
        _, listed = await worker.call("GET", "/staff/api/cases?status=open")
        (case,) = [c for c in listed["cases"] if c["kind"] == "dispute"]
        assert "(English-speaking)" in case["summary"]  # staff know to answer in English
        status, _ = await worker.call("POST", f"/staff/api/cases/{case['id']}/take")
        assert status == 200

        joined = await resident.say("Hello, is anyone there?")
        assert re.search(r"Staff member no\. \d+ has joined", joined)
        reply = {"text": "Hello, I am the Shaoguan social worker."}
        await worker.call("POST", f"/staff/api/cases/{case['id']}/messages", reply)
        relayed = await resident.say("thank you")
        assert re.search(r"\[Staff member no\. \d+\] Hello, I am the Shaoguan social worker\.",
                         relayed)  # fmt: skip
        status, _ = await worker.call("POST", f"/staff/api/cases/{case['id']}/notices",
                                        {"kind": "refusal_notice"})  # fmt: skip
        assert status in (200, 201), _
        notice = await resident.say("ok")
        title = EN.t("notice-title-refusal-notice")
        assert EN.t("relay-notice", title=title).splitlines()[0] in notice
        # Rasa's "attachment" (an absolute link) with the file's details in "custom"
        files = {m["custom"]["mime_type"]: m["custom"] for m in resident.last if "attachment" in m}
        assert sorted(files) == ["application/pdf", "text/html"]
        async with resident.http.get(files["text/html"]["url"]) as r:
            html = await r.text()
        assert 'lang="en"' in html and "Notice of non-acceptance" in html
        assert "2 homes, more than the 1 allowed" in html and "Administrative review" in html
        await worker.call("POST", f"/staff/api/cases/{case['id']}/close",
                            {"resolution": "explained"})  # fmt: skip
        back = await resident.say("show me my benefits")
        assert EN.t("relay-released").splitlines()[0] in back
    finally:
        await resident.close()
