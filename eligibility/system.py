"""The jiuzhu OpenFisca tax-benefit system: entities, parameters and variables of this package.

``tax_benefit_system()`` is built once per process (loading ~60 YAML and Python files takes a
few hundred milliseconds) and shared; simulations never modify it.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from openfisca_core.model_api import MONTH, Variable, set_input_dispatch_by_period
from openfisca_core.taxbenefitsystems import TaxBenefitSystem

from eligibility.entities import Family, Person, entities
from eligibility.kinds import INCOME_KINDS, VEHICLE_KINDS

ROOT = Path(__file__).parent
PARAMETERS = ROOT / "parameters"
VARIABLES = ROOT / "variables"


def _kind_variables() -> list[type[Variable]]:
    """``income_<kind>`` (Person, yuan in a calendar month), ``vehicles_<kind>`` (Family)."""
    made: list[type[Variable]] = []
    for kind, text in INCOME_KINDS.items():
        made.append(type(f"income_{kind}", (Variable,), {
            "value_type": float, "entity": Person, "definition_period": MONTH,
            "set_input": set_input_dispatch_by_period,
            "label": f"当月收入中的{text}（元）",
            "reference": "最低生活保障审核确认办法 第13条 [V]",
        }))
    for kind, text in VEHICLE_KINDS.items():
        made.append(type(f"vehicles_{kind}", (Variable,), {
            "value_type": int, "entity": Family, "definition_period": MONTH,
            "label": f"名下{text}数量",
            "reference": "粤府办〔2022〕3号 [3P]",
        }))
    return made


class JiuzhuTaxBenefitSystem(TaxBenefitSystem):
    """Guangdong social-assistance rules (RULES.md) as an OpenFisca system."""

    def __init__(self) -> None:
        super().__init__(entities)
        self.add_variables(*_kind_variables())
        self.add_variables_from_directory(str(VARIABLES))
        self.load_parameters(str(PARAMETERS))

    def get_package_metadata(self) -> dict[str, str]:
        """Name and location of this system (OpenFisca asks; we are not a pip package)."""
        return {"name": "jiuzhu-eligibility", "version": RULES_VERSION,
                "repository_url": "", "location": str(ROOT.parent)}


@cache
def tax_benefit_system() -> JiuzhuTaxBenefitSystem:
    """The process-wide system (built on first use)."""
    return JiuzhuTaxBenefitSystem()


def _rules_version() -> str:
    digest = hashlib.sha256()
    files = [*sorted(PARAMETERS.rglob("*.yaml")), *sorted(VARIABLES.rglob("*.py"))]
    files += [ROOT / name for name in ("standard.py", "kinds.py", "entities.py", "enums.py",
                                        "statuses.py")]
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


#: short hash of every parameter and variable file: results are stored with it
RULES_VERSION: str = _rules_version()

__all__ = ["RULES_VERSION", "Family", "JiuzhuTaxBenefitSystem", "Person", "tax_benefit_system"]
