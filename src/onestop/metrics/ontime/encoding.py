"""``GET /api/v1/reports/on-time`` as JSON, written without a model per row.

The fields around the rows go through ``OnTimeReport`` (dates, instants, aliases); each row
(``ontime.report._row`` with ``as_json``: exactly ``OnTimeRow``'s fields, numbers as JSON
numbers) is a plain dict, and the list of them is written in one ``orjson.dumps`` call (one call
per row cost 20× more). Validating and serialising 2,000 row models cost more than the report's
SQL. The bytes are those FastAPI writes from ``ontime.report.report`` (checked in tests).
"""

from __future__ import annotations

import datetime as dt

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.catalog.snapshots import ScopeUnit
from onestop.metrics.ontime import report as ontime_report
from onestop.metrics.periods import Period
from onestop.metrics.schemas import GroupBy, OnTimeReport


async def report_json(
    session: AsyncSession,
    *,
    unit: ScopeUnit,
    p: Period,
    group_by: GroupBy,
    now: dt.datetime,
    with_links: bool = True,
) -> bytes:
    """``ontime_report.report`` as JSON bytes."""
    head, rows = await ontime_report.assemble(
        session, unit=unit, p=p, group_by=group_by, now=now, with_links=with_links, as_json=True
    )
    body = OnTimeReport.model_validate(head).model_dump(mode="json", by_alias=True)
    body["rows"] = orjson.Fragment(orjson.dumps(list(rows())))
    return orjson.dumps(body)
