"""Enumerations shared by the variables and the service (OpenFisca ``Enum``)."""

from openfisca_core.indexed_enums import Enum


class Status(Enum):
    """Outcome of one program for one family or person (DESIGN.md: statuses)."""

    ineligible = "不符合"
    eligible = "符合"
    needs_home_visit = "需入户核查"


class Area(Enum):
    """Urban or rural standard (城市 / 农村)."""

    urban = "城市"
    rural = "农村"


class StandardSource(Enum):
    """Where the dibao standard of a family's region came from."""

    region = "本县（区）标准"
    prefecture = "所属地级市标准"
    tier_floor = "全省分档底线"


class DisabilityCategory(Enum):
    """残疾类别 (GB/T 26341-2010 categories); ``none`` when the person has no certificate."""

    none = "无"
    visual = "视力残疾"
    hearing = "听力残疾"
    speech = "言语残疾"
    physical = "肢体残疾"
    intellectual = "智力残疾"
    mental = "精神残疾"
    multiple = "多重残疾"


class VisitFinding(Enum):
    """What a home visit (入户核查) recorded about one data flag."""

    not_recorded = "未核查"
    confirmed = "已核实"
    refuted = "核实不符"
