"""Turn a pre-check's codes into plain words (``templates/<locale>/eligibility.yml``).

Used by the what-if CLI, the documents and the chat. ``names`` maps member ids to what a
reader should see (e.g. masked names); ids without a name are shown as they are. Every
function takes the reader's ``locale`` (a :data:`templates.LOCALES` value, Chinese by default).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from templates import DEFAULT_LOCALE, Texts, texts

if TYPE_CHECKING:
    from eligibility.result import PrecheckResult


def _key(prefix: str, code: str) -> str:
    return f"{prefix}-{code.replace('_', '-')}"


def program_name(code: str, locale: str = DEFAULT_LOCALE) -> str:
    """``"dibao"`` -> ``"最低生活保障（低保）"``; in ``en`` the English name with the Chinese."""
    return texts("eligibility", locale).t(_key("program", code))


def status_text(status: str, locale: str = DEFAULT_LOCALE) -> str:
    """``"needs_home_visit"`` -> ``"需要入户核查后确定"``."""
    return texts("eligibility", locale).t(_key("status", status))


def source_text(source: str, locale: str = DEFAULT_LOCALE) -> str:
    """Where the standard came from, in words."""
    return texts("eligibility", locale).t(_key("source", source))


def area_text(area: str, locale: str = DEFAULT_LOCALE) -> str:
    """``"rural"`` -> ``"农村"``."""
    return texts("eligibility", locale).t(_key("area", area))


#: list figures of a reason whose items name a member (see :mod:`eligibility.reasons`)
_MEMBER_LISTS = ("facts", "registrations", "houses")


def _described(item: Mapping[str, Any], names: Mapping[str, str], t: Texts) -> dict[str, Any]:
    """A record or member fact with the words a sentence shows: ``name`` (masked if given),
    ``disability_text`` (``四级精神残疾``), ``business_kind_text``, ``cause_text``,
    ``exemption_text`` (empty when not applicable)."""
    out = dict(item)
    member = out.get("member")
    out["name"] = names.get(member, member) if member else ""
    category, grade = out.get("disability_category"), out.get("disability_grade")
    out["disability_text"] = (
        t.t("disability-grade", grade=int(grade), category=t.t(_key("disability", category)))
        if category and grade
        else ""
    )
    kind = out.get("business_kind")
    out["business_kind_text"] = t.t(_key("business-kind", kind)) if kind else ""
    cause = out.get("cause")
    out["cause_text"] = (
        t.t(_key("business-cause", cause), employees=out.get("employees", 0)) if cause else ""
    )
    exemption = out.get("exemption")
    out["exemption_text"] = t.t(_key("exemption", exemption)) if exemption else ""
    for key, default in (
        ("serious_illness", False),
        ("rented_out", False),
        ("area_m2", None),
        ("credit_code", None),
        ("employees", 0),
    ):
        out.setdefault(key, default)
    area = out["area_m2"]
    if isinstance(area, float) and area.is_integer():
        out["area_m2"] = int(area)  # 80 平方米, not 80.0
    return out


def reason_text(
    reason: Mapping[str, Any] | Any,
    names: Mapping[str, str] | None = None,
    locale: str = DEFAULT_LOCALE,
) -> str:
    """One sentence for a reason (a dict or :class:`eligibility.result.Reason`).

    Figures older results lack (``pending``, ``one_person``, the member and record lists,
    ``owned``/``exempt``) default to "not pending", "several members", empty and None, so a
    stored result still renders.
    :raises KeyError: when the code has no text (a new code without its sentence).
    """
    data = dict(reason) if isinstance(reason, Mapping) else reason.model_dump()
    code = data.pop("code")
    t = texts("eligibility", locale)
    names = names or {}
    if "members" in data:
        data["members"] = [names.get(m, m) for m in data["members"]]
    for key in _MEMBER_LISTS:
        data[key] = [_described(item, names, t) for item in data.get(key) or []]
    for key, default in (
        ("pending", False),
        ("one_person", False),
        ("owned", None),
        ("exempt", None),
        ("members", []),
        ("standard", None),
    ):
        data.setdefault(key, default)
    return t.t(_key("reason", code), **data)


#: per record kind: the fields its sentence needs (None when a record lacks one)
_RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    "income": ("income_kind", "monthly_amount", "month_from", "month_to"),
    "real_estate": ("use", "area_m2", "rented_out", "exemption"),
    "vehicle": ("vehicle_kind",),
    "business_registration": ("credit_code", "business_kind", "employees", "luxury_goods"),
    "financial_asset": ("asset_kind", "amount"),
    "disability": ("category", "grade"),
}


def record_text(record: Mapping[str, Any] | Any, locale: str = DEFAULT_LOCALE) -> str:
    """One line for a department record (:class:`eligibility.situation.RecordRef`), e.g.
    ``住宅，89.5 平方米，已出租`` or ``个体工商户，统一社会信用代码 9144************12，
    雇工 0 人``.

    :raises KeyError: for a record kind without a text.
    """
    data = dict(record) if isinstance(record, Mapping) else record.model_dump()
    kind = data["kind"]
    fields = {name: None for name in _RECORD_FIELDS[kind]} | dict(data.get("fields") or {})
    t = texts("eligibility", locale)
    if kind == "disability":
        fields["disability_category"], fields["disability_grade"] = (
            fields["category"],
            fields["grade"],
        )
    described = _described(fields, {}, t)

    def word(prefix: str, value: Any) -> str:
        key = _key(prefix, str(value))
        return t.t(key) if value and key in t else str(value or "—")

    described["income_text"] = word("income", fields.get("income_kind"))
    described["vehicle_text"] = word("vehicle", fields.get("vehicle_kind"))
    described["asset_text"] = word("asset", fields.get("asset_kind"))
    described["employees"] = described.get("employees") or 0
    return t.t(_key("record", kind), **described)


def flag_text(
    flag: Mapping[str, Any] | Any,
    names: Mapping[str, str] | None = None,
    locale: str = DEFAULT_LOCALE,
) -> str:
    """One sentence for a flag (``business_registration``, ``member_unverified``)."""
    data = dict(flag) if isinstance(flag, Mapping) else flag.model_dump()
    member = data.get("member")
    data["member"] = (names or {}).get(member, member) if member else ""
    return texts("eligibility", locale).t(_key("flag", data.pop("code")), **data)


def amount_text(
    amount: float | None,
    status: str,
    locale: str = DEFAULT_LOCALE,
    reasons: Sequence[Mapping[str, Any] | Any] = (),
) -> str:
    """``"714 元/月"``; ``"无"``; for a program without a cash amount (``amount`` None) what its
    ``reasons`` say: ``"全额资助个人缴费"`` when the premium is paid in full (with the city-set
    part when some members are only marginal), else ``"由所在城市确定"``; a pending status says
    the visit must confirm it."""
    t = texts("eligibility", locale)
    if amount is None:
        if status == "ineligible":
            return t.t("amount-none")
        codes = {r["code"] if isinstance(r, Mapping) else r.code for r in reasons}
        pending = status == "needs_home_visit"
        if codes & {"premium_fully_subsidised", "orphan_or_unsupported_child"}:
            partly = "marginal_premium_set_by_city" in codes
            return t.t("amount-full-premium", partly_city=partly, pending=pending)
        return t.t("amount-set-by-city")
    if status != "eligible" or amount == 0:
        return t.t("amount-none")
    return t.t("amount-per-month", amount=amount)


def explain_precheck(
    l10n: Texts, result: PrecheckResult, names: dict[str, str], receiving: dict[str, Any]
) -> str:
    """The pre-check as one chat message in ``l10n``'s locale (``l10n``: the ``bot`` texts).

    An ineligible program lists only the reasons against it (a met condition under a refusal
    reads like its cause); members are "全家" when the program covers everyone.
    :param receiving: program → its benefit line, for programs the family already receives.
    """
    from eligibility.reasons import FAVOURABLE
    from eligibility.regions import region_name
    from eligibility.result import PROGRAMS

    locale = l10n.locale
    everyone = len(names) == result.household_size
    programs = []
    for code in PROGRAMS:
        program = result.programs[code]
        reasons = program.reasons
        if program.status == "ineligible":
            reasons = [r for r in reasons if r.code not in FAVOURABLE] or reasons
        members = [names.get(m, m) for m in program.members]
        if everyone and len(members) == len(names) > 1:
            members = [l10n.t("benefits-whole-family")]
        line = receiving.get(code)
        programs.append({
            "name": program_name(code, locale),
            "status": program.status,
            "status_text": status_text(program.status, locale),
            "amount": amount_text(program.monthly_amount, program.status, locale,
                                  program.reasons),
            "members": members,
            "reasons": [reason_text(r, names, locale) for r in reasons],
            "receiving": line is not None,
            "next_review": line.next_review if line else None,
        })  # fmt: skip
    return l10n.t(
        "precheck-result",
        region=region_name(result.region),
        area=area_text(result.area, locale),
        period=result.period,
        household_size=result.household_size,
        per_capita_income=result.per_capita_income,
        standard=result.dibao_standard,
        source=source_text(result.dibao_standard_source, locale),
        programs=programs,
        flags=[flag_text(f, names, locale) for f in result.flags],
        unverified=[names.get(m, m) for m in result.unverified_members],
        visit=any(p["status"] == "needs_home_visit" for p in programs),
    )
