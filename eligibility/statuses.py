"""How program statuses combine (shared by the program variables in ``variables/``).

Status codes: ineligible / eligible / needs_home_visit (:class:`eligibility.enums.Status`).
Person-level programs have ``<program>_person_status`` and ``<program>_person_amount``; the
family-level ``<program>_status`` is eligible when any member is, else needs_home_visit when any
member waits for a visit; ``<program>_amount`` is the family total (yuan per month).
"""

import numpy as np

from eligibility.enums import Status

INELIGIBLE, ELIGIBLE, PENDING = (
    s.index for s in (Status.ineligible, Status.eligible, Status.needs_home_visit)
)


def combine(income_ok, property_status):
    """Status of a program that needs ``income_ok`` (bool array) and the property test."""
    return np.select(
        [
            ~income_ok | (property_status == Status.ineligible),
            property_status == Status.needs_home_visit,
        ],
        [INELIGIBLE, PENDING],
        ELIGIBLE,
    )


def family_status(family, period, person_status_variable):
    """Eligible when any member is, else needs_home_visit when any member waits, else not."""
    status = family.members(person_status_variable, period)
    return np.select(
        [family.any(status == Status.eligible), family.any(status == Status.needs_home_visit)],
        [ELIGIBLE, PENDING],
        INELIGIBLE,
    )
