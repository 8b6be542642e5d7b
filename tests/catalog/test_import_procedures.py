"""``import_procedures``: the national catalogue's fields (docs/examples/procedures.csv and .json)
onto procedures, dated versions and documents. The same catalogue in JSON changes nothing; a
changed time limit adds a version dated from the file's effective date and leaves the old one as
it was; a dry run writes nothing; a bad line, an unknown unit, a duplicate code — named with
line and field — leave the database as it was; and a counter receives a dossier of an imported
procedure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.catalog.install import (
    audit_actions,
    example,
    install,
    procedures,
    state,
    statuses,
    units,
)
from tests.factories import PASSWORD, add_user, login

from onestop.catalog.import_files import ImportRejected
from onestop.catalog.models import Procedure, ProcedureStep, ProcedureUnit, ProcedureVersion, Unit

COMMUNES = ["000.01.20.H98", "000.01.21.H98", "000.01.22.H98", "000.01.23.H98", "000.01.24.H98"]


@pytest.fixture
async def province(app: Any) -> Any:
    await install(app)
    await units(app, example("units.csv"))
    return app


async def _versions(app: Any, code: str) -> list[ProcedureVersion]:
    async with app.state.sessionmaker() as s:
        return list(
            (
                await s.execute(
                    select(ProcedureVersion)
                    .join(Procedure)
                    .where(Procedure.code == code)
                    .order_by(ProcedureVersion.effective_from)
                )
            ).scalars()
        )


async def _rejected(app: Any, data: bytes, name: str = "procedures.csv") -> ImportRejected:
    before = await state(app)
    with pytest.raises(ImportRejected) as refused:
        await procedures(app, data, name)
    assert await state(app) == before, "a refused import changed the database"
    return refused.value


def _replace_line(data: bytes, code: str, old: str, new: str) -> bytes:
    lines = data.decode().splitlines()
    (n,) = [i for i, line in enumerate(lines) if line.startswith(f"{code},")]
    assert old in lines[n]
    lines[n] = lines[n].replace(old, new)
    return ("\n".join(lines) + "\n").encode()


async def test_the_national_catalogue_fields_become_procedures_and_versions(province: Any) -> None:
    report = await procedures(province, example("procedures.csv"))

    assert report.count("created") == 7
    async with province.state.sessionmaker() as s:
        birth = (
            await s.execute(select(Procedure).where(Procedure.code == "1.001193"))
        ).scalar_one()
        competent = (
            await s.execute(
                select(Unit.code)
                .join(ProcedureUnit, ProcedureUnit.unit_id == Unit.id)
                .where(ProcedureUnit.procedure_id == birth.id)
                .order_by(Unit.code)
            )
        ).scalars()
        assert list(competent) == COMMUNES
    assert (birth.name, birth.field, birth.field_code, birth.level) == (
        "Đăng ký khai sinh",
        "Hộ tịch",
        "HT",
        "commune",
    )
    (version,) = await _versions(province, "1.001193")
    assert version.effective_from == dt.date(2025, 7, 1)
    assert (version.limit_amount, version.limit_unit) == (Decimal(1), "same_day")
    assert version.same_day_cutoff == dt.time(15, 0)
    assert version.documents == [
        {"code": "TP1", "name": "Tờ khai đăng ký khai sinh", "copy_type": "original",
         "quantity": 1, "required": True},
        {"code": "TP2", "name": "Giấy chứng sinh", "copy_type": "original", "quantity": 1,
         "required": True},
    ]  # fmt: skip
    assert version.fees == [
        {"code": None, "name": "Lệ phí đăng ký khai sinh (miễn nếu đúng hạn)", "amount": 0}
    ]
    assert version.legal_basis == "Luật Hộ tịch 2014"
    (permit,) = await _versions(province, "1.005129")
    assert (permit.limit_amount, permit.limit_unit) == (Decimal(15), "working_days")
    assert permit.fees[0]["amount"] == 75_000
    assert permit.documents[1]["copy_type"] == "copy"
    assert permit.documents[2]["quantity"] == 2
    (clinic,) = await _versions(province, "1.003001")
    assert (clinic.limit_amount, clinic.limit_unit) == (Decimal(45), "calendar_days")
    (stop,) = await _versions(province, "1.010010")
    assert (stop.limit_amount, stop.limit_unit) == (Decimal(8), "working_hours")
    actions = await audit_actions(province)
    assert actions.count(("procedure.create", "1.001193", "import:procedures.csv")) == 1
    assert actions[-1] == ("catalog.import", "procedures", "import:procedures.csv")


async def test_the_same_catalogue_in_json_and_again_in_csv_changes_nothing(province: Any) -> None:
    await procedures(province, example("procedures.csv"))
    before = await state(province)

    as_json = await procedures(province, example("procedures.json"), "procedures.json")
    again = await procedures(province, example("procedures.csv"))

    for report in (as_json, again):
        assert set(statuses(report).values()) == {"unchanged"}
        assert "nothing changed" in report.lines()[-1]
    assert await state(province) == before


async def test_a_changed_time_limit_adds_a_dated_version_and_keeps_the_old_one(
    province: Any,
) -> None:
    await procedures(province, example("procedures.csv"))
    (old,) = await _versions(province, "1.004873")
    async with province.state.sessionmaker() as s:  # an internal step the catalogue lacks
        s.add(ProcedureStep(version_id=old.id, seq=1, name="Thẩm định", budget_hours=Decimal(12)))
        await s.commit()
    changed = _replace_line(
        example("procedures.csv"), "1.004873", ",3,Ngày làm việc,", ",2,Ngày làm việc,"
    )
    changed = _replace_line(changed, "1.004873", ",01/07/2025,", ",01/01/2026,")

    report = await procedures(province, changed)

    assert {c: s for c, s in statuses(report).items() if s != "unchanged"} == {
        "1.004873": "changed"
    }
    (row,) = [r for r in report.rows if r.status == "changed"]
    assert row.changes == [
        "phiên bản mới từ 01/01/2026 (new version from 2026-01-01):"
        " ThoiHan 3 working_days → 2 working_days"
    ]
    first, second = await _versions(province, "1.004873")
    assert (first.id, first.effective_from, first.limit_amount) == (
        old.id,
        old.effective_from,
        Decimal(3),
    )
    assert first.created_at == old.created_at and first.documents == old.documents
    assert (second.effective_from, second.limit_amount) == (dt.date(2026, 1, 1), Decimal(2))
    assert second.documents == old.documents
    async with province.state.sessionmaker() as s:
        steps = (
            await s.execute(select(ProcedureStep).where(ProcedureStep.version_id == second.id))
        ).scalars()
        assert [(st.name, st.budget_hours) for st in steps] == [("Thẩm định", Decimal(12))]
    assert ("procedure.version.create", "1.004873", "import:procedures.csv") in await audit_actions(
        province
    )

    before = await state(province)
    again = await procedures(province, changed)  # the new file again: nothing
    assert not again.changed_anything
    old_file = await procedures(province, example("procedures.csv"))  # the old file: its version
    assert not old_file.changed_anything
    assert await state(province) == before


async def test_changing_a_version_on_the_date_it_took_effect_is_refused(province: Any) -> None:
    await procedures(province, example("procedures.csv"))
    changed = _replace_line(
        example("procedures.csv"), "1.004873", ",3,Ngày làm việc,", ",2,Ngày làm việc,"
    )

    refused = await _rejected(province, changed)

    assert [(e.line, e.field) for e in refused.errors] == [(4, "NgayHieuLuc")]
    assert "never edited" in refused.detail


async def test_names_fields_units_are_brought_in_line_without_a_new_version(
    province: Any,
) -> None:
    await procedures(province, example("procedures.csv"))
    changed = _replace_line(
        example("procedures.csv"),
        "1.010010",
        "Đề nghị dừng thực hiện thủ tục hành chính,KSTT,Kiểm soát thủ tục hành chính,Cấp xã,8,"
        "Giờ làm việc,000.01.20.H98; 000.01.21.H98,",
        "Đề nghị dừng thực hiện TTHC,KSTT,Kiểm soát thủ tục hành chính,Cấp xã,8,"
        "Giờ làm việc,000.01.21.H98; 000.01.22.H98,",
    )

    report = await procedures(province, changed)

    (row,) = [r for r in report.rows if r.status == "changed"]
    assert row.changes == ["TenTTHC", "CoQuanThucHien +000.01.22.H98 −000.01.20.H98"]
    assert len(await _versions(province, "1.010010")) == 1
    actions = await audit_actions(province)
    assert ("procedure.update", "1.010010", "import:procedures.csv") in actions


async def test_a_dry_run_reports_and_writes_nothing(province: Any) -> None:
    before = await state(province)

    report = await procedures(province, example("procedures.json"), "procedures.json", dry_run=True)

    assert report.count("created") == 7 and report.dry_run
    assert await state(province) == before


async def test_one_bad_line_in_the_middle_writes_nothing_and_is_named(province: Any) -> None:
    bad = _replace_line(example("procedures.csv"), "1.004746", ",10,Ngày làm việc,", ",10,tuần,")

    refused = await _rejected(province, bad)

    assert [(e.line, e.field) for e in refused.errors] == [(5, "DonViThoiHan")]
    assert refused.detail.startswith("Dòng 5, trường DonViThoiHan: giá trị không hợp lệ")
    assert "(line 5, field DonViThoiHan: invalid value" in refused.detail


async def test_unknown_units_duplicate_codes_and_bad_values_are_all_named(province: Any) -> None:
    header = example("procedures.csv").decode().splitlines()[0]
    rows = [
        "1.000001,Thủ tục A,,Lĩnh vực,Cấp xã,5,Ngày làm việc,000.01.20.H98; 000.09.99.H98,,,"
        "01/07/2025,",
        "1.000001,Thủ tục A lần nữa,,Lĩnh vực,Cấp xã,5,Ngày làm việc,000.01.20.H98,,,01/07/2025,",
        "1.00003,Thủ tục C,,Lĩnh vực,Cấp xã,5,Ngày làm việc,000.01.20.H98,,,01/07/2025,",
        "1.000004,Thủ tục D,,Lĩnh vực,Cấp huyện,5,Ngày làm việc,000.01.20.H98,,,31/02/2025,",
        "1.000005,Thủ tục E,,Lĩnh vực,Cấp xã,5,Ngày làm việc,000.01.20.H98,Tờ khai|bản nháp,"
        "Lệ phí|năm nghìn,01/07/2025,",
    ]
    data = ("\n".join([header, *rows]) + "\n").encode()

    refused = await _rejected(province, data)

    assert [(e.line, e.field) for e in refused.errors] == [
        (2, "CoQuanThucHien"),
        (3, "MaTTHC"),
        (4, "MaTTHC"),
        (5, "NgayHieuLuc"),
        (5, "CapThucHien"),
        (6, "ThanhPhanHoSo[1].LoaiBan"),
        (6, "PhiLePhi[1].SoTien"),
    ]
    details = [e.detail for e in refused.errors]
    assert "unknown unit 000.09.99.H98" in details[0]
    assert "already appears on line 2" in details[1]
    assert "e.g. 1.001193" in details[2]
    assert "bản chính, bản sao hoặc bản điện tử" in details[5]


async def test_a_json_file_that_is_not_a_list(province: Any) -> None:
    refused = await _rejected(province, b'{"MaTTHC": "1.001193"}', "procedures.json")

    assert [(e.line, e.field) for e in refused.errors] == [(1, None)]


async def test_a_csv_with_a_missing_column(province: Any) -> None:
    lines = example("procedures.csv").decode().splitlines()
    without = [",".join(c for i, c in enumerate(line.split(",")) if i != 6) for line in lines[:1]]

    refused = await _rejected(province, (without[0] + "\n").encode())

    assert [(e.line, e.field) for e in refused.errors] == [(1, "DonViThoiHan")]


async def test_non_utf8_bytes_are_refused(province: Any) -> None:
    data = example("procedures.csv").replace("Hộ tịch".encode(), b"H\xf4 t\xecch", 1)

    refused = await _rejected(province, data)

    assert [(e.line, e.field) for e in refused.errors] == [(2, None)]


async def test_a_counter_receives_a_dossier_of_an_imported_procedure(
    province: Any, client: httpx.AsyncClient
) -> None:
    await procedures(province, example("procedures.csv"))
    async with province.state.sessionmaker() as s:
        commune = (await s.execute(select(Unit).where(Unit.code == COMMUNES[0]))).scalar_one()
        await add_user(s, "clerk.xa", "clerk", commune)
        await s.commit()
    headers = await login(client, "clerk.xa", PASSWORD)
    body = {
        "procedure": "2.000908",
        "applicant": {"name": "Nguyễn Văn An"},
        "documents": [{"code": "TP1"}, {"code": "TP2"}],
    }

    resp = await client.post("/api/v1/dossiers", json=body, headers=headers)

    assert resp.status_code == 201, resp.text
    missing = await client.post(
        "/api/v1/dossiers", json={**body, "documents": [{"code": "TP1"}]}, headers=headers
    )
    assert missing.status_code == 422 and "TP2" in missing.text
