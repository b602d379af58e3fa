"""Resolve the dibao standard of a region: its own figure, its prefecture's, or its tier floor.

The figures are OpenFisca parameters (``parameters/dibao/standard/``); this module only walks
them in the order the rules set (issue 3; RULES.md § "Dibao standard floors": "a city without a
found figure uses the floor, marked as such").
"""

from __future__ import annotations

import numpy as np

#: source codes, in the order of :class:`eligibility.enums.StandardSource`
SOURCES: tuple[str, ...] = ("region", "prefecture", "tier_floor")


def _child(node, key: str):
    """The child ``key`` of a ParameterNodeAtInstant, or None."""
    children = getattr(node, "_children", {})
    return children.get(key)


def resolve_one(standard_node, region: int, rural: bool) -> tuple[float, int]:
    """``(yuan per person per month, index into SOURCES)`` for one region code.

    :param standard_node: ``parameters(instant).dibao.standard``.
    :param region: 6-digit code, e.g. ``441825``.
    :param rural: True for the rural standard.
    :raises KeyError: when the prefecture has no tier (not a Guangdong code).
    """
    area = "rural" if rural else "urban"
    prefecture = region // 100 * 100
    for source, code in ((0, region), (1, prefecture)):
        local = _child(standard_node.local, f"r{code}")
        if local is not None:
            value = _child(local, area)
            if value is not None:
                return float(value), source
    tier = _child(standard_node.prefecture_tier, f"p{region // 100}")
    if tier is None:
        msg = f"no dibao standard tier for region {region}"
        raise KeyError(msg)
    floor = _child(_child(standard_node.tier_floor, f"tier_{int(tier)}"), area)
    if floor is None:
        msg = f"no tier {int(tier)} floor for region {region} at this date"
        raise KeyError(msg)
    return float(floor), 2


def resolve(
    standard_node, regions: np.ndarray, rural: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`resolve_one`: one lookup per distinct (region, area), not per family.

    :returns: ``(standards float64[n], source index int8[n])``.
    """
    keys = regions.astype(np.int64) * 2 + rural.astype(np.int64)
    unique, inverse = np.unique(keys, return_inverse=True)
    values = np.empty(len(unique))
    sources = np.empty(len(unique), dtype=np.int8)
    for i, key in enumerate(unique.tolist()):
        values[i], sources[i] = resolve_one(standard_node, key // 2, bool(key % 2))
    return values[inverse], sources[inverse]
