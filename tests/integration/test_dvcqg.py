"""What the national portal receives: the record of each event as it was then (not the dossier's
latest state) — its documents included —, with the applicant's data for the portal and none of
it in errors or logs; and the worker loop running the integration pass."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from tests.documents.conftest import pdf_bytes, upload
from tests.dossiers.conftest import at, set_clock
from tests.integration.conftest import Portal
from tests.integration.helpers import Scene, advance

from onestop.integration.dvcqg import payload
from onestop.integration.dvcqg.redaction import personal_values, scrub
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


async def test_records_list_the_documents_uploaded_by_their_event(
    scene: Scene, portal: Portal
) -> None:
    portal.start()
    code = await scene.receive()
    advance(5)
    scan = await upload(
        scene.client,
        scene.auth("clerk"),
        code,
        pdf_bytes(),
        filename="Đơn đề nghị.pdf",
        digitised_at_counter=True,
    )
    assert scan.status_code == 201, scan.text
    await scene.act("clerk", code, "transfer")
    advance(5)
    result = await upload(
        scene.client,
        scene.auth("officer"),
        code,
        pdf_bytes(marker="result"),
        kind="result",
        component="",
        name="Giấy chứng nhận",
    )
    assert result.status_code == 201, result.text
    await scene.act("officer", code, "finish", {"result_number": "1/CT"})
    await scene.run()
    assert portal.records(code) == [
        ("sync", 2, "False"),
        ("sync", 2, "True"),  # the scan attached: the record is updated
        ("sync", 4, "True"),
        ("progress", 4),
        ("sync", 4, "True"),  # the result attached
        ("sync", 9, "True"),
    ]
    received, scanned, _, with_result, finished = sync_records(portal, code)
    assert (received["TaiLieuNop"], received["DanhSachGiayToKetQua"]) == ([], [])
    assert received["HoSoCoThanhPhanSoHoa"] == 0
    submitted = {
        "TepDinhKemId": scan.json()["id"],
        "TenTepDinhKem": "Đơn đề nghị.pdf",
        "IsDeleted": False,
        "MaThanhPhanHoSo": "TP1",
        "DuongDanTaiTepTin": "",
        "DuocSoHoa": 1,
        "DuocTaiSuDung": 0,
        "DuocLayTuKhoDMQG": 0,
        "MaKetQuaThayThe": "",
    }
    assert scanned["TaiLieuNop"] == [submitted] and scanned["DanhSachGiayToKetQua"] == []
    assert scanned["HoSoCoThanhPhanSoHoa"] == 1
    issued = {
        "TenGiayTo": "Giấy chứng nhận",
        "MaThanhPhanHoSo": "",
        "GiayToId": result.json()["id"],
        "DuongDanTepTinKetQua": "",
        "MaGiayToKetQua": "",
    }
    for record in (with_result, finished):
        assert record["TaiLieuNop"] == [submitted]
        assert record["DanhSachGiayToKetQua"] == [issued]


def _document(id: int, uploaded_at: dt.datetime, **flags: Any) -> payload.DocumentFacts:
    values: dict[str, Any] = {
        "kind": "submitted",
        "component_code": "TP1",
        "component_name": "Đơn đề nghị",
        "filename": f"Nguyễn Văn An {id}.pdf",
        "digitised_at_counter": False,
        "reused": False,
        "from_citizen_store": False,
    }
    return payload.DocumentFacts(id=id, uploaded_at=uploaded_at, **{**values, **flags})


def test_record_flags_reuse_and_the_citizen_store_and_keeps_file_names_out_of_errors() -> None:
    noon = at("2026-03-10 12:00")
    facts = payload.DossierFacts(
        code="H1",
        procedure_code="2.000908",
        procedure_name="Chứng thực",
        field_code=None,
        field_name="Chứng thực",
        channel="online",
        applicant_kind="citizen",
        applicant_name="Nguyễn Văn An",
        applicant_id_number=None,
        applicant_phone=None,
        applicant_email=None,
        submitted_at=noon,
        return_method="online",
        competent_unit="Sở Tư pháp",
        receiving_unit="Sở Tư pháp",
        documents=(
            _document(1, noon, reused=True),
            _document(2, noon, from_citizen_store=True),
            _document(3, noon + dt.timedelta(seconds=1), digitised_at_counter=True),
        ),
    )
    event = payload.EventFacts(1, "receive", noon, 2, {})
    record = payload.dossier_record(facts, [event])
    flags = [
        (f["TepDinhKemId"], f["DuocSoHoa"], f["DuocTaiSuDung"], f["DuocLayTuKhoDMQG"])
        for f in record["TaiLieuNop"]
    ]
    assert flags == [(1, 0, 1, 0), (2, 0, 0, 1)]  # the third came after the event
    assert record["HoSoCoThanhPhanSoHoa"] == 1
    values = personal_values(payload.sync_request(record, updating=False))
    assert "Nguyễn Văn An 2.pdf" in values
    assert scrub("Tệp Nguyễn Văn An 2.pdf lỗi", values) == "Tệp *** lỗi"


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

        async def run(self) -> alerts_worker.PassResult:
            raise RuntimeError("down")

        async def aclose(self) -> None:
            pass

    assert (
        await alerts_worker.run_loop(scene.app.state.sessionmaker, once=True, extra=[Broken()]) == 1
    )


async def test_the_worker_sends_within_the_poll_time_not_the_worklist_interval(
    scene: Scene, portal: Portal
) -> None:
    portal.start()
    scene.job.idle_seconds = 0.05
    stop = asyncio.Event()
    loop = asyncio.create_task(
        alerts_worker.run_loop(scene.app.state.sessionmaker, interval=3600, stop=stop,
                               extra=[scene.job])
    )  # fmt: skip
    try:
        code = await scene.receive()
        await scene.act("clerk", code, "transfer")
        deadline = asyncio.get_running_loop().time() + 30
        while len(sync_records(portal, code)) < 2:
            assert asyncio.get_running_loop().time() < deadline, "nothing sent"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        assert await asyncio.wait_for(loop, timeout=30) == 0
    assert [r["TrangThaiHoSo"] for r in sync_records(portal, code)] == [2, 4]
