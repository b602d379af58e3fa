"""Which programs a family may apply for after a pre-check (store.applications)."""

from __future__ import annotations

import pytest

from store.applications import APPLY_ORDER, programs_to_apply

ALL_INELIGIBLE = dict.fromkeys(APPLY_ORDER, "ineligible")


def test_favoured_programs_in_order_less_those_received_or_pending() -> None:
    statuses = {**ALL_INELIGIBLE, "medical_insurance_subsidy": "eligible", "dibao": "eligible",
                "tekun": "needs_home_visit"}  # fmt: skip
    # Favoured in APPLY_ORDER: tekun, dibao, medical_insurance_subsidy; dibao is received.
    assert programs_to_apply(statuses, {"dibao"}, set()) == [
        "tekun", "medical_insurance_subsidy"
    ]  # fmt: skip
    # tekun is already applied for: only the subsidy is left.
    assert programs_to_apply(statuses, {"dibao"}, {"tekun"}) == ["medical_insurance_subsidy"]


def test_dibao_may_be_applied_for_when_none_is_favoured() -> None:
    assert programs_to_apply(ALL_INELIGIBLE, set(), set()) == ["dibao"]
    assert programs_to_apply(ALL_INELIGIBLE, set(), {"dibao"}) == []


def test_a_button_asks_for_one_program() -> None:
    statuses = {**ALL_INELIGIBLE, "dibao": "eligible", "tekun": "eligible"}
    assert programs_to_apply(statuses, set(), set(), only="dibao") == ["dibao"]
    assert programs_to_apply(statuses, set(), set(), only="dibao_single") == []


def test_a_result_without_a_program_is_an_error() -> None:
    with pytest.raises(KeyError):
        programs_to_apply({"dibao": "eligible"}, set(), set())
