"""``onestop serve`` with faults, for the operations tests (``python tests/ops/faulty_serve.py
--port N``).

An intake whose note names a fault fails that way, with the applicant's data in the error; a
dossier received with the note ``fail-read`` cannot be shown (its applicant's data, read from the
database, in the error); an intake noted ``hang`` never ends (it touches the file named by
``ONESTOP_TEST_HANG_MARK`` first). Everything else is the real server, started by the real
command."""

from __future__ import annotations

import asyncio
import os
import sys
import unicodedata
from typing import Any

import pytest
from pydantic import TypeAdapter
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from onestop.cli import main
from onestop.dossiers.actions import registry
from onestop.dossiers.intake import write
from onestop.dossiers.models import Dossier
from onestop.dossiers.schemas import DossierCreate

#: Bound as a statement parameter only, never sent by the client: seen in a log only if the
#: engine prints its parameters.
CANARY = "tham-so-bi-mat-7731"

#: Personal data the client never sent in these forms: masked by their shape alone.
OTHER_FORMS = "123456789, 0912.345.678, +84 912 345 678, 84912345678, 0912345678"

_submit = write.submit
_allowed_actions = registry.allowed_actions


def _values(body: DossierCreate) -> str:
    a = body.applicant
    folded = f"{_fold(a.name)}, {_fold(a.address or '')}"  # as a search column writes them
    return f"{a.name} ({a.id_number}, {a.phone}, {a.email}) ở {a.address}; {folded}; {OTHER_FORMS}"


def _fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


async def submit(session: Any, *, body: DossierCreate, **kw: Any) -> Any:
    fault = body.note
    if fault == "fail-bug":
        raise RuntimeError(f"không lưu được hồ sơ của {_values(body)}")
    if fault == "fail-integrity":  # a real constraint violation, values bound as parameters
        await session.execute(text("CREATE TEMP TABLE IF NOT EXISTS probe (k TEXT PRIMARY KEY)"))
        for _ in range(2):
            await session.execute(
                text("INSERT INTO probe (k) VALUES (:k)"), {"k": f"{CANARY} {_values(body)}"}
            )
    if fault == "fail-internal-validation":  # a bug: values validated as the wrong type
        TypeAdapter(dict[str, int]).validate_python(body.applicant.model_dump())
    if fault == "hang":  # a request that never ends (a call to something that never answers)
        await session.rollback()  # it holds no database connection meanwhile
        os.close(os.open(os.environ["ONESTOP_TEST_HANG_MARK"], os.O_CREAT | os.O_WRONLY))
        await asyncio.sleep(3600)
    if fault == "fail-database":
        raise OperationalError(
            "INSERT INTO dossier ...",
            {"applicant_name": body.applicant.name},
            ConnectionRefusedError(f"Connect call failed for {_values(body)}"),
        )
    return await _submit(session, body=body, **kw)


def allowed_actions(d: Dossier) -> Any:
    if d.note == "fail-read":
        raise RuntimeError(
            f"không liệt kê được thao tác cho {d.applicant_name}, {d.applicant_address},"
            f" {d.applicant_phone}, {d.applicant_id_number}, {d.applicant_email}"
        )
    return _allowed_actions(d)


if __name__ == "__main__":
    faults = pytest.MonkeyPatch()
    faults.setattr("onestop.dossiers.intake.write.submit", submit)
    faults.setattr("onestop.dossiers.reading.allowed_actions", allowed_actions)
    sys.exit(main(["serve", *sys.argv[1:]]))
