"""Service commands of the ``onestop`` CLI: init, import-units, import-procedures, seed-demo,
create-user, worker, rollups, documents sweep, sync reconcile, bench-data.

Each opens its sessions through ``onestop.wiring``, like the app, so whatever it writes keeps the
rollups exact."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from onestop.bench.cli import register as register_bench
from onestop.core import clock, crypto
from onestop.core.db import make_engine
from onestop.core.errors import DomainError
from onestop.core.settings import get_settings
from onestop.documents import sweep as document_sweep
from onestop.documents.storage import make_store
from onestop.dossiers import personal_data
from onestop.integration import worker as integration_worker
from onestop.integration.dvcqg import reconcile as dvcqg_reconcile
from onestop.integration.webhooks import service as webhook_service
from onestop.metrics import rollups
from onestop.metrics.alerts import worker as alerts_worker
from onestop.wiring import make_sessionmaker


def register(sub: Any) -> None:
    init = sub.add_parser(
        "init",
        help="first install on an empty migrated database: the root unit and its first"
        " administrator (no demo data); the password from ONESTOP_ADMIN_PASSWORD or the terminal",
    )
    init.add_argument("--unit-code", required=True, help="QCVN 102 code, e.g. 000.00.00.H26")
    init.add_argument("--unit-name", required=True, help="e.g. 'UBND tỉnh …'")
    init.add_argument("--level", default="province", help="province (default) or ministry")
    init.add_argument(
        "--province", help="province code of the calendar (default: from the code, e.g. H26)"
    )
    init.add_argument("--admin", required=True, help="user name of the first administrator")
    init.add_argument("--full-name", help="the administrator's full name")
    init.set_defaults(func=_init)

    for name, kind in (("import-units", "units"), ("import-procedures", "procedures")):
        command = sub.add_parser(
            name,
            help=f"import {kind} from a CSV or JSON file (docs/examples/); all rows or none",
        )
        command.add_argument("file", help="a .csv or .json file, UTF-8")
        command.add_argument(
            "--dry-run", action="store_true", help="print what would change and write nothing"
        )
        command.set_defaults(func=_import_command, kind=kind)

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

    # The worklist job (due-soon / overdue alerts, apology-needed tasks) and the integration pass.
    worker = sub.add_parser(
        "worker",
        help="raise due-soon/overdue alerts and apology tasks; sync dossiers to the national"
        " portal when ONESTOP_DVCQG_URL is set",
    )
    worker.add_argument("--once", action="store_true", help="run one pass and exit")
    worker.add_argument("--interval", type=float, default=60.0, help="seconds between passes")
    worker.set_defaults(func=_worker)

    rollups_command = sub.add_parser("rollups", help="verify or rebuild the report rollups")
    verbs = rollups_command.add_subparsers(title="rollups commands")
    verify = verbs.add_parser(
        "verify", help="compare every rollup with a recomputation; exit 1 when any cell differs"
    )
    verify.set_defaults(func=_rollups_verify)
    rebuild = verbs.add_parser("rebuild", help="recompute every rollup from the dossiers")
    rebuild.set_defaults(func=_rollups_rebuild)

    rotate = sub.add_parser(
        "rotate-key",
        help="re-encrypt applicants' personal data and webhook secrets under the first key of"
        " ONESTOP_DATA_KEYS",
    )
    rotate.add_argument(
        "--generate", action="store_true", help="print a new random data key and exit"
    )
    rotate.set_defaults(func=_rotate_key)

    documents = sub.add_parser("documents", help="the stored documents of dossiers")
    document_verbs = documents.add_subparsers(title="documents commands")
    sweep = document_verbs.add_parser(
        "sweep",
        help="delete stored objects that no document references and older than an hour"
        " (left by uploads whose transaction failed)",
    )
    sweep.add_argument(
        "--min-age-minutes", type=float, default=60.0, help="only objects older than this"
    )
    sweep.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    sweep.set_defaults(func=_documents_sweep)

    sync = sub.add_parser("sync", help="the national portal (DVCQG) sync")
    sync_verbs = sync.add_subparsers(title="sync commands")
    reconcile = sync_verbs.add_parser(
        "reconcile",
        help="re-queue the dossiers received in a range whose status differs from the one the"
        " portal was last told",
    )
    reconcile.add_argument("--from", dest="start", type=dt.date.fromisoformat, required=True)
    reconcile.add_argument("--to", dest="end", type=dt.date.fromisoformat, required=True)
    reconcile.set_defaults(func=_sync_reconcile)

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


#: Where ``onestop init`` reads the first administrator's password when set (never an argument:
#: arguments are visible to every user of the machine).
ADMIN_PASSWORD_ENV = "ONESTOP_ADMIN_PASSWORD"  # noqa: S105 - a variable name, not a password


def _admin_password() -> str | None:
    password = os.environ.get(ADMIN_PASSWORD_ENV)
    if password:
        return password
    if not sys.stdin.isatty():
        print(
            f"error: đặt mật khẩu trong biến môi trường {ADMIN_PASSWORD_ENV} hoặc chạy lệnh tại"
            f" một terminal (set {ADMIN_PASSWORD_ENV} or run the command at a terminal)",
            file=sys.stderr,
        )
        return None
    first = getpass.getpass("Mật khẩu quản trị (administrator password): ")
    again = getpass.getpass("Nhập lại mật khẩu (repeat the password): ")
    if first != again:
        print("error: hai lần nhập không khớp (the passwords differ)", file=sys.stderr)
        return None
    return first


def _init(args: argparse.Namespace) -> int:
    from onestop.catalog import bootstrap

    password = _admin_password()
    if password is None:
        return 2

    async def go(session: Any) -> int:
        installed = await bootstrap.initialise(
            session,
            unit_code=args.unit_code,
            unit_name=args.unit_name,
            level=args.level,
            admin=args.admin,
            password=password,
            full_name=args.full_name or bootstrap.DEFAULT_ADMIN_NAME,
            province=args.province,
        )
        for line in bootstrap.describe(installed):
            print(line)
        return 0

    return _run(go)


def _import_command(args: argparse.Namespace) -> int:
    from onestop.catalog.import_files import ImportRejected
    from onestop.catalog.import_procedures import import_procedures
    from onestop.catalog.import_units import import_units

    importer = import_units if args.kind == "units" else import_procedures
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(
            f"error: không đọc được tệp {path} ({exc.strerror}) (cannot read {path})",
            file=sys.stderr,
        )
        return 2

    async def go(session: Any) -> int:
        try:
            report = await importer(session, data=data, filename=path.name, dry_run=args.dry_run)
        except ImportRejected as exc:
            print(f"error: {exc.detail}", file=sys.stderr)
            if len(exc.errors) > 1:
                for error in exc.errors:
                    print(f"  {error.detail}", file=sys.stderr)
            return 2
        for line in report.lines():
            print(line)
        return 0

    return _run(go)


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


def _rollups_verify(_args: argparse.Namespace) -> int:
    async def go(session: Any) -> int:
        check, diff = await rollups.verify(session, at=clock.now())
        await session.commit()
        for line in rollups.describe(diff):
            print(line)
        if check.differing_cells:
            print(f"{check.differing_cells} rollup cells differ", file=sys.stderr)
            return 1
        print("rollups exact: no cell differs")
        return 0

    return _run(go)


def _rollups_rebuild(_args: argparse.Namespace) -> int:
    async def go(session: Any) -> int:
        rows = await rollups.rebuild(session)
        await session.commit()
        print(f"rollups rebuilt ({rows} on-time rows at the finest grain)")
        return 0

    return _run(go)


def _rotate_key(args: argparse.Namespace) -> int:
    if args.generate:
        print(crypto.new_key())
        return 0

    async def go(session: Any) -> int:
        changed = await personal_data.reencrypt(session)
        secrets = await webhook_service.reencrypt_secrets(session)
        key = crypto.keyring().current
        print(f"{changed} dossiers and {secrets} webhook secrets re-encrypted under key {key}")
        return 0

    return _run(go)


def _documents_sweep(args: argparse.Namespace) -> int:
    async def go(session: Any) -> int:
        result = await document_sweep.sweep(
            session,
            make_store(get_settings()),
            now=clock.now(),
            min_age=dt.timedelta(minutes=args.min_age_minutes),
            dry_run=args.dry_run,
        )
        verb = "would delete" if args.dry_run else "deleted"
        print(
            f"{result.checked} objects checked; {verb} {result.deleted}"
            f" unreferenced ({result.freed_bytes} bytes)"
        )
        return 0

    return _run(go)


def _sync_reconcile(args: argparse.Namespace) -> int:
    if args.end < args.start:
        print("error: --to is before --from", file=sys.stderr)
        return 2

    async def go(session: Any) -> int:
        result = await dvcqg_reconcile.reconcile(
            session, start=args.start, end=args.end, now=clock.now()
        )
        print(
            f"{result.checked} dossiers checked: {result.in_sync} in sync,"
            f" {result.requeued} re-queued, {result.waiting} already queued"
        )
        return 0

    return _run(go)


def _worker(args: argparse.Namespace) -> int:
    return alerts_worker.run_command(
        once=args.once,
        interval=args.interval,
        make_sessionmaker=make_sessionmaker,
        extra_passes=integration_worker.passes,
    )
