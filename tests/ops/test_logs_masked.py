"""Personal data never reaches the server's log, and each failure is one error line.

The real ``onestop serve`` (uvicorn and its loggers included) runs on a demo SQLite database with
faults installed (``faulty_serve``); distinctive personal values go through every path that
fails — a bug (500), a database IntegrityError carrying them as bound parameters, a model
validation error inside the service, the database unavailable (503), a request that fails
validation (422), a dossier that cannot be shown (the values read from the database) — and the
whole of stderr is searched for them.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.ops.faulty_serve import CANARY
from tests.ops.server import intake_body, login, prepare_demo, serve

NAME = "Nguyễn Thị Lựu Độc"
ADDRESS = "Số 7 ngõ Quỳnh Lâm, phường Bạch Mai"
APPLICANT = {
    "name": NAME,
    "id_number": "001203004567",
    "phone": "091 234 5678",
    "email": "luu.doc@example.vn",
    "address": ADDRESS,
}
#: Searched for in the log, case-insensitively: the values as sent, their other written forms,
#: the 9-digit ID and phones the faults add, and a parameter only the database statement binds.
NEVER_LOGGED = [
    NAME,
    "Nguyen Thi Luu Doc",  # without diacritics
    "Lựu Độc",
    ADDRESS,
    "Số 7 ngõ Quỳnh Lâm",
    "So 7 ngo Quynh Lam",
    "Quỳnh Lâm",
    "001203004567",
    "123456789",
    "0912345678",
    "091 234 5678",
    "0912.345.678",
    "+84 912 345 678",
    "84912345678",
    "luu.doc@example.vn",
    "luu.doc",
    CANARY,
]


def body(**over: Any) -> dict[str, Any]:
    return intake_body(applicant=APPLICANT, documents=[{"code": "TK", "quantity": 1}], **over)


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('ops-logs') / 'onestop.db'}"
    prepare_demo(url)
    return url


def test_no_personal_value_in_the_log_and_one_error_line_per_failure(
    demo_url: str, tmp_path: Path
) -> None:
    with serve(demo_url, tmp_path / "stderr.log", command=("tests/ops/faulty_serve.py",)) as server:
        with httpx.Client(
            base_url=server.base_url,
            headers=login(server.base_url),
            timeout=30,
            limits=httpx.Limits(max_keepalive_connections=0),  # keep-alive: test_database_restart
        ) as client:
            failed = {
                fault: client.post("/api/v1/dossiers", json=body(note=fault))
                for fault in ("fail-bug", "fail-integrity", "fail-internal-validation")
            }
            unavailable = client.post("/api/v1/dossiers", json=body(note="fail-database"))
            invalid = client.post("/api/v1/dossiers", json=body(quantity=0))
            received = client.post("/api/v1/dossiers", json=body(note="fail-read"))
            assert received.status_code == 201, received.text
            failed["fail-read"] = client.get(f"/api/v1/dossiers/{received.json()['code']}")
            search = client.get("/api/v1/dossiers", params={"q": NAME})
        assert server.terminate() == -signal.SIGTERM

    log = server.log()
    assert [v for v in NEVER_LOGGED if v.lower() in log.lower()] == []
    lines = server.log_lines()  # every line went through the JSON formatter
    decoded = json.dumps(lines, ensure_ascii=False).lower()  # \u escapes undone
    assert [v for v in NEVER_LOGGED if v.lower() in decoded] == []

    assert {f: r.status_code for f, r in failed.items()} == dict.fromkeys(failed, 500)
    assert all(r.json()["type"] == "/problems/internal-error" for r in failed.values())
    assert unavailable.status_code == 503 and unavailable.headers["retry-after"].isdigit()
    assert (invalid.status_code, search.status_code) == (422, 200)

    # One error line per failure, with its traceback, and none from uvicorn.
    errors = [e for e in lines if e["level"] in ("ERROR", "CRITICAL")]
    assert [e["request_id"] for e in errors] == [r.headers["x-request-id"] for r in failed.values()]
    assert all(e["logger"] == "onestop.app" and "Traceback" in e["exc"] for e in errors)
    assert "RuntimeError" in errors[0]["exc"] and "IntegrityError" in errors[1]["exc"]
    assert "ValidationError" in errors[2]["exc"]
    assert "Exception in ASGI application" not in log
    # The database outage is a warning, without a traceback.
    warnings = [e for e in lines if e["level"] == "WARNING"]
    assert [(e["request_id"], "exc" in e) for e in warnings] == [
        (unavailable.headers["x-request-id"], False)
    ]
