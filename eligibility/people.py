"""How family members appear in the chat: masked names and relations, never in clear."""

from __future__ import annotations

from datetime import date

from store.consent import is_minor
from store.models import Family
from store.pii import mask_name
from templates import Texts

SELF = "self"
"""The relation of the person signed in to themselves (本人)."""

SEEN_FROM: dict[str, dict[str, str]] = {
    "applicant": {"spouse": "spouse", "child": "child", "parent": "parent"},
    "spouse": {"applicant": "spouse", "child": "child", "parent": "parent_in_law"},
    "child": {"applicant": "parent", "spouse": "parent", "child": "sibling",
              "parent": "grandparent"},
    "parent": {"applicant": "child", "spouse": "child_in_law", "child": "grandchild"},
}  # fmt: skip
"""Viewer's relation → member's relation → the member's relation to the viewer.

The register records each member's relation to the registered applicant
(:data:`store.models.people.RELATIONS`); a person signed in sees everyone relative to
themselves. [A] As in :data:`store.consent.GUARDIANS`, a child of the applicant is taken to
be the spouse's child too. Pairs the register cannot tell (two parents of the applicant may
or may not be a couple; anyone seen by an ``other`` member) read ``other`` (其他家人).
"""


def relation_seen_by(viewer: str | None, member: str) -> str:
    """The relation of a ``member`` (to the applicant) as seen by ``viewer`` (to the
    applicant); ``viewer`` None is the register's own view (staff, notices).

    >>> relation_seen_by("spouse", "applicant")
    'spouse'
    """
    if viewer is None:
        return member
    return SEEN_FROM.get(viewer, {}).get(member, "other")


def relations_from(family: Family, viewer_id: int | None) -> dict[int, str]:
    """Person id → relation code as seen by member ``viewer_id`` (:data:`SELF` for them).

    :param viewer_id: the person signed in; None (or not a member) keeps the register's
        relations to the applicant.
    """
    viewer = next((m.relation for m in family.members if m.person_id == viewer_id), None)
    return {
        m.person_id: SELF if m.person_id == viewer_id else relation_seen_by(viewer, m.relation)
        for m in family.members
    }


def may_be_member(seen: dict[int, str], relation: str) -> bool:
    """Whether a member of ``relation`` (to the viewer) may be registered in the family
    whose members the viewer sees as ``seen`` (:func:`relations_from`): one of them is, or
    one reads ``other`` (a relation the register cannot tell)."""
    return relation in seen.values() or "other" in seen.values()


def member_names(family: Family, l10n: Texts, viewer_id: int | None = None) -> dict[str, str]:
    """Pre-check member id (``p<person id>``) → ``林*（配偶）`` for reasons and documents.

    The relation tells apart members whose masked names are alike (``韦**``); it is seen
    from ``viewer_id``, the person signed in (:func:`relations_from`), or, when None, the
    register's relation to the applicant (staff, notices).
    """
    relations = relations_from(family, viewer_id)
    return {
        f"p{m.person_id}": l10n.t(
            "member-with-relation",
            name=mask_name(m.person.name),
            relation=relation_text(l10n, relations[m.person_id]),
        )
        for m in family.members
    }


def relation_text(l10n: Texts, relation: str) -> str:
    """``spouse`` → ``配偶``, ``parent_in_law`` → ``配偶的父母``."""
    return l10n.t(f"relation-{relation.replace('_', '-')}")


def members_without(
    family: Family, consented: set[int], on: date, me: int
) -> list[tuple[str, str, bool]]:
    """``(masked name, relation to me, is minor)`` of members other than ``me`` with no valid
    consent: adults sign for themselves, minors need a parent's consent."""
    relations = relations_from(family, me)
    return [
        (mask_name(m.person.name), relations[m.person_id], is_minor(m.person.birth_date, on))
        for m in family.members
        if m.person_id != me and m.person_id not in consented
    ]


def registered_applicant(family: Family) -> tuple[int, str]:
    """``(person id, masked name)`` of the family's registered applicant (户主/申请人)."""
    member = next(m for m in family.members if m.relation == "applicant")
    return member.person_id, mask_name(member.person.name)
