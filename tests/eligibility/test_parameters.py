"""Every parameter is dated, referenced and marked [V]/[3P]/[A]; none has a gap after 2021-01."""

import re

from openfisca_core.parameters import Parameter

from eligibility import regions
from eligibility.system import tax_benefit_system

STATUS = re.compile(r"\[(V|3P|A)[\],]")


def _leaves(node):
    for child in node.children.values():
        if isinstance(child, Parameter):
            yield child
        else:
            yield from _leaves(child)


def _references(parameter) -> list[str]:
    texts = [str(parameter.metadata.get("reference", "")), str(parameter.documentation or "")]
    node = parameter
    while node is not None:  # a reference may sit on the parameter or any parent node
        texts.append(str(getattr(node, "metadata", {}).get("reference", "")))
        texts.append(str(getattr(node, "documentation", "") or ""))
        node = getattr(node, "parent", None)
    texts += [str(at.metadata.get("reference", "")) for at in parameter.values_list]
    return texts


def test_every_value_has_a_status_mark():
    leaves = list(_leaves(tax_benefit_system().parameters))
    assert len(leaves) > 40
    for parameter in leaves:
        for at in parameter.values_list:
            own = str(at.metadata.get("reference", ""))
            inherited = " ".join(_references(parameter))
            assert STATUS.search(own) or STATUS.search(inherited), (parameter.name, at.instant_str)


def test_assumptions_say_assumption():
    marked = 0
    for parameter in _leaves(tax_benefit_system().parameters):
        for text in _references(parameter):
            if "[A]" in text:
                marked += 1
                assert "assumption" in text, (parameter.name, text)
    assert marked > 10


def test_no_gap_from_2021_to_2026():
    parameters = tax_benefit_system().parameters
    for year in range(2021, 2027):
        for month in range(1, 13):
            at = parameters(f"{year}-{month:02d}-01")
            for code in regions.PREFECTURES:
                tier = int(getattr(at.dibao.standard.prefecture_tier, f"p{code}"))
                floor = getattr(at.dibao.standard.tier_floor, f"tier_{tier}")
                assert floor.urban > 0 and floor.rural > 0
            assert at.property.financial_assets_multiple == 24
            assert at.disability.living_subsidy > 0 and at.disability.care_subsidy > 0
            assert at.tekun.unable_to_work.min_age_senior == 60


def test_all_21_prefectures_have_a_tier():
    at = tax_benefit_system().parameters("2024-01-01")
    tiers = {
        code: int(getattr(at.dibao.standard.prefecture_tier, f"p{code}"))
        for code in regions.PREFECTURES
    }
    assert len(tiers) == 21
    assert tiers["4401"] == tiers["4403"] == 1
    assert {tiers[c] for c in ("4404", "4406", "4419", "4420")} == {2}
    assert {tiers[c] for c in ("4413", "4407", "4412")} == {3}


def test_region_names():
    assert regions.region_name("441825") == "清远市连山壮族瑶族自治县"
    assert regions.region_name("440100") == "广州市"
    assert regions.region_name("445399") == "云浮市（445399）"
    assert not regions.is_guangdong_code("450100")
