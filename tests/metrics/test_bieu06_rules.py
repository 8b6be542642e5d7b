"""The Biểu 06 flows of one dossier row (``bieu06.flows``): the stocks they give at local
midnights — in progress, overdue — for paused, late-flagged, due-at-midnight, ended-at-E,
withdrawn / stopped and never-received dossiers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from onestop.metrics.bieu06.flows import contribution, overdue_spells

LOCAL = dt.timezone(dt.timedelta(hours=7))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LOCAL).astimezone(dt.UTC)


def row(**given: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "competent_unit_id": 1,
        "procedure_id": 1,
        "channel": "counter",
        "status": 4,
        "received_at": at("2026-03-02 09:00"),
        "ended_at": None,
        "finished_at": None,
        "due_at": at("2026-03-05 17:00"),
        "due_at_original": at("2026-03-05 17:00"),
        "timing": None,
        "late_flag": False,
        "supplement_count": 0,
        "pause_started_at": None,
        "pause_ended_at": None,
    }
    return base | given


def stock(v: dict[str, Any], midnight: str, *measures: str) -> int:
    """Σ over the flows of the days before the local midnight starting ``midnight``."""
    day = dt.date.fromisoformat(midnight)
    sign = {"recv_online": 1, "recv_other": 1, "overdue": 1}
    return sum(
        n * sign.get(m, -1)
        for (d, m), n in contribution(v).items()
        if d < day and (m in measures or (measures == ("open",) and m != "overdue"))
    )


def in_progress(v: dict[str, Any], midnight: str) -> int:
    return stock(v, midnight, "open")


def overdue(v: dict[str, Any], midnight: str) -> int:
    return stock(v, midnight, "overdue")


def test_received_then_overdue_once_the_due_instant_has_passed() -> None:
    v = row()
    assert [in_progress(v, d) for d in ("2026-03-02", "2026-03-03")] == [0, 1]
    assert [overdue(v, d) for d in ("2026-03-05", "2026-03-06", "2026-04-01")] == [0, 1, 1]
    assert contribution(v)[(dt.date(2026, 3, 2), "recv_other")] == 1


def test_due_exactly_at_a_midnight_is_not_overdue_at_that_midnight() -> None:
    v = row(due_at=at("2026-03-06 00:00"), due_at_original=at("2026-03-06 00:00"))
    assert overdue(v, "2026-03-06") == 0
    assert overdue(v, "2026-03-07") == 1


def test_paused_before_the_due_instant_counts_the_new_due_instant_after_the_pause() -> None:
    v = row(
        supplement_count=1,
        pause_started_at=at("2026-03-04 10:00"),
        pause_ended_at=at("2026-03-10 10:00"),
        due_at=at("2026-03-11 17:00"),
    )
    days = ["2026-03-05", "2026-03-06", "2026-03-10", "2026-03-11", "2026-03-12"]
    assert [overdue(v, d) for d in days] == [0, 0, 0, 0, 1]
    assert all(in_progress(v, d) == 1 for d in days)


def test_paused_after_the_due_instant_is_overdue_before_and_not_while_paused() -> None:
    v = row(
        supplement_count=1,
        pause_started_at=at("2026-03-09 10:00"),
        pause_ended_at=at("2026-03-10 10:00"),
        due_at=at("2026-03-13 17:00"),  # restart policy: the full limit again from the end
    )
    days = ["2026-03-06", "2026-03-09", "2026-03-10", "2026-03-11", "2026-03-13", "2026-03-14"]
    assert [overdue(v, d) for d in days] == [1, 1, 0, 0, 0, 1]


def test_still_paused_is_never_overdue_afterwards() -> None:
    v = row(supplement_count=1, pause_started_at=at("2026-03-04 10:00"))
    assert [overdue(v, d) for d in ("2026-03-06", "2026-06-01")] == [0, 0]


def test_late_flagged_dossiers_are_overdue_for_their_whole_life_even_paused() -> None:
    v = row(supplement_count=2, pause_started_at=at("2026-03-03 10:00"))
    assert overdue_spells(v) == [(v["received_at"], None)]
    assert [overdue(v, d) for d in ("2026-03-02", "2026-03-03", "2026-03-04")] == [0, 1, 1]
    assert overdue(row(late_flag=True), "2026-03-03") == 1


def test_ended_exactly_at_the_end_of_the_period_is_still_in_progress_there() -> None:
    v = row(
        status=9,
        finished_at=at("2026-03-20 00:00"),
        ended_at=at("2026-03-20 00:00"),
        timing="late",
    )
    assert (in_progress(v, "2026-03-20"), overdue(v, "2026-03-20")) == (1, 1)
    assert (in_progress(v, "2026-03-21"), overdue(v, "2026-03-21")) == (0, 0)
    assert contribution(v)[(dt.date(2026, 3, 20), "end_late")] == 1


def test_withdrawn_and_stopped_end_in_the_other_column() -> None:
    for status in (7, 8):
        v = row(status=status, ended_at=at("2026-03-08 10:00"))
        assert contribution(v)[(dt.date(2026, 3, 8), "end_other")] == 1
        assert (in_progress(v, "2026-03-08"), overdue(v, "2026-03-08")) == (1, 1)
        assert (in_progress(v, "2026-03-09"), overdue(v, "2026-03-09")) == (0, 0)
    # stopped while paused: the pause ends with the dossier; nothing overdue after the pause
    v = row(
        status=8,
        supplement_count=1,
        pause_started_at=at("2026-03-04 10:00"),
        pause_ended_at=at("2026-03-12 10:00"),
        ended_at=at("2026-03-12 10:00"),
    )
    assert [overdue(v, d) for d in ("2026-03-06", "2026-03-12", "2026-03-13")] == [0, 0, 0]


def test_finished_on_time_is_never_overdue_and_never_received_adds_nothing() -> None:
    v = row(status=10, finished_at=at("2026-03-04 10:00"), ended_at=at("2026-03-04 10:00"))
    assert not any(m == "overdue" for _d, m in contribution(v))
    assert contribution(v)[(dt.date(2026, 3, 4), "end_on_time")] == 1
    assert contribution(row(received_at=None, status=3, ended_at=at("2026-03-04 10:00"))) == {}
    online = row(channel="online")
    assert contribution(online)[(dt.date(2026, 3, 2), "recv_online")] == 1
