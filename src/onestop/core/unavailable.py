"""Which errors mean "the database cannot be reached right now" — a restart, a failover, a full
pool — rather than a fault of the request or of the code.

The HTTP layer answers those with 503 and ``Retry-After`` (``http.problems``), never 500: the
request may simply be sent again. They arrive in many shapes, so an exception is judged by
everything it wraps (SQLAlchemy's ``orig``, ``__cause__``, ``__context__``):

* SQLAlchemy: ``OperationalError``, ``InterfaceError``, a ``DBAPIError`` whose connection was
  invalidated, ``DisconnectionError``, the pool's ``TimeoutError``, and the "Can't reconnect
  until invalid transaction is rolled back" of a connection lost mid-transaction;
* asyncpg: a lost connection (``ConnectionDoesNotExistError``, SQLSTATE class 08), the server
  shutting down or starting up (57P01–57P03: ``AdminShutdownError``, ``CannotConnectNowError``),
  too many connections (53300), a connection left in a broken state ("cannot switch to state
  12; another operation is in progress": ``InternalClientError``) and ``InterfaceError`` — but
  never data the driver refused (its ``DataError`` is a ``ValueError``: the request's or the
  code's fault);
* the network: ``ConnectionError`` (refused, reset), a plain ``OSError`` (asyncio's "Multiple
  exceptions: Connect call failed"), ``TimeoutError``, name resolution.

``invalidate_broken`` is an engine ``handle_error`` listener: asyncpg reports a connection
broken mid-operation (its protocol failed, the server said it is shutting down) while the socket
still looks open, and SQLAlchemy would put it back in the pool for the next request to fail on;
it is discarded instead.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

from sqlalchemy import exc as sa_exc

#: SQLSTATE prefixes of a lost or refused connection: connection exception (08), operator
#: intervention at the server (57P: shutdown, crash, starting up), too many connections.
_SQLSTATES = ("08", "57P", "53300")


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be reached right now."""
    chain = list(_chain(error))
    if any(_refused_data(e) for e in chain):
        return False
    return any(_connection_level(e) for e in chain)


def invalidate_broken(context: Any) -> None:
    """``handle_error``: a statement failed because its connection broke → discard the
    connection (not the whole pool: the others may be fine)."""
    if context.is_disconnect or context.connection is None:
        return
    original = context.original_exception
    if original is not None and any(_broken_driver_connection(e) for e in _chain(original)):
        context.is_disconnect = True
        context.invalidate_pool_on_disconnect = False


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [error]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        for nxt in (getattr(e, "orig", None), e.__cause__, e.__context__):
            if isinstance(nxt, BaseException):
                todo.append(nxt)


def _refused_data(e: BaseException) -> bool:
    return isinstance(e, ValueError) and type(e).__module__.startswith("asyncpg")


def _connection_level(e: BaseException) -> bool:
    if isinstance(e, sa_exc.DBAPIError) and e.connection_invalidated:
        return True
    if isinstance(
        e,
        (
            sa_exc.OperationalError,
            sa_exc.InterfaceError,
            sa_exc.DisconnectionError,
            sa_exc.TimeoutError,
        ),
    ):
        return True
    if isinstance(e, sa_exc.PendingRollbackError) and getattr(e, "code", None) == "8s2b":
        return True  # the connection was invalidated under an open transaction
    if isinstance(e, (ConnectionError, TimeoutError, socket.gaierror)) or type(e) is OSError:
        return True
    return _broken_driver_connection(e)


def _broken_driver_connection(e: BaseException) -> bool:
    """asyncpg's own errors of a connection that is gone or unusable."""
    module = type(e).__module__
    if not module.startswith("asyncpg"):
        return False
    sqlstate = getattr(e, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(_SQLSTATES):
        return True
    # By name: asyncpg need not be imported (nor installed) to judge its errors.
    kinds = {cls.__name__ for cls in type(e).__mro__}
    return bool(kinds & {"InterfaceError", "InternalClientError"}) and not isinstance(e, ValueError)
