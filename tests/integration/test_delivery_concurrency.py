"""Delivery sends to several dossiers at once, and never two calls at once for one dossier: a
fake portal over real HTTP that holds each call until another one is in flight (or a moment has
passed) sees calls of different dossiers overlap, one dossier's calls one after the other, and
each dossier's records in the order of its events."""

from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from tests.integration.conftest import FULL_LIFE, full_life
from tests.integration.helpers import LocalServer, QuietHandler, Scene, free_port

from onestop.integration import delivery
from onestop.integration.dvcqg.client import PortalClient
from onestop.integration.dvcqg.destination import DvcqgDestination
from onestop.integration.worker import IntegrationPass

#: How long a call waits for company before the portal answers it alone (seconds).
HOLD = 0.3


@dataclass
class OverlapPortal(LocalServer):
    """Records each dossier's records in arrival order, the most calls in flight at once, and
    the most in flight at once for any one dossier."""

    records: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(list))
    in_flight: Counter[str] = field(default_factory=Counter)
    peak: int = 0
    peak_per_dossier: int = 0
    cond: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/dvcqg"

    def start(self) -> None:
        portal = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                codes = {item["MaHoSo"] for item in body["data"]}
                portal.enter(codes)
                try:
                    portal.record(body)
                finally:
                    portal.leave(codes)
                raw = json.dumps({"error_code": "0"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.serve(Handler)

    def enter(self, codes: set[str]) -> None:
        with self.cond:
            self.in_flight.update(codes)
            self.peak = max(self.peak, self.in_flight.total())
            self.peak_per_dossier = max(self.peak_per_dossier, *self.in_flight.values())
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.in_flight.total() > 1, timeout=HOLD)

    def leave(self, codes: set[str]) -> None:
        with self.cond:
            self.in_flight.subtract(codes)
            self.in_flight += Counter()  # drop the zeros

    def record(self, body: dict[str, Any]) -> None:
        with self.cond:
            for item in body["data"]:
                if body["service"] == "DongBoHoSoMC":
                    entry: tuple[Any, ...] = ("sync", item["TrangThaiHoSo"], body["isUpdating"])
                else:
                    entry = ("progress", item["TrangThai"])
                self.records[item["MaHoSo"]].append(entry)


async def test_dossiers_go_out_together_each_in_its_own_order(scene: Scene) -> None:
    portal = OverlapPortal(free_port())
    portal.start()
    destination = DvcqgDestination(PortalClient(portal.url, timeout=10), records_per_call=1)
    job = IntegrationPass(scene.app.state.sessionmaker, [destination], scene.job.policy)
    try:
        codes = [await full_life(scene) for _ in range(10)]
        await scene.settled()
        for _ in range(5):
            await job.run()
    finally:
        await job.aclose()
        portal.stop()
    for code in codes:
        assert portal.records[code] == FULL_LIFE
    assert portal.peak_per_dossier == 1
    assert 1 < portal.peak <= delivery.CONCURRENCY
