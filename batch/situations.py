"""The :class:`~eligibility.situation.Situation` of a few families, for their reports.

The review classifies every family from arrays; only the families that become staff cases
get a full :class:`~eligibility.result.PrecheckResult` (reasons, records, figures), made by
:func:`eligibility.service.evaluate` from the situations built here out of the same columns
(the readings of :mod:`batch.arrays`; credit codes masked).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from batch.arrays import Selection, month_number
from batch.columns import Partition
from eligibility.precheck import INCOME_KIND_MAP, member_key
from eligibility.service import income_window
from eligibility.situation import (
    Assets,
    BusinessRegistration,
    Disability,
    Member,
    RecordRef,
    Situation,
)
from store.pii import mask_credit_code


def _month(n: int) -> str | None:
    return None if n < 0 else f"{n // 12:04d}-{n % 12 + 1:02d}"


def _rows(part: Partition, table: str, sel: Selection) -> dict[int, list[int]]:
    """Selected person position → row indices of ``table``."""
    where = np.full(len(part.members["person_id"]), -1, dtype=np.int64)
    where[sel.persons] = np.arange(len(sel.persons))
    index = part.record_member(table)
    pos = np.where(index >= 0, where[np.maximum(index, 0)], -1)
    grouped: dict[int, list[int]] = defaultdict(list)
    for row in np.flatnonzero(pos >= 0):
        grouped[int(pos[row])].append(int(row))
    return grouped


def situations(part: Partition, sel: Selection, period: str) -> list[Situation]:
    """One situation per selected family, in ``sel.families`` order."""
    rec = part.records
    by = {t: _rows(part, t, sel) for t in ("income_record", "real_estate", "vehicle",
                                            "business_registration", "financial_asset",
                                            "disability_certificate", "school_enrolment",
                                            "medical_expense")}  # fmt: skip
    window = income_window(period)
    day = np.datetime64(f"{period}-15")
    families: list[dict] = [{"members": [], "records": [], "vehicles": [], "business": [],
                             "res": 0, "exempt": 0, "nonres": 0, "assets": 0.0}
                            for _ in sel.families]  # fmt: skip
    for i, person in enumerate(sel.persons):
        f = families[int(sel.person_family[i])]
        key = member_key(int(part.members["person_id"][person]))
        months: dict[str, dict[str, float]] = {}
        for r in by["income_record"].get(i, []):
            inc = rec["income_record"]
            lo, hi = int(inc["month_from"][r]), int(inc["month_to"][r])
            kind = INCOME_KIND_MAP.get(inc["kind"][r], inc["kind"][r])
            for month in window:
                m = month_number(month)
                if lo <= m and (hi < 0 or m <= hi):
                    months.setdefault(month, {})
                    months[month][kind] = months[month].get(kind, 0.0) + float(
                        inc["monthly_amount"][r]
                    )
            f["records"].append(RecordRef(kind="income", member=key, fields={
                "income_kind": inc["kind"][r], "monthly_amount": float(inc["monthly_amount"][r]),
                "month_from": _month(lo), "month_to": _month(hi)}))  # fmt: skip
        for r in by["real_estate"].get(i, []):
            h = rec["real_estate"]
            exemption = h["exemption"][r] or None
            if h["kind"][r] == "residential":
                f["res"] += 1
                f["exempt"] += exemption is not None
            else:
                f["nonres"] += 1
            f["records"].append(RecordRef(kind="real_estate", member=key, fields={
                "use": h["kind"][r], "rented_out": bool(h["rented_out"][r]),
                "area_m2": float(h["area_m2"][r]) or None, "exemption": exemption}))  # fmt: skip
        for r in by["vehicle"].get(i, []):
            kind = rec["vehicle"]["kind"][r]
            f["vehicles"].append(kind)
            f["records"].append(RecordRef(kind="vehicle", member=key,
                                          fields={"vehicle_kind": kind}))  # fmt: skip
        for r in by["business_registration"].get(i, []):
            b = rec["business_registration"]
            code = mask_credit_code(b["credit_code"][r])
            f["business"].append(
                BusinessRegistration(
                    kind=b["kind"][r],
                    employees=int(b["employees"][r]),
                    luxury_goods=bool(b["luxury_goods"][r]),
                    member=key,
                    credit_code=code,
                )
            )
            f["records"].append(RecordRef(kind="business_registration", member=key, fields={
                "credit_code": code, "business_kind": b["kind"][r],
                "employees": int(b["employees"][r]),
                "luxury_goods": bool(b["luxury_goods"][r])}))  # fmt: skip
        for r in by["financial_asset"].get(i, []):
            amount = float(rec["financial_asset"]["amount"][r])
            f["assets"] += amount
            f["records"].append(
                RecordRef(
                    kind="financial_asset",
                    member=key,
                    fields={"asset_kind": rec["financial_asset"]["kind"][r], "amount": amount},
                )
            )
        certificates = sorted(
            by["disability_certificate"].get(i, []),
            key=lambda r: rec["disability_certificate"]["grade"][r],
        )
        disability = None
        for r in certificates:
            c = rec["disability_certificate"]
            f["records"].append(RecordRef(kind="disability", member=key, fields={
                "category": c["category"][r], "grade": int(c["grade"][r])}))  # fmt: skip
        if certificates:
            c, r = rec["disability_certificate"], certificates[0]
            disability = Disability(category=c["category"][r], grade=int(c["grade"][r]))
        school = rec["school_enrolment"]
        student = any(school["start_date"][r] <= day and not school["end_date"][r] < day
                      for r in by["school_enrolment"].get(i, []))  # fmt: skip
        illness = any(bool(rec["medical_expense"]["serious_illness"][r])
                      for r in by["medical_expense"].get(i, []))  # fmt: skip
        f["members"].append(Member(
            id=key, relation=part.members["relation"][person],
            birth_date=part.members["birth_date"][person].item(), income_months=months,
            disability=disability, serious_illness=illness, student=student))  # fmt: skip
    out = []
    for n, position in enumerate(sel.families):
        f = families[n]
        out.append(Situation(
            region=part.families["region_code"][position], area=part.families["area"][position],
            period=period, members=f["members"],
            assets=Assets(residential_properties=f["res"],
                          exempt_residential_properties=f["exempt"],
                          nonresidential_properties=f["nonres"], vehicles=f["vehicles"],
                          business_registrations=f["business"],
                          financial_assets=round(f["assets"], 2), records=f["records"]),
        ))  # fmt: skip
    return out
