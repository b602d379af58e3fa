"""OpenFisca entities: ``Person`` and ``Family`` (共同生活的家庭).

Family roles follow 《最低生活保障审核确认办法》art. 7 [V] (who is counted as a family
member): the applicant, the spouse, children (minor, or adult unable to live independently,
incl. full-time students up to bachelor level), parents and other people with a legal support
duty living with the family. Members excluded by art. 7 (clergy away ≥ 3 years, prisoners,
compulsory drug rehabilitation, declared missing) are simply not given as members.
"""

from openfisca_core.entities import build_entity

Person = build_entity(
    key="person",
    plural="persons",
    label="家庭成员 (a person)",
    doc="One person; amounts on a person are yuan per month.",
    is_person=True,
)

#: role keys in the order of :data:`Family.flattened_roles` (index = role code in arrays)
ROLE_KEYS: tuple[str, ...] = ("applicant", "spouse", "child", "parent", "other")

Family = build_entity(
    key="family",
    plural="families",
    label="共同生活的家庭 (a family living together)",
    doc="The family whose per-capita income and property are tested (审核确认办法 art. 7).",
    roles=[
        {"key": "applicant", "plural": "applicants", "label": "申请人", "max": 1},
        {"key": "spouse", "plural": "spouses", "label": "配偶", "max": 1},
        {"key": "child", "plural": "children", "label": "子女"},
        {"key": "parent", "plural": "parents", "label": "父母"},
        {"key": "other", "plural": "others", "label": "其他共同生活成员"},
    ],
)

entities = [Person, Family]
