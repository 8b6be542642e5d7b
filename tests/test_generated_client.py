"""A portal team's client, generated from the committed OpenAPI document with
openapi-python-client (offline, with openapi/client-config.yaml), drives a real server through a
portal's day: a client-credentials token, a submission with an Idempotency-Key and a portal
reference, its replay, the dossier and its events, the search by portal reference, the changes
feed, and errors parsed into the generated problem model."""

from __future__ import annotations

import asyncio
import importlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from tests.dossiers.conftest import intake_body
from tests.factories import CLIENT_SECRET, build_world

from onestop.app import create_app
from onestop.core.settings import Settings

pytestmark = pytest.mark.slow  # generation and a server process: left out of `make check`

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "openapi" / "openapi.json"
CONFIG = ROOT / "openapi" / "client-config.yaml"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
SECRET_KEY = "generated-client-secret-key-0123456789abcdef"
PACKAGE = "onestop_api"


@dataclass(frozen=True)
class Server:
    base_url: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package, importable as ``onestop_api``."""
    folder = tmp_path_factory.mktemp("client")
    _run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(DOCUMENT),
            "--config",
            str(CONFIG),
            "--output-path",
            str(folder / PACKAGE),
            "--meta",
            "none",
            "--fail-on-warning",
        ],
        folder,
        dict(os.environ),
    )
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """onestop under uvicorn on a free port, on a migrated SQLite file with the test province."""
    folder = tmp_path_factory.mktemp("server")
    url = f"sqlite+aiosqlite:///{folder / 'onestop.db'}"
    env = {
        **os.environ,
        "ONESTOP_DATABASE_URL": url,
        "ONESTOP_SECRET_KEY": SECRET_KEY,
        "ONESTOP_ENVIRONMENT": "test",
        "ONESTOP_RUN_WORKER_IN_APP": "false",
        "ONESTOP_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    migrate = "import sys; from onestop.cli import main; sys.exit(main(['migrate']))"
    _run([sys.executable, "-c", migrate], folder, env)
    app = create_app(Settings(database_url=url, environment="test", secret_key=SECRET_KEY))
    asyncio.run(_populate(app))
    port = _free_port()
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.dossiers.serve_workers", str(port), "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc, folder / "server.log")
        yield Server(base)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


async def _populate(app: Any) -> None:
    await build_world(app)
    await app.state.engine.dispose()


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(log.read_text())
        time.sleep(0.2)


def _api(generated: ModuleType, module: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.api.{module}")


def _models(generated: ModuleType) -> Any:
    return importlib.import_module(f"{PACKAGE}.models")


def _portal(generated: ModuleType, server: Server) -> Any:
    """A client authenticated as the portal (client-credentials grant)."""
    models = _models(generated)
    form = models.TokenForm(
        grant_type=models.TokenFormGrantType.CLIENT_CREDENTIALS,
        client_id="portal",
        client_secret=CLIENT_SECRET,
    )
    anonymous = generated.Client(base_url=server.base_url, raise_on_unexpected_status=True)
    token = _api(generated, "auth.issue_token").sync(client=anonymous, body=form)
    assert isinstance(token, models.TokenRead), token
    return generated.AuthenticatedClient(
        base_url=server.base_url, token=token.access_token, raise_on_unexpected_status=True
    )


def test_the_document_generates_a_client_without_warnings(generated: ModuleType) -> None:
    dossiers = _api(generated, "dossiers")
    names = ("create_dossier", "list_dossiers", "get_dossier", "list_dossier_events")
    for name in (*names, "import_dossiers"):
        assert importlib.import_module(f"{dossiers.__name__}.{name}")
    pdf = importlib.import_module(f"{PACKAGE}.api.forms.dossier_form_pdf")
    assert "File" in str(pdf.sync.__annotations__["return"])


def test_a_portals_day(generated: ModuleType, server: Server) -> None:
    models = _models(generated)
    portal = _portal(generated, server)
    ref = f"PORTAL-{uuid.uuid4().hex[:12]}"
    key = f"key-{uuid.uuid4().hex}"
    body = models.DossierCreate.from_dict(intake_body(channel="online", portal_ref=ref))
    create = _api(generated, "dossiers.create_dossier")

    first = create.sync_detailed(client=portal, body=body, idempotency_key=key)
    assert first.status_code == 201
    receipt = first.parsed
    assert isinstance(receipt, models.IntakeReceipt)
    assert receipt.channel is models.Channel.ONLINE
    assert receipt.status is models.Status.VALUE_1
    assert first.headers["Location"] == f"/api/v1/dossiers/{receipt.code}"
    assert "Idempotent-Replayed" not in first.headers

    again = create.sync_detailed(client=portal, body=body, idempotency_key=key)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.parsed.to_dict() == receipt.to_dict()

    dossier = _api(generated, "dossiers.get_dossier").sync(client=portal, code=receipt.code)
    assert isinstance(dossier, models.DossierRead)
    assert (dossier.code, dossier.portal_ref) == (receipt.code, ref)

    events = _api(generated, "dossiers.list_dossier_events").sync(client=portal, code=receipt.code)
    assert [e.type_ for e in events.items][:1] == ["submit"]

    found = _api(generated, "dossiers.list_dossiers").sync(client=portal, portal_ref=ref)
    assert [d.code for d in found.items] == [receipt.code]
    nothing = _api(generated, "dossiers.list_dossiers").sync(client=portal, portal_ref="NONE")
    assert nothing.items == []

    changes = _api(generated, "integration.list_changes").sync(client=portal, limit=500)
    assert isinstance(changes, models.ChangesPage)
    assert (receipt.code, "submit") in {(c.dossier, c.type_) for c in changes.items}


def test_errors_parse_into_the_problem_model(generated: ModuleType, server: Server) -> None:
    models = _models(generated)
    portal = _portal(generated, server)

    missing = _api(generated, "dossiers.get_dossier").sync_detailed(client=portal, code="X-0")
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Problem)
    assert missing.parsed.type_ == "/problems/unknown-dossier"

    bad = models.DossierCreate.from_dict(intake_body(channel="online", documents=[]))
    refused = _api(generated, "dossiers.create_dossier").sync_detailed(client=portal, body=bad)
    assert refused.status_code == 422
    assert isinstance(refused.parsed, models.Problem)
    assert refused.parsed.type_.startswith("/problems/")
    assert refused.parsed.request_id

    anonymous = generated.AuthenticatedClient(base_url=server.base_url, token="not-a-token")
    denied = _api(generated, "dossiers.list_dossiers").sync_detailed(client=anonymous)
    assert denied.status_code == 401
    assert denied.parsed.type_ == "/problems/invalid-token"
