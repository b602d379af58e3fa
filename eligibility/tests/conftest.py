"""Collect the OpenFisca YAML tests beside the rules as pytest items.

Each case of ``eligibility/tests/**/*.yaml`` (format: ``openfisca_core.tools.test_runner``)
runs against :func:`eligibility.system.tax_benefit_system` as its own pytest test, named by
its ``name``.
"""

import yaml
from openfisca_core.tools.test_runner import YamlFile, YamlItem

from eligibility.system import tax_benefit_system


class _NamedYamlFile(YamlFile):
    def collect(self):
        cases = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        for n, case in enumerate(cases if isinstance(cases, list) else [cases]):
            yield YamlItem.from_parent(
                self,
                name=case.get("name", f"case {n}"),
                baseline_tax_benefit_system=self.tax_benefit_system,
                test=case,
                options=self.options,
            )


def pytest_collect_file(parent, file_path):
    if file_path.suffix in {".yaml", ".yml"}:
        return _NamedYamlFile.from_parent(
            parent, path=file_path, tax_benefit_system=tax_benefit_system(), options={}
        )
    return None
