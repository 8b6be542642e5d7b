"""The query parameters of the report pages, declared once: the period (a named choice, or two
dates typed dd/mm/yyyy), the unit, and the state of a unit tree (its expanded rows, and which
branch a tree endpoint answers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Query

from onestop.metrics import dashboard

UnitQuery = Annotated[str, Query(max_length=60)]
DateQuery = Annotated[str, Query(max_length=20)]
ChoiceQuery = Annotated[dashboard.PeriodChoice, Query()]
#: Codes of the expanded units, comma-separated (``mo=``): the state of the tree in its links.
OpenQuery = Annotated[str, Query(max_length=4000)]


@dataclass
class BranchQuery:
    """What a tree's branch endpoint (``<page>/nhanh``) reads: the branch's unit (``unit``), or a
    level group (``cap``) of the page's unit; the page's unit (``trang``); the branch's number on
    the page (``so``); the period; the expanded rows (``mo``)."""

    unit: UnitQuery
    trang: UnitQuery = ""
    cap: Annotated[str, Query(max_length=20)] = ""
    so: Annotated[int, Query(ge=1, le=100_000)] = 1
    ky: ChoiceQuery = "custom"
    tu: DateQuery = ""
    den: DateQuery = ""
    mo: OpenQuery = ""
