"""The level groups of units ("theo cấp"), as Biểu 06 sections its rows: province (departments,
centres), district, commune, ministry, and "other" for any level in none of them. Biểu 06's
sections, the report pages' group rows and the drill-down by group read them from here."""

from __future__ import annotations

from typing import Any

#: Levels of a unit → its group: (key, label, levels).
LEVEL_GROUPS: list[tuple[str, str, frozenset[str]]] = [
    ("province", "Cấp tỉnh (sở, ban, ngành)", frozenset({"province", "department", "centre"})),
    ("district", "Cấp huyện", frozenset({"district"})),
    ("commune", "Cấp xã", frozenset({"commune"})),
    ("ministry", "Cấp bộ, ngành", frozenset({"ministry"})),
]
OTHER_GROUP = ("other", "Khác")
#: Every level of a named group.
NAMED_LEVELS = frozenset().union(*(levels for _key, _label, levels in LEVEL_GROUPS))


def level_group(level: str) -> str:
    for key, _label, levels in LEVEL_GROUPS:
        if level in levels:
            return key
    return OTHER_GROUP[0]


def group_levels(group: str) -> frozenset[str] | None:
    """Unit levels of a group (None for "other": every level not in a named group)."""
    for key, _label, levels in LEVEL_GROUPS:
        if key == group:
            return levels
    return None


def group_label(group: str) -> str:
    for key, label, _levels in LEVEL_GROUPS:
        if key == group:
            return label
    return OTHER_GROUP[1]


def in_group(level: Any, group: str) -> Any:
    """SQL: a unit's ``level`` column is in ``group`` ("other": in no named group)."""
    levels = group_levels(group)
    if levels is None:
        return level.not_in(sorted(NAMED_LEVELS))
    return level.in_(sorted(levels))
