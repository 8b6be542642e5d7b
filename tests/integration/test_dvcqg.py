"""What the national portal receives: the record of each event as it was then (not the dossier's
latest state), with the applicant's data for the portal and none of it in errors or logs; and
the worker loop running the integration pass."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from tests.dossiers.conftest import set_clock
from tests.integration.conftest import Portal
from tests.integration.helpers import Scene, advance

from onestop.integration.dvcqg.destination import scrub
from onestop.integration.models import OutboxMessage
from onestop.metrics.alerts import worker as alerts_worker


def sync_records(portal: Portal, code: str) -> list[dict[str, Any]]:
    return [
        item
        for body in portal.requests
        if body["service"] == "DongBoHoSoMC"
        for item in body["data"]
        if item["MaHoSo"] == code
    ]


async def test_each_record_says_what_its_event_made_of_the_dossier(
    scene: Scene, portal: Portal
) -> None:
    portal.start()
    code = await scene.receive()
    await scene.act("clerk", code, "transfer")
    set_clock("2026-03-10 14:00")
    await scene.act("officer", code, "transfer")
    await scene.act("officer", code, "finish", {"result_number": "1/CT"})
    await scene.run()  # all at once: the dossier is at 9 when its records are built
    received, processing, finished = sync_records(portal, code)
    assert received["TrangThaiHoSo"] == 2
    assert (received["NgayTiepNhan"], received["NgayNopHoSo"]) == ("20260310090000",) * 2
    assert received["NgayKetThucXuLy"] is None
    assert received["NgayHenTra"] is not None
    assert (received["KenhThucHien"], received["LoaiDoiTuong"], received["HinhThuc"]) == (1, 1, 0)
    assert (received["MaTTHC"], received["ChuHoSo"]) == ("2.000908", "Nguyễn Văn An")
    assert (received["SoGiayToChuHoSo"], received["SoDienThoai"]) == ("001203004567", "0912345678")
    assert received["DonViXuLy"] == "Sở Tư pháp"
    assert processing["TrangThaiHoSo"] == 4 and processing["NgayKetThucXuLy"] is None
    assert finished["TrangThaiHoSo"] == 9
    assert finished["NgayKetThucXuLy"] == "20260310140000"
    progress = [
        item
        for body in portal.requests
        if body["service"] == "CapNhatTienDoHoSoMC"
        for item in body["data"]
    ]
    assert [(p["NguoiXuLy"], p["TrangThai"]) for p in progress] == [
        ("Nguyễn Thị Tiếp Nhận", 4),
        ("Trần Văn Xử Lý", 4),
    ]
    assert progress[0]["PhongBanXuLy"] == "Trung tâm Phục vụ hành chính công tỉnh"
    assert progress[0]["NgayKetThucTheoQuyDinh"] is not None


async def test_personal_data_stays_out_of_errors_and_logs(
    scene: Scene, portal: Portal, caplog: pytest.LogCaptureFixture
) -> None:
    portal.start()
    code = await scene.receive()
    portal.failing[code] = 500
    await scene.run()
    advance(5)
    await scene.run()
    async with scene.session() as s:
        m = (await s.execute(select(OutboxMessage))).scalar_one()
    assert (m.attempts, m.state, m.last_error) == (2, "pending", "HTTP 500: Lỗi máy chủ")
    for secret in ("Nguyễn Văn An", "001203004567", "0912345678", "an@example.vn"):
        assert secret not in caplog.text
    assert scrub("Số 001203004567 của Nguyễn Văn An sai", ["Nguyễn Văn An"]) == "Số *** của *** sai"


async def test_the_worker_loop_runs_the_integration_pass(scene: Scene, portal: Portal) -> None:
    portal.start()
    code = await scene.receive()
    await scene.act("clerk", code, "transfer")
    await scene.settled()
    exit_code = await alerts_worker.run_loop(
        scene.app.state.sessionmaker, once=True, extra=[scene.job]
    )
    assert exit_code == 0
    assert [r["TrangThaiHoSo"] for r in sync_records(portal, code)] == [2, 4]

    class Broken:
        name = "broken"

        async def run(self) -> str:
            raise RuntimeError("down")

        async def aclose(self) -> None:
            pass

    assert (
        await alerts_worker.run_loop(scene.app.state.sessionmaker, once=True, extra=[Broken()]) == 1
    )
