"""What keeps derived data exact, attached in one place.

The on-time and Biểu 06 rollups are written in the same transaction as the dossier change they
follow: ORM flushes run their ``before_flush``/``after_flush`` hooks, and every intake statement
carries the Biểu 06 rows (an intake extension). Every entry point that writes dossiers — the app
(API, web pages, NDJSON import), each CLI command (``seed-demo``, ``worker``, ``rollups``…) and the
tests — makes its sessionmaker with ``make_sessionmaker`` here, so no dossier can be written
without them, and nothing depends on which modules happened to be imported. (Bulk loaders that
bypass the ORM, such as ``bench-data``, rebuild the rollups afterwards: ``metrics.rollups``.)
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from onestop.core import db
from onestop.dossiers.intake import statement as intake_statement
from onestop.metrics.bieu06 import rollup as bieu06_rollup
from onestop.metrics.ontime import rollup as ontime_rollup


def session_hooks() -> db.SessionHooks:
    return db.SessionHooks(
        before_flush=(ontime_rollup.before_flush, bieu06_rollup.before_flush),
        after_flush=(bieu06_rollup.after_flush,),
        extensions={intake_statement.EXTENSION_POINT: (bieu06_rollup.INTAKE,)},
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The application's sessions on ``engine``: rollup hooks and intake extensions attached."""
    return db.make_sessionmaker(engine, session_hooks())
