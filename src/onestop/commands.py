"""Service commands of the ``onestop`` CLI: seed-demo and create-user."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from onestop.db import make_engine, make_sessionmaker
from onestop.errors import DomainError
from onestop.settings import get_settings


def register(sub: Any) -> None:
    seed = sub.add_parser("seed-demo", help="seed the demo province once (demo accounts)")
    seed.set_defaults(func=_seed_demo)

    user = sub.add_parser("create-user", help="create a user account")
    user.add_argument("username")
    user.add_argument(
        "--role", required=True, choices=["clerk", "officer", "leader", "manager", "admin"]
    )
    user.add_argument("--unit", required=True, help="unit code, e.g. 000.00.01.H99")
    user.add_argument("--full-name", required=True)
    user.add_argument("--title")
    user.add_argument("--password", help="read from the terminal when omitted")
    user.set_defaults(func=_create_user)

    # issue 6: the worklist job (due-soon / overdue alerts, apology-needed tasks)
    worker = sub.add_parser("worker", help="raise due-soon/overdue alerts and apology tasks")
    worker.add_argument("--once", action="store_true", help="run one pass and exit")
    worker.add_argument("--interval", type=float, default=60.0, help="seconds between passes")
    worker.set_defaults(func=_worker)

    from onestop.bench.cli import register as register_bench  # issue 7: bench-data

    register_bench(sub)


def _run(coro_fn: Any) -> int:
    async def runner() -> int:
        engine = make_engine(get_settings())
        try:
            async with make_sessionmaker(engine)() as session:
                result: int = await coro_fn(session)
                return result
        finally:
            await engine.dispose()

    try:
        return asyncio.run(runner())
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2


def _seed_demo(_args: argparse.Namespace) -> int:
    from onestop.demo.seed import seed_demo

    async def go(session: Any) -> int:
        created = await seed_demo(session, get_settings().secret_key)
        print("demo province seeded" if created else "demo province already present")
        return 0

    return _run(go)


def _create_user(args: argparse.Namespace) -> int:
    from onestop.auth.service import create_user

    password = args.password or getpass.getpass("Password: ")

    async def go(session: Any) -> int:
        user = await create_user(
            session=session,
            username=args.username,
            password=password,
            full_name=args.full_name,
            role=args.role,
            unit_code=args.unit,
            title=args.title,
        )
        print(f"created user {user.username} ({user.role})")
        return 0

    return _run(go)


def _worker(args: argparse.Namespace) -> int:  # issue 6
    from onestop.metrics.alerts_worker import run_command

    return run_command(once=args.once, interval=args.interval)
