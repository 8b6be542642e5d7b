"""The national portal's date format: ``yyyyMMddHHmmss`` in Vietnam local time, for any instant
in any time zone (spelled out by hand, so checked against ``strftime`` over the whole range)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from onestop.core.clock import LOCAL_TZ
from onestop.integration.dvcqg import payload

ZONES = st.sampled_from([dt.UTC, LOCAL_TZ, dt.timezone(dt.timedelta(hours=-9, minutes=-30))])
INSTANTS = st.datetimes(
    min_value=dt.datetime(1976, 1, 1), max_value=dt.datetime(9998, 12, 31), timezones=ZONES
)


@given(INSTANTS)
def test_a_portal_date_is_the_local_time_spelled_yyyymmddhhmmss(at: dt.datetime) -> None:
    assert payload.portal_date(at) == at.astimezone(LOCAL_TZ).strftime(payload.DATE_FORMAT)


def test_examples() -> None:
    at = dt.datetime(2026, 2, 26, 9, 5, 7, tzinfo=dt.UTC)
    assert payload.portal_date(at) == "20260226160507"
    assert payload.portal_date(dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)) == "20270101000000"
    assert payload.portal_date(None) is None
