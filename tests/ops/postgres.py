"""A throwaway PostgreSQL cluster from the installed binaries (as ``scripts/with-postgres.sh``
makes one), for the tests that stop and start the database under a running server."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.ops.server import free_port


def _bin_dir() -> Path:
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        raise AssertionError("PostgreSQL binaries not installed (make system-deps)")
    newest = max(found, key=lambda p: int(Path(p).parts[-3]))
    return Path(newest).parent


class Cluster:
    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.data = root / "data"
        self.bin = _bin_dir()

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # the server refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=check, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8",
        )  # fmt: skip

    def start(self) -> None:
        """Starts and waits until the server accepts connections."""
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.root}"
            " -c fsync=off -c max_connections=100"
        )
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-o", options, "start")

    def stop(self, mode: str = "immediate", check: bool = True) -> None:
        """``immediate``: every backend killed at once, as in a crash or a hard restart."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=check)


@contextmanager
def throwaway_cluster(start: bool = True) -> Iterator[Cluster]:
    """A cluster (created and running unless ``start`` is false: then ``init`` and ``start`` are
    the caller's); stopped and deleted when left, whatever happened."""
    root = Path(tempfile.mkdtemp(prefix="onestop-pg-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(root, free_port())
    try:
        if start:
            cluster.init()
            cluster.start()
        yield cluster
    finally:
        cluster.stop(check=False)
        shutil.rmtree(root, ignore_errors=True)
