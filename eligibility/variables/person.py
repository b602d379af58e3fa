"""Person inputs and the person facts the rules derive from them."""

import numpy as np
from openfisca_core.model_api import ETERNITY, MONTH, Enum, Variable, date

from eligibility.entities import Person
from eligibility.enums import DisabilityCategory


class birth_date(Variable):
    value_type = date
    entity = Person
    definition_period = ETERNITY
    label = "出生日期"


class age(Variable):
    """Age in whole years on the first day of the month.

    [A] assumption: every age test of a month (特困 art. 7 ≥ 60 / < 16, supporter age) is read
    on its 1st; the texts do not say which day. The one age of the pre-check: the database
    path, the what-if JSON and the batch all use this variable.
    """

    value_type = int
    entity = Person
    definition_period = MONTH
    label = "年龄（周岁, 当月1日）"

    def formula(person, period, parameters):
        birth = person("birth_date", period)
        start = np.datetime64(str(period.start), "D")
        y0 = start.astype("datetime64[Y]").astype(int)
        m0 = start.astype("datetime64[M]").astype(int) % 12
        d0 = (start - start.astype("datetime64[M]")).astype(int)
        years = birth.astype("datetime64[Y]").astype(int)
        months = birth.astype("datetime64[M]").astype(int) % 12
        days = (birth - birth.astype("datetime64[M]")).astype(int)
        before_birthday = (months > m0) | ((months == m0) & (days > d0))
        return y0 - years - before_birthday


class disability_category(Variable):
    value_type = Enum
    possible_values = DisabilityCategory
    default_value = DisabilityCategory.none
    entity = Person
    definition_period = MONTH
    label = "残疾类别"


class disability_grade(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "残疾等级（1-4, 0 = 无残疾证）"


class serious_illness(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "患当地认定的重特大疾病"


class able_to_work(Variable):
    """Not unable to work as 特困人员认定办法 art. 7 says (``unable_to_work``)."""

    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "有劳动能力"
    reference = "特困人员认定办法 第7条 [V]"

    def formula(person, period, parameters):
        return ~person("unable_to_work", period)


class declared_unable_to_work(Variable):
    """A caseworker's finding that the person cannot work although art. 7's list (age,
    certificate) does not say so, e.g. a serious illness. Default False: the rules decide."""

    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "经核查认定无劳动能力（工作人员认定）"


class student(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "在校学生"


class is_disabled(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "持残疾证（等级1-4）"

    def formula(person, period, parameters):
        grade = person("disability_grade", period)
        return (grade >= 1) & (grade <= 4)
