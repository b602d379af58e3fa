"""The verification report (核查报告) and the refusal notice (不予受理通知书), HTML and PDF.

``family_context`` is a plain dict, address-free and masked (PIPL art. 6: minimisation):

=================  ==========================================================================
key                meaning (default)
=================  ==========================================================================
applicant_name     masked name, e.g. ``林*华`` (``document-applicant``: ``申请人``)
applicant_id       masked ID number, e.g. ``4418**********002X`` (``—``)
region_name        region in words (from :func:`eligibility.regions.region_name`)
data_sources       ``[{kind, department, read_at}]`` (dicts or objects with those attributes)
                   consulted by the verification ([])
date               date of the document (today)
case_number        case or application number (``—``)
issuer             issuing office (``document-issuer``: ``<region_name>民政部门``)
member_names       result member id → masked name shown in reasons ({})
applied_programs   programs the application asked for; the notice lists those refused
                   (``["dibao"]``)
preliminary        True for a resident's self-service pre-check: titled 预审, no stamp (False)
=================  ==========================================================================

Templates: ``templates/<locale>/documents/{verification_report,refusal_notice}.html.j2``;
short texts from ``templates/<locale>/eligibility.yml`` (``locale``: Chinese by default, or
``en``; the legal citations and region names stay in Chinese, as the office uses them).
PDF through WeasyPrint with a Noto CJK font (Debian ``fonts-noto-cjk``, installed by
``scripts/system-deps.sh``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from eligibility import explain
from eligibility.reasons import FAVOURABLE, citation
from eligibility.regions import region_name
from eligibility.result import PrecheckResult
from jiuzhu import clock
from templates import DEFAULT_LOCALE, render_document, texts

CHINA_TIME = timezone(timedelta(hours=8), "CST")


def _get(source: Any, name: str) -> Any:
    return source.get(name) if isinstance(source, Mapping) else getattr(source, name, None)


def _when(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # shown in China Standard Time
            value = value.astimezone(CHINA_TIME)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if value else "—"


def _context(
    result: PrecheckResult, family_context: Mapping[str, Any], locale: str
) -> dict[str, Any]:
    t = texts("eligibility", locale)
    names: dict[str, str] = dict(family_context.get("member_names") or {})
    place = family_context.get("region_name") or region_name(result.region)
    programs = []
    for code, program in result.programs.items():
        programs.append(
            {
                "code": code,
                "name": explain.program_name(code, locale),
                "status": program.status,
                "status_text": explain.status_text(program.status, locale),
                "amount_text": explain.amount_text(
                    program.monthly_amount, program.status, locale, program.reasons
                ),
                "members": [names.get(m, m) for m in program.members],
                "reasons": [
                    {
                        "text": explain.reason_text(r, names, locale),
                        "rule": citation(r.code, code),
                        "favourable": r.code in FAVOURABLE,
                    }
                    for r in program.reasons
                ],
            }
        )
    sources = []
    for s in family_context.get("data_sources") or []:
        kind = str(_get(s, "kind") or "")
        key = f"data-kind-{kind.replace('_', '-')}"
        sources.append(
            {
                "kind": t.t(key) if key in t else kind,
                "department": _get(s, "department") or "—",
                "read_at": _when(_get(s, "read_at")),
            }
        )
    records: dict[str, list[dict[str, str]]] = {}
    for r in result.records:
        who = names.get(r.member, r.member) if r.member else t.t("document-applicant")
        key = f"data-kind-{r.kind.replace('_', '-')}"
        records.setdefault(who, []).append(
            {"kind": t.t(key), "text": explain.record_text(r, locale)})
    doc_date = family_context.get("date") or clock.today()
    return {
        "result": result,
        "applicant_name": family_context.get("applicant_name") or t.t("document-applicant"),
        "applicant_id": family_context.get("applicant_id") or "—",
        "region_name": place,
        "area_text": explain.area_text(result.area, locale),
        "source_text": explain.source_text(result.dibao_standard_source, locale),
        "data_sources": sources,
        "records": records,
        "date": _when(doc_date),
        "case_number": family_context.get("case_number") or "—",
        "issuer": family_context.get("issuer") or t.t("document-issuer", region=place),
        "programs": programs,
        "flags": [explain.flag_text(f, names, locale) for f in result.flags],
        "unverified": [names.get(m, m) for m in result.unverified_members],
        "preliminary": bool(family_context.get("preliminary")),
    }


def render_verification_report(
    result: PrecheckResult, family_context: Mapping[str, Any], locale: str = DEFAULT_LOCALE
) -> str:
    """《救助申请家庭经济状况核查报告》 as HTML: family, data consulted and when, every program
    with its outcome and the reasons citing the rule and the figures."""
    context = _context(result, family_context, locale)
    return render_document("verification_report", locale, **context)


def render_refusal_notice(
    result: PrecheckResult, family_context: Mapping[str, Any], locale: str = DEFAULT_LOCALE
) -> str:
    """《不予受理通知书》 as HTML: the refused programs with reasons, and the applicant's rights
    (explanation, complaint, review by a person — PIPL art. 24; administrative review/suit).

    :raises ValueError: when none of ``applied_programs`` is ineligible (nothing to refuse).
    """
    context = _context(result, family_context, locale)
    applied = list(family_context.get("applied_programs") or ["dibao"])
    refused = [
        {**p, "reasons": [r for r in p["reasons"] if not r["favourable"]] or p["reasons"]}
        for p in context["programs"]
        if p["code"] in applied and p["status"] == "ineligible"
    ]
    if not refused:
        msg = f"no refused program among {applied}: a refusal notice would be wrong"
        raise ValueError(msg)
    return render_document("refusal_notice", locale, **context, refused=refused)


def html_to_pdf(html: str) -> bytes:
    """Render document HTML to PDF bytes (WeasyPrint; fonts from fontconfig)."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()
