"""医疗救助资助参保: the resident medical-insurance premium paid for 特困, orphans, children
without de-facto carers, dibao and marginal families."""

import numpy as np
from openfisca_core.model_api import MONTH, Enum, Variable

from eligibility.entities import Family, Person
from eligibility.enums import Status
from eligibility.statuses import ELIGIBLE, INELIGIBLE, PENDING, family_status


class orphan(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "孤儿（民政部门认定）"


class child_without_carer(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "事实无人抚养儿童（民政部门认定）"


class orphan_or_unsupported_child(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "孤儿或事实无人抚养儿童"
    reference = "广东省医疗救助: 孤儿、事实无人抚养儿童全额资助参保 [3P]"

    def formula(person, period, parameters):
        return person("orphan", period) | person("child_without_carer", period)


class medical_full_subsidy(Variable):
    """特困, orphans, children without de-facto carers, dibao (incl. members included alone):
    the whole individual premium [3P]."""

    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Person
    definition_period = MONTH
    label = "全额资助参保"
    reference = "广东省医疗救助: 特困、孤儿、事实无人抚养儿童、低保（含单独纳入）全额资助 [3P]"

    def formula(person, period, parameters):
        statuses = (
            person("tekun_person_status", period),
            person.family("dibao_status", period),
            person("dibao_single_person_status", period),
        )
        child = person("orphan_or_unsupported_child", period)
        eligible = child | np.logical_or.reduce([s == Status.eligible for s in statuses])
        pending = np.logical_or.reduce([s == Status.needs_home_visit for s in statuses])
        return np.select([eligible, pending], [ELIGIBLE, PENDING], INELIGIBLE)


class medical_insurance_subsidy_person_status(Variable):
    """Full subsidy, or — for a marginal family — the subsidy each city sets [3P]."""

    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Person
    definition_period = MONTH
    label = "医疗救助资助参保（个人）"
    reference = "广东省医疗救助 [3P]: 低保边缘家庭成员由各市确定资助标准"

    def formula(person, period, parameters):
        full = person("medical_full_subsidy", period)
        marginal = person.family("low_income_marginal_status", period)
        return np.select(
            [
                (full == Status.eligible) | (marginal == Status.eligible),
                (full == Status.needs_home_visit) | (marginal == Status.needs_home_visit),
            ],
            [ELIGIBLE, PENDING],
            INELIGIBLE,
        )


class medical_insurance_subsidy_status(Variable):
    value_type = Enum
    possible_values = Status
    default_value = Status.ineligible
    entity = Family
    definition_period = MONTH
    label = "医疗救助资助参保"

    def formula(family, period, parameters):
        return family_status(family, period, "medical_insurance_subsidy_person_status")


class medical_insurance_subsidy_amount(Variable):
    """Always 0: the premium is paid to the insurer and its share is set by each city
    (parameters/cash_benefit: medical_insurance_subsidy false)."""

    value_type = float
    entity = Family
    definition_period = MONTH
    label = "资助参保现金（无, 元/月）"
    reference = "parameters/cash_benefit [3P]"

    def formula(family, period, parameters):
        return np.zeros(family.count)
