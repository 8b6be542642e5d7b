"""Printing a dossier's forms (01–06) and a unit's register (07) through the API: the PDFs carry
the dossier's real data, with every Vietnamese diacritic; bad requests get problems."""

from __future__ import annotations

import subprocess
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
from tests.dossiers.conftest import Headers, act, create, set_clock
from tests.factories import World

from onestop.auth.models import ApiClient

URL = "/api/v1/dossiers"


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())  # line breaks of the layout do not matter


def layout_lines(content: bytes, tmp_path: Path) -> list[str]:
    """The PDF's lines as laid out on the page (``-layout``), white space folded in each."""
    path = tmp_path / "form-layout.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return [" ".join(line.split()) for line in out.stdout.decode().splitlines()]


async def test_receipt_form_01_prints_the_dossier(
    client: httpx.AsyncClient, world: World, auth: Headers, tmp_path: Path
) -> None:
    receipt = await create(client, auth("clerk"))
    code, secret = receipt["code"], receipt["lookup_secret"]
    resp = await client.get(
        f"{URL}/{code}/forms/01.pdf", params={"secret": secret}, headers=auth("clerk")
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/pdf"
    text = pdf_text(resp.content, tmp_path)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert code in text and secret in text
    assert "Nguyễn Văn An" in text
    assert "Chứng thực bản sao từ bản chính giấy tờ, văn bản" in text
    assert "Nguyễn Thị Tiếp Nhận" in text  # the clerk who received it
    assert "11 tháng 3 năm 2026" in text  # due Wed 11/03/2026 09:00 (received Tue 10/03 09:00)


async def test_apology_form_04_after_a_late_dossier(
    client: httpx.AsyncClient, world: World, auth: Headers, tmp_path: Path
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    await act(client, auth("clerk"), code, "transfer")
    set_clock("2026-03-11 10:00")
    resp = await client.get(f"{URL}/{code}/forms/04.pdf", headers=auth("leader"))
    assert resp.status_code == 409 and resp.json()["type"] == "/problems/form-not-applicable"
    await act(
        client,
        auth("leader"),
        code,
        "apologize",
        {
            "reason": "Cần xác minh thêm với cơ quan lưu trữ",
            "new_appointment_at": "2026-03-12T10:00:00+07:00",
        },
    )
    resp = await client.get(f"{URL}/{code}/forms/04.pdf", headers=auth("leader"))
    assert resp.status_code == 200, resp.text
    text = pdf_text(resp.content, tmp_path)
    assert code in text
    assert "Cần xác minh thêm với cơ quan lưu trữ" in text
    assert "12 tháng 3 năm 2026" in text and "Lê Văn Lãnh Đạo" in text
    assert "SỞ TƯ PHÁP" in text.upper()


async def test_process_control_form_06_lists_the_hand_overs(
    client: httpx.AsyncClient, world: World, auth: Headers, tmp_path: Path
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    await act(client, auth("clerk"), code, "transfer")
    resp = await client.get(f"{URL}/{code}/forms/06.pdf", headers=auth("officer"))
    assert resp.status_code == 200, resp.text
    text = pdf_text(resp.content, tmp_path)
    assert code in text and "Sở Tư pháp" in text


async def test_form_problems(client: httpx.AsyncClient, world: World, auth: Headers) -> None:
    code = (await create(client, auth("clerk")))["code"]
    cases: list[tuple[str, dict[str, Any], str, int, str]] = [
        (f"{URL}/{code}/forms/01.pdf", {"secret": "WRONGSECRET"}, "clerk", 422, "secret-mismatch"),
        (f"{URL}/{code}/forms/02.pdf", {}, "clerk", 409, "form-not-applicable"),
        (f"{URL}/NO-SUCH-CODE/forms/01.pdf", {}, "clerk", 404, ""),
        (f"{URL}/{code}/forms/01.pdf", {}, "officer_b", 404, "unknown-dossier"),
        (f"{URL}/{code}/forms/09.pdf", {}, "clerk", 422, "invalid-input"),
    ]
    for url, params, user, status, kind in cases:
        resp = await client.get(url, params=params, headers=auth(user))
        assert resp.status_code == status, (url, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert resp.json()["type"].endswith(kind)


async def test_register_form_07_as_pdf_and_xlsx(
    client: httpx.AsyncClient, world: World, auth: Headers, tmp_path: Path
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    unit = "000.00.01.H99"
    period = {"from": "2026-03-01", "to": "2026-03-31"}
    resp = await client.get(
        f"/api/v1/units/{unit}/register.pdf", params=period, headers=auth("clerk")
    )
    assert resp.status_code == 200, resp.text
    assert code in pdf_text(resp.content, tmp_path)
    resp = await client.get(
        f"/api/v1/units/{unit}/register.xlsx", params=period, headers=auth("clerk")
    )
    assert resp.status_code == 200
    with zipfile.ZipFile(BytesIO(resp.content)) as xlsx:
        shared = xlsx.read("xl/sharedStrings.xml").decode()
    assert code in shared and "Mã hồ sơ" in shared
    for params, status in (
        ({"from": "2026-03-31", "to": "2026-03-01"}, 422),
        ({"from": "2025-01-01", "to": "2026-03-01"}, 422),
    ):
        resp = await client.get(
            f"/api/v1/units/{unit}/register.pdf", params=params, headers=auth("clerk")
        )
        assert resp.status_code == status, resp.text
    resp = await client.get(
        "/api/v1/units/000.00.11.H99/register.pdf", params=period, headers=auth("clerk")
    )
    assert resp.status_code == 403


async def test_the_register_needs_the_right_to_see_personal_data(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    assert world.client is not None
    async with app.state.sessionmaker() as s:
        portal = await s.get(ApiClient, world.client.id)
        assert portal is not None
        portal.scopes = ["dossier:view", "form:print"]  # may print, may not see personal data
        await s.commit()
    resp = await client.get(
        "/api/v1/units/000.00.01.H99/register.pdf",
        params={"from": "2026-03-01", "to": "2026-03-31"},
        headers=auth("portal"),
    )
    assert resp.status_code == 403
    assert resp.json()["right"] == "personal-data:view"


async def test_receipt_form_01_prints_a_ten_day_limit_without_exponent(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, tmp_path: Path
) -> None:
    from tests.factories import add_procedure

    async with app.state.sessionmaker() as s:
        units = [world.units["000.00.10.H99"]]
        for code, amount in (("9.000010", "10"), ("9.000030", "30"), ("9.000005", "0.5")):
            await add_procedure(s, code, f"Thủ tục {code}", units, limit=(amount, "working_days"))
        await s.commit()
    for code, printed in (
        ("9.000010", "10 ngày làm việc"),
        ("9.000030", "30 ngày làm việc"),
        ("9.000005", "0,5 ngày làm việc"),
    ):
        receipt = await create(client, auth("clerk"), procedure=code)
        resp = await client.get(
            f"{URL}/{receipt['code']}/forms/01.pdf",
            params={"secret": receipt["lookup_secret"]},
            headers=auth("clerk"),
        )
        assert resp.status_code == 200, resp.text
        text = pdf_text(resp.content, tmp_path)
        assert f"Thời gian giải quyết hồ sơ theo quy định: {printed}" in text
        assert "E+" not in text


async def test_apology_form_04_signed_by_a_deputy_on_two_lines(
    client: httpx.AsyncClient, world: World, auth: Headers, tmp_path: Path
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    await act(client, auth("clerk"), code, "transfer")
    set_clock("2026-03-11 10:00")
    body = {
        "reason": "Cần xác minh thêm",
        "new_appointment_at": "2026-03-12T10:00:00+07:00",
        "signer_title": "Phó Giám đốc",
    }
    await act(client, auth("leader"), code, "apologize", body)
    resp = await client.get(f"{URL}/{code}/forms/04.pdf", headers=auth("leader"))
    assert resp.status_code == 200, resp.text
    lines = layout_lines(resp.content, tmp_path)
    kt = next(i for i, s in enumerate(lines) if s.endswith("KT. GIÁM ĐỐC"))
    assert lines[kt + 1].endswith("PHÓ GIÁM ĐỐC")
