"""The yardstick for the intake benchmark: a bare endpoint inserting the same dossier row with raw
asyncpg (no SQLAlchemy, no validation, no event, no code sequence). Its throughput beside
onestop's, round by round, is in bench/RESULTS.md."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

DSN = os.environ.get("BENCH_RAW_DSN", "postgresql://postgres@127.0.0.1:5432/onestop_bench")
INSERT = """
INSERT INTO bench_raw_dossier (code, procedure_id, procedure_version_id, receiving_unit_id,
  competent_unit_id, returning_unit_id, channel, status, applicant_name, applicant_search,
  applicant_kind, applicant_id_number, applicant_phone, applicant_address, submitted_at,
  received_at, due_at_original, due_at, appointment_at, supplement_count,
  reception_supplement_count, awaiting_supplement, late_flag, reappointment_count, return_method,
  quantity, documents, fees, fee_total, secret_hash, event_count, version, created_at, updated_at)
VALUES ($1, 1, 1, 1, 1, 1, 'counter', 2, $2, $2, 'citizen', $3, $4, $5, $6, $6, $6, $6, $6, 0, 0,
  false, false, 0, 'counter', 1, $7, '[]', 0, 'x', 1, 1, $6, $6)
RETURNING id
"""


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(DSN, min_size=4, max_size=16)
    yield
    await app.state.pool.close()


async def intake(request: Request) -> Response:
    body = orjson.loads(await request.body())
    applicant = body["applicant"]
    now = dt.datetime.now(dt.UTC)  # noqa: TID251 - the yardstick has no injected clock
    async with request.app.state.pool.acquire() as conn:
        new_id = await conn.fetchval(
            INSERT,
            f"RAW-{secrets.token_hex(8)}",
            applicant["name"],
            applicant.get("id_number"),
            applicant.get("phone"),
            applicant.get("address"),
            now,
            orjson.dumps(body.get("documents", [])).decode(),
        )
    return Response(orjson.dumps({"id": new_id}), status_code=201, media_type="application/json")


app = Starlette(routes=[Route("/dossiers", intake, methods=["POST"])], lifespan=lifespan)
