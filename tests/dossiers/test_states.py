"""The state machine table: exactly the transitions of docs/rules.md §4.2, and the registry."""

from __future__ import annotations

import pytest
from tests.dossiers.conftest import CORE_ACTIONS

from onestop.dossiers import states
from onestop.dossiers.actions import registry
from onestop.dossiers.actions.context import ActionContext, ActionSpec
from onestop.dossiers.actions.schemas import AcceptBody
from onestop.dossiers.states import Status

S = Status

#: docs/rules.md §4.2, written out: 1→2, 1→3, 2→4, 4→4, 4→5→4, 2→5→4, 4→6→4, 6→9, 2/4/5/6→7,
#: 4/5/6→8, 4→9, 9→10 and 4→10 (return without resolution).
SECTION_3_2 = {
    (1, 2),
    (1, 3),
    (2, 4),
    (4, 4),
    (4, 5),
    (5, 4),
    (2, 5),
    (4, 6),
    (6, 4),
    (6, 9),
    (2, 7),
    (4, 7),
    (5, 7),
    (6, 7),
    (4, 8),
    (5, 8),
    (6, 8),
    (4, 9),
    (9, 10),
    (4, 10),
}

#: (action, from, to) for every allowed action.
ALLOWED = [
    ("accept", 1, 2),
    ("refuse", 1, 3),
    ("assign", 2, 4),
    ("assign", 4, 4),
    ("transfer", 2, 4),
    ("transfer", 4, 4),
    ("request-supplement", 1, 1),
    ("request-supplement", 2, 5),
    ("request-supplement", 4, 5),
    ("supplement-received", 1, 1),
    ("supplement-received", 5, 4),
    ("request-payment", 4, 6),
    ("payment-received", 6, 4),
    ("finish", 4, 9),
    ("finish", 6, 9),
    ("return", 9, 10),
    ("return", 4, 10),
    ("withdraw", 2, 7),
    ("withdraw", 4, 7),
    ("withdraw", 5, 7),
    ("withdraw", 6, 7),
    ("stop", 4, 8),
    ("stop", 5, 8),
    ("stop", 6, 8),
]

FORBIDDEN = [
    ("accept", 2),
    ("accept", 4),
    ("refuse", 2),
    ("finish", 2),
    ("finish", 5),
    ("finish", 1),
    ("return", 6),
    ("return", 2),
    ("transfer", 1),
    ("transfer", 5),
    ("transfer", 9),
    ("request-supplement", 5),
    ("request-supplement", 6),
    ("request-supplement", 9),
    ("supplement-received", 4),
    ("request-payment", 2),
    ("payment-received", 4),
    ("withdraw", 1),
    ("withdraw", 9),
    ("stop", 2),
    ("stop", 1),
    ("assign", 1),
    ("assign", 9),
]


def test_status_codes_are_the_national_ones() -> None:
    assert [int(s) for s in Status] == list(range(1, 11))
    assert Status(4).state == "in_process"
    assert Status(10).label_vi == "Đã trả kết quả"
    assert len({s.state for s in Status}) == 10  # one internal state per code


def core_pairs() -> set[tuple[int, int]]:
    return {
        (int(a), int(b))
        for name, table in states.TRANSITIONS.items()
        if name in CORE_ACTIONS
        for a, b in table.items()
    }


def test_status_changes_are_exactly_section_3_2() -> None:
    changes = {(a, b) for a, b in core_pairs() if a != b}
    assert changes == SECTION_3_2 - {(4, 4)}
    # the only self-loops: 4 → 4 (next step / another agency) and 1 → 1 (guidance at reception)
    assert {(a, b) for a, b in core_pairs() if a == b} == {(4, 4), (1, 1)}
    # actions added later (e.g. apologize) may not add a status change outside §3.2
    assert {(a, b) for a, b in states.status_pairs() if a != b} <= SECTION_3_2


@pytest.mark.parametrize(("action", "src", "dst"), ALLOWED)
def test_allowed(action: str, src: int, dst: int) -> None:
    assert states.target(action, src) == dst
    assert action in states.actions_from(src)


def test_table_has_nothing_else() -> None:
    listed = {(a, s) for a, s, _ in ALLOWED}
    table = {(a, int(s)) for a, t in states.TRANSITIONS.items() if a in CORE_ACTIONS for s in t}
    assert table == listed


@pytest.mark.parametrize(("action", "src"), FORBIDDEN)
def test_forbidden(action: str, src: int) -> None:
    assert states.target(action, src) is None
    assert action not in states.actions_from(src)


@pytest.mark.parametrize("terminal", [3, 7, 8, 10])
def test_terminal_states_allow_nothing(terminal: int) -> None:
    assert [a for a in states.actions_from(terminal) if a in CORE_ACTIONS] == []


def test_unknown_action_has_no_target() -> None:
    assert states.target("teleport", 4) is None


def test_every_action_has_a_handler_and_every_handler_a_transition() -> None:
    assert set(states.TRANSITIONS) == set(registry.ACTIONS)


def test_a_spec_without_transitions_is_refused() -> None:
    async def handler(_ctx: ActionContext, _body: object) -> None:
        """Teleport the dossier."""

    with pytest.raises(ValueError, match="no transitions"):
        ActionSpec.of("teleport", AcceptBody, handler, authorize=handler)
    spec = ActionSpec.of("accept", AcceptBody, handler, authorize=handler)
    assert spec.summary == "Teleport the dossier."
