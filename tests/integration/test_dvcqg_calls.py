"""How one step of a delivery round is packed into calls to the national portal: records of one
``isUpdating`` together up to the limit, progress entries up to ten a call, one dossier's request
never split, and every request in exactly one call."""

from __future__ import annotations

from typing import Any

from hypothesis import given, strategies as st

from onestop.integration.delivery import CHUNK
from onestop.integration.dvcqg import payload
from onestop.integration.dvcqg.calls import pack


def record(code: str, *, updating: bool) -> dict[str, Any]:
    return payload.sync_request({"MaHoSo": code}, updating=updating)


def progress(code: str, entries: int) -> dict[str, Any]:
    return payload.progress_request([{"MaHoSo": code, "n": n} for n in range(entries)])


def shape(calls: list[Any]) -> list[tuple[str, str | None, list[str]]]:
    return [
        (c.body["service"], c.body.get("isUpdating"), [i["MaHoSo"] for i in c.body["data"]])
        for c in calls
    ]


def test_records_share_calls_by_is_updating_up_to_the_limit() -> None:
    requests = {
        0: record("A", updating=True),
        1: record("B", updating=False),
        2: record("C", updating=True),
        3: record("D", updating=True),
        4: record("E", updating=False),
    }
    assert shape(pack(requests, 2)) == [
        ("DongBoHoSoMC", "True", ["A", "C"]),
        ("DongBoHoSoMC", "True", ["D"]),
        ("DongBoHoSoMC", "False", ["B", "E"]),
    ]
    assert [c.groups for c in pack(requests, 2)] == [(0, 2), (3,), (1, 4)]
    assert len(pack(requests, 1)) == 5


def test_progress_entries_fill_calls_of_ten_without_splitting_a_dossier() -> None:
    requests = {0: progress("A", 4), 1: progress("B", 5), 2: progress("C", 3), 3: progress("D", 10)}
    calls = pack(requests, 20)
    assert [(c.groups, len(c.body["data"])) for c in calls] == [((0, 1), 9), ((2,), 3), ((3,), 10)]
    assert calls[0].body == {
        "service": "CapNhatTienDoHoSoMC",
        "data": requests[0]["data"] + requests[1]["data"],
    }


@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("record"), st.booleans()),
            st.tuples(st.just("progress"), st.integers(min_value=1, max_value=CHUNK)),
        ),
        max_size=60,
    ),
    st.integers(min_value=1, max_value=100),
)
def test_every_request_goes_in_exactly_one_call_within_its_limit(
    kinds: list[tuple[str, Any]], limit: int
) -> None:
    requests = {
        place: record(f"R{place}", updating=arg) if kind == "record" else progress(f"P{place}", arg)
        for place, (kind, arg) in enumerate(kinds)
    }
    calls = pack(requests, limit)
    assert sorted(p for c in calls for p in c.groups) == list(requests)
    for call in calls:
        bodies = [requests[p] for p in call.groups]
        assert call.body["data"] == [item for b in bodies for item in b["data"]]
        assert {(b["service"], b.get("isUpdating")) for b in bodies} == {
            (call.body["service"], call.body.get("isUpdating"))
        }
        cap = limit if call.body["service"] == payload.SYNC_SERVICE else CHUNK
        assert len(call.groups) == 1 or len(call.body["data"]) <= cap
