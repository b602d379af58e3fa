"""Turn a pre-check's codes into plain Chinese (``templates/zh_CN/eligibility.yml``).

Used by the what-if CLI, the documents and the chat. ``names`` maps member ids to what a
reader should see (e.g. masked names); ids without a name are shown as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from templates import texts


def _key(prefix: str, code: str) -> str:
    return f"{prefix}-{code.replace('_', '-')}"


def program_name(code: str) -> str:
    """``"dibao"`` -> ``"最低生活保障（低保）"``."""
    return texts("eligibility").t(_key("program", code))


def status_text(status: str) -> str:
    """``"needs_home_visit"`` -> ``"需要入户核查后确定"``."""
    return texts("eligibility").t(_key("status", status))


def source_text(source: str) -> str:
    """Where the standard came from, in words."""
    return texts("eligibility").t(_key("source", source))


def area_text(area: str) -> str:
    return texts("eligibility").t(_key("area", area))


def reason_text(reason: Mapping[str, Any] | Any, names: Mapping[str, str] | None = None) -> str:
    """One sentence for a reason (a dict or :class:`eligibility.result.Reason`).

    :raises KeyError: when the code has no text (a new code without its sentence).
    """
    data = dict(reason) if isinstance(reason, Mapping) else reason.model_dump()
    code = data.pop("code")
    if "members" in data and names:
        data["members"] = [names.get(m, m) for m in data["members"]]
    return texts("eligibility").t(_key("reason", code), **data)


def flag_text(flag: Mapping[str, Any] | Any, names: Mapping[str, str] | None = None) -> str:
    """One sentence for a flag (``business_registration``, ``member_unverified``)."""
    data = dict(flag) if isinstance(flag, Mapping) else flag.model_dump()
    member = data.get("member")
    data["member"] = (names or {}).get(member, member) if member else ""
    return texts("eligibility").t(_key("flag", data.pop("code")), **data)


def amount_text(amount: float | None, status: str) -> str:
    """``"714 元/月"``; ``"由所在城市确定"`` when the amount is set elsewhere; ``"无"``."""
    t = texts("eligibility")
    if amount is None:
        return t.t("amount-set-by-city") if status != "ineligible" else t.t("amount-none")
    if status != "eligible" or amount == 0:
        return t.t("amount-none")
    return t.t("amount-per-month", amount=amount)
