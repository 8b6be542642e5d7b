"""The ``onestop`` command: serve, migrate, seed-demo, create-user, and the working-time tools."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onestop", description=__doc__)
    sub = parser.add_subparsers(title="commands")

    serve = sub.add_parser("serve", help="run the HTTP service (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--migrate", action="store_true", help="upgrade the database first")
    serve.add_argument(
        "--graceful-timeout",
        type=float,
        default=GRACEFUL_TIMEOUT_SECONDS,
        help="on SIGTERM, seconds in-flight requests get to finish (default %(default)s)",
    )
    serve.set_defaults(func=_serve)

    mig = sub.add_parser("migrate", help="upgrade (or downgrade) the database schema")
    mig.add_argument("revision", nargs="?", default="head")
    mig.add_argument("--down", action="store_true", help="downgrade to REVISION (default base)")
    mig.set_defaults(func=_migrate)

    from onestop.cli_commands import register as register_service_commands
    from onestop.worktime.cli import register as register_worktime

    register_service_commands(sub)
    register_worktime(sub)
    return parser


#: On SIGTERM uvicorn stops accepting connections and lets the requests in flight finish; one
#: still running after this long is cancelled (and answered 503: ``http.problems.ErrorBoundary``).
#: Below ``docker stop``'s 10 s (and Kubernetes' 30 s), after which everything still running
#: would be killed with the process.
GRACEFUL_TIMEOUT_SECONDS = 8.0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from onestop.core.logs import configure_logging
    from onestop.core.settings import get_settings

    settings = get_settings()
    # uvicorn's own loggers write through the application's masking formatter (its default
    # configuration would print tracebacks as they are); each worker's create_app does the same.
    configure_logging(settings.log_level, settings.log_json)
    if args.migrate:
        from onestop.core import migrate

        migrate.upgrade(settings.database_url)
    uvicorn.run(
        "onestop.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=args.graceful_timeout,
    )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from onestop.core import migrate
    from onestop.core.settings import get_settings

    url = get_settings().database_url
    if args.down:
        migrate.downgrade(url, "base" if args.revision == "head" else args.revision)
    else:
        migrate.upgrade(url, args.revision)
    return 0


if __name__ == "__main__":
    sys.exit(main())
