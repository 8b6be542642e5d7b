"""The unit rows of a report page as a roll-up tree: the on-time and the satisfaction pages show
the report unit's children (by Biểu 06's level groups when there are more than ``WIDE``), and a
unit's children once it is expanded. Expanding or collapsing fetches the branch again
(``<page>/nhanh``, htmx); without scripts the same link reloads the page with the new state.

A province has 2,000 communes: a row each made a page 2 MB and 20 times the cost of its JSON.
Each report gives its rows (every unit of the subtree, each counting its own subtree) and how
several rows add up into a level group's (``Combine``); the tree, its links and the branch
endpoint's reading are the same for both.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Generic, Protocol, TypeVar
from urllib.parse import urlencode

from onestop.core.errors import NotFound
from onestop.metrics import level_groups
from onestop.metrics.periods import Period

#: A unit with more children than this shows them by level group first.
WIDE = 30
#: Key prefix of a level-group row (``cap:commune``); the groups are Biểu 06's ("theo cấp").
GROUP = "cap:"


class TreeRow(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def parent_code(self) -> str | None: ...

    @property
    def level(self) -> str | None: ...


R = TypeVar("R", bound=TreeRow)
#: Rows of disjoint subtrees added into one: (key, label, rows, target, parent code) → row.
Combine = Callable[[str, str, Sequence[R], Decimal, str], R]


def open_set(text: str) -> frozenset[str]:
    return frozenset(c.strip() for c in text.split(",") if c.strip())


def group_of(key: str) -> str | None:
    """The level group a row key names (``cap:commune`` → ``commune``), or None."""
    return key[len(GROUP) :] if key.startswith(GROUP) else None


def _group_order(key: str) -> int:
    """Biểu 06's order of the level groups (province first); "other" last."""
    keys = [GROUP + k for k, _label, _levels in level_groups.LEVEL_GROUPS]
    return keys.index(key) if key in keys else len(keys)


@dataclasses.dataclass(frozen=True)
class UnitTree(Generic[R]):
    rows: list[R]
    period: Period
    #: The report unit (the page's), its target, and the expanded rows.
    unit: str
    target: Decimal
    open: frozenset[str]
    combine: Combine[R]
    #: The page's path, and what its links keep besides period, unit and state.
    path: str
    extra: tuple[tuple[str, str], ...] = ()

    @functools.cached_property
    def children(self) -> dict[str, list[R]]:
        """Rows by the key of the row above them (a unit's parent, or its level group)."""
        out: dict[str, list[R]] = {}
        for r in self.rows:
            out.setdefault(r.parent_code or "", []).append(r)
        top = out.get(self.unit, [])
        if len(top) > WIDE:
            groups: dict[str, list[R]] = {}
            for r in top:
                groups.setdefault(GROUP + level_groups.level_group(r.level or ""), []).append(r)
            out.update(groups)
            out[self.unit] = [
                self.combine(
                    key,
                    level_groups.group_label(key[len(GROUP) :]),
                    members,
                    self.target,
                    self.unit,
                )
                for key, members in sorted(groups.items(), key=lambda kv: _group_order(kv[0]))
            ]
        return out

    def toggled(self, code: str) -> str:
        return ",".join(sorted(self.open ^ {code}))

    def page_url(self, code: str) -> str:
        query = {**self._period(), "unit": self.unit, **dict(self.extra), "mo": self.toggled(code)}
        return f"{self.path}?{urlencode(query)}"

    def branch_url(self, top: str, number: int, code: str) -> str:
        """The branch under ``top`` (a unit, or a level group of the report unit) after
        expanding or collapsing ``code``."""
        query = {**self._period(), "unit": top, "trang": self.unit, "so": number}
        group = group_of(top)
        if group is not None:
            query |= {"unit": self.unit, "cap": group}
        return f"{self.path}/nhanh?{urlencode({**query, 'mo': self.toggled(code)})}"

    def _period(self) -> dict[str, str]:
        return {
            "ky": "custom",
            "tu": self.period.start.isoformat(),
            "den": self.period.end.isoformat(),
        }


def branch(
    total: R,
    rows: list[R],
    cap: str,
    page_unit: str,
    make: Callable[[list[R], str], UnitTree[R]],
) -> tuple[UnitTree[R], R]:
    """The tree and top row of one branch, read over the branch unit's subtree (``total`` its
    row, ``rows`` those below it): a level group of the page's unit (``cap``), or a unit."""
    if cap:
        tree = make(rows, total.key)
        found = [r for r in tree.children.get(total.key, []) if r.key == GROUP + cap]
        if not found:
            raise NotFound(
                f"Không có nhóm đơn vị '{cap}' (no such level group)", code="unknown-group"
            )
        return tree, found[0]
    return make([total, *rows], page_unit or total.key), total
