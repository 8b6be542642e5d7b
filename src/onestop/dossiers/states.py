"""The national status codes 1–10 (DVCQG ``TrangThaiHoSo``), the transitions between them
(docs/rules.md §4), the channels a dossier comes through and the types of its events.

Internal states map one to one onto the national codes, so ``dossier.status`` stores the code
itself. ``TRANSITIONS`` says, per action, which status it may start from and where it leads; it is
the only place transitions are declared.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Channel(StrEnum):
    """How a dossier reached the agency (national KenhThucHien: 1 counter, 2 online, 3 postal)."""

    COUNTER = "counter"
    ONLINE = "online"
    POSTAL = "postal"


class EventType(StrEnum):
    """Events of a dossier's history besides its actions (each action's event is named after it,
    ``TRANSITIONS``' keys)."""

    SUBMIT = "submit"  # an online or postal dossier arrives (status 1)
    RECEIVE = "receive"  # received at the counter (status 2, Form 01)
    NOTIFIED = "notified"  # in older histories: a message to the applicant was queued
    CORRECTION = "correction"  # a reasoned correction of the record, shown under the reports
    DOCUMENT_ADDED = "document_added"  # a document or result attached (its SHA-256 in the payload)
    RATED = "rated"  # the applicant's satisfaction rating recorded (its level in the payload)


class Status(IntEnum):
    SUBMITTED = 1  # Mới đăng ký: submitted online / by post, not yet received
    RECEIVED = 2  # Được tiếp nhận: Form 01 issued, the clock runs
    REFUSED = 3  # Không được tiếp nhận: Form 03
    IN_PROCESS = 4  # Đang xử lý (including liên thông between agencies)
    SUPPLEMENT_REQUESTED = 5  # Yêu cầu bổ sung giấy tờ: Form 02, the clock stands still
    PAYMENT_PENDING = 6  # Yêu cầu thực hiện nghĩa vụ tài chính
    WITHDRAWN = 7  # Công dân yêu cầu rút hồ sơ
    STOPPED = 8  # Dừng xử lý: Form 05
    RESULT_READY = 9  # Đã xử lý xong: the on-time reference instant
    RETURNED = 10  # Đã trả kết quả

    @property
    def state(self) -> str:
        """Internal state name (lower case), e.g. ``in_process``."""
        return self.name.lower()

    @property
    def label_vi(self) -> str:
        return LABELS_VI[self]


LABELS_VI: dict[Status, str] = {
    Status.SUBMITTED: "Mới đăng ký",
    Status.RECEIVED: "Được tiếp nhận",
    Status.REFUSED: "Không được tiếp nhận",
    Status.IN_PROCESS: "Đang xử lý",
    Status.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
    Status.PAYMENT_PENDING: "Yêu cầu thực hiện nghĩa vụ tài chính",
    Status.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    Status.STOPPED: "Dừng xử lý",
    Status.RESULT_READY: "Đã xử lý xong",
    Status.RETURNED: "Đã trả kết quả",
}

S = Status

#: Statuses after which nothing more can happen.
TERMINAL = frozenset({S.REFUSED, S.WITHDRAWN, S.STOPPED, S.RETURNED})
#: Statuses in which the dossier is open (``ended_at IS NULL``).
OPEN = frozenset({S.SUBMITTED, S.RECEIVED, S.IN_PROCESS, S.SUPPLEMENT_REQUESTED, S.PAYMENT_PENDING})
#: Statuses that close the dossier when entered (``ended_at`` is set).
CLOSING = frozenset({S.REFUSED, S.WITHDRAWN, S.STOPPED, S.RESULT_READY, S.RETURNED})

#: action → {from status: to status}. docs/rules.md §4.2: 1→2, 1→3, 2→4, 4→4, 4→5→4, 2→5→4,
#: 4→6→4, 6→9, 2/4/5/6→7, 4/5/6→8, 4→9, 9→10 and 4→10 (returned without resolution). The only
#: addition is the reception-stage supplement (1→1: written guidance before receipt, Form 02; the
#: dossier is not received and keeps code 1).
TRANSITIONS: dict[str, dict[Status, Status]] = {
    "accept": {S.SUBMITTED: S.RECEIVED},
    "refuse": {S.SUBMITTED: S.REFUSED},
    "assign": {S.RECEIVED: S.IN_PROCESS, S.IN_PROCESS: S.IN_PROCESS},
    "transfer": {S.RECEIVED: S.IN_PROCESS, S.IN_PROCESS: S.IN_PROCESS},
    "request-supplement": {
        S.SUBMITTED: S.SUBMITTED,
        S.RECEIVED: S.SUPPLEMENT_REQUESTED,
        S.IN_PROCESS: S.SUPPLEMENT_REQUESTED,
    },
    "supplement-received": {
        S.SUBMITTED: S.SUBMITTED,
        S.SUPPLEMENT_REQUESTED: S.IN_PROCESS,
    },
    "request-payment": {S.IN_PROCESS: S.PAYMENT_PENDING},
    "payment-received": {S.PAYMENT_PENDING: S.IN_PROCESS},
    "finish": {S.IN_PROCESS: S.RESULT_READY, S.PAYMENT_PENDING: S.RESULT_READY},
    "return": {S.RESULT_READY: S.RETURNED, S.IN_PROCESS: S.RETURNED},
    "withdraw": {
        S.RECEIVED: S.WITHDRAWN,
        S.IN_PROCESS: S.WITHDRAWN,
        S.SUPPLEMENT_REQUESTED: S.WITHDRAWN,
        S.PAYMENT_PENDING: S.WITHDRAWN,
    },
    "stop": {
        S.IN_PROCESS: S.STOPPED,
        S.SUPPLEMENT_REQUESTED: S.STOPPED,
        S.PAYMENT_PENDING: S.STOPPED,
    },
    # An apology (Form 04) while the clock runs: processing (4), or waiting for payment (6: the
    # clock is not paused there and ``finish`` is allowed from it). Never on a closed dossier.
    "apologize": {S.IN_PROCESS: S.IN_PROCESS, S.PAYMENT_PENDING: S.PAYMENT_PENDING},
}

#: Events that create a dossier (not actions on an existing one).
INTAKE_EVENTS: dict[str, Status] = {EventType.SUBMIT: S.SUBMITTED, EventType.RECEIVE: S.RECEIVED}


def target(action: str, status: int) -> Status | None:
    """Where ``action`` leads from ``status``, or None when it is not allowed there."""
    table = TRANSITIONS.get(action)
    if table is None:
        return None
    return table.get(Status(status))


def actions_from(status: int) -> list[str]:
    """Actions the table allows from ``status`` (before any per-dossier guard), in table order."""
    s = Status(status)
    return [name for name, table in TRANSITIONS.items() if s in table]


def status_pairs() -> set[tuple[int, int]]:
    """Every (from, to) pair some action allows."""
    return {(int(a), int(b)) for table in TRANSITIONS.values() for a, b in table.items()}
