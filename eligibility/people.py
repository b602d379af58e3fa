"""How family members appear in the chat: masked names and relations, never in clear."""

from __future__ import annotations

from datetime import date

from store.consent import is_minor
from store.models import Family
from store.pii import mask_name
from templates import Texts


def member_names(family: Family, l10n: Texts) -> dict[str, str]:
    """Pre-check member id (``p<person id>``) → ``林*（配偶）`` for reasons and documents.

    The relation tells apart members whose masked names are alike (``韦**``).
    """
    return {
        f"p{m.person_id}": l10n.t(
            "member-with-relation", name=mask_name(m.person.name),
            relation=relation_text(l10n, m.relation),
        )
        for m in family.members
    }


def relation_text(l10n: Texts, relation: str) -> str:
    """``spouse`` → ``配偶``."""
    return l10n.t(f"relation-{relation}")


def members_without(
    family: Family, consented: set[int], on: date, me: int
) -> list[tuple[str, str, bool]]:
    """``(masked name, relation, is minor)`` of members other than ``me`` with no valid
    consent: adults sign for themselves, minors need a parent's consent."""
    return [
        (mask_name(m.person.name), m.relation, is_minor(m.person.birth_date, on))
        for m in family.members
        if m.person_id != me and m.person_id not in consented
    ]


def registered_applicant(family: Family) -> tuple[int, str]:
    """``(person id, masked name)`` of the family's registered applicant (户主/申请人)."""
    member = next(m for m in family.members if m.relation == "applicant")
    return member.person_id, mask_name(member.person.name)
