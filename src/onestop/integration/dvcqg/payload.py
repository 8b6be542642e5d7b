"""The national portal's (DVCQG) request bodies, built from facts (pure: no database, no HTTP).

Services (docs/rules.md §16): ``DongBoHoSoMC`` creates or updates the dossier record
(``isUpdating`` "False" the first time, "True" after), ``CapNhatTienDoHoSoMC`` appends progress
entries (hand-overs between officers and units, at most 10 per call). Dates are
``yyyyMMddHHmmss`` in Vietnam's local time. The record says what the dossier was right after the
message's event: its status code is that event's, and its dates are those of the events up to it
— never the dossier's later state.

Catalogue codes differ between endpoints (docs/rules.md §16), so each one is mapped here, once:
``KenhThucHien`` 1 counter, 2 online, 3 postal; ``LoaiDoiTuong`` 1 citizen, 4 organisation
(other/unspecified organisation: onestop does not tell businesses from other bodies);
``HinhThuc`` (how the result is returned) 0 at the counter or electronically, 1 by post.

Documents: ``TaiLieuNop`` lists the components handed in and ``DanhSachGiayToKetQua`` the
electronic results, each as of the message's event (uploaded at or before its instant). The flags
are 0/1: ``DuocSoHoa`` scanned at the counter, ``DuocTaiSuDung`` reused from an earlier dossier,
``DuocLayTuKhoDMQG`` taken from the citizen's store on the portal; ``HoSoCoThanhPhanSoHoa`` is 1
when any component listed carries one of them. The download links are empty: onestop has no
address the portal can fetch a file from (the staff route needs a user's token, the citizen's
one the receipt's secret). ``MaGiayToKetQua`` is empty too: it is the portal's code of an
electronic result, which onestop does not have.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from onestop.core.clock import LOCAL_TZ
from onestop.documents.models import RESULT, SUBMITTED
from onestop.dossiers.states import Status

SYNC_SERVICE = "DongBoHoSoMC"
PROGRESS_SERVICE = "CapNhatTienDoHoSoMC"
#: ``yyyyMMddHHmmss``, Vietnam local time.
DATE_FORMAT = "%Y%m%d%H%M%S"
CHANNELS = {"counter": 1, "online": 2, "postal": 3}
APPLICANT_KINDS = {"citizen": 1, "organisation": 4}
RETURN_METHODS = {"counter": 0, "online": 0, "postal": 1}
#: ``TrangThaiBoSung``: 0 waiting for the applicant, 1 supplement received.
SUPPLEMENT_WAITING, SUPPLEMENT_RECEIVED = 0, 1
#: ``DuongDanTaiTepTin`` / ``DuongDanTepTinKetQua``: no address the portal can fetch from.
NO_FILE_URL = ""
#: ``MaGiayToKetQua``: the portal's code of an electronic result, which onestop does not have.
NO_RESULT_CODE = ""


def portal_date(at: dt.datetime | None) -> str | None:
    """``at`` as ``DATE_FORMAT`` (spelled out: ``strftime`` took a twentieth of a record)."""
    if at is None:
        return None
    t = at.astimezone(LOCAL_TZ)
    return f"{t.year:04d}{t.month:02d}{t.day:02d}{t.hour:02d}{t.minute:02d}{t.second:02d}"


def _instant(value: Any) -> dt.datetime | None:
    """An ISO instant recorded in an event's payload."""
    if not isinstance(value, str) or not value:
        return None
    return dt.datetime.fromisoformat(value)


@dataclass(frozen=True)
class EventFacts:
    seq: int
    type: str
    at: dt.datetime
    to_status: int
    payload: dict[str, Any]


@dataclass(frozen=True)
class DocumentFacts:
    """One ``dossier_document`` row: a component handed in (``submitted``) or a result."""

    id: int
    kind: str
    component_code: str
    component_name: str
    filename: str
    uploaded_at: dt.datetime
    digitised_at_counter: bool
    reused: bool
    from_citizen_store: bool


@dataclass(frozen=True)
class DossierFacts:
    code: str
    procedure_code: str
    procedure_name: str
    field_code: str | None
    field_name: str
    channel: str
    applicant_kind: str
    applicant_name: str
    applicant_id_number: str | None
    applicant_phone: str | None
    applicant_email: str | None
    submitted_at: dt.datetime
    return_method: str
    competent_unit: str
    receiving_unit: str
    documents: tuple[DocumentFacts, ...] = ()


@dataclass(frozen=True)
class Officer:
    """Who handed the dossier over (``NguoiXuLy``, ``ChucDanh``) and their unit."""

    name: str
    title: str | None
    unit: str | None


@dataclass
class _Dates:
    received: dt.datetime | None = None
    appointment: dt.datetime | None = None
    finished: dt.datetime | None = None
    returned: dt.datetime | None = None
    refused: dt.datetime | None = None
    supplements: list[dict[str, Any]] = field(default_factory=list)


def _appointment(current: dt.datetime | None, ev: EventFacts) -> dt.datetime | None:
    """What the applicant was told after ``ev``: the due instant at receipt, an apology's new
    appointment, or the due instant a supplement moved (unless an apology set it apart)."""
    p = ev.payload
    if "new_appointment_at" in p:
        return _instant(p["new_appointment_at"])
    if ev.type == "supplement-received" and "due_at" in p:
        if current is None or current == _instant(p.get("due_at_before")):
            return _instant(p["due_at"])
        return current
    if current is None and ev.to_status == Status.RECEIVED and "due_at" in p:
        return _instant(p["due_at"])
    return current


def _supplement(code: str, ev: EventFacts) -> dict[str, Any]:
    p = ev.payload
    items = p.get("items") or []
    content = "; ".join(str(i) for i in items) if isinstance(items, list) else str(items)
    return {
        "HoSoBoSungId": f"{code}-{ev.seq}",
        "NoiDungBoSung": content or p.get("reason") or "",
        "NgayBoSung": portal_date(ev.at),
        "TrangThaiBoSung": SUPPLEMENT_WAITING,
        "NgayTiepNhanBoSung": None,
        "NgayHenTraTruoc": portal_date(_instant(p.get("due_at_before"))),
        "NgayHenTraMoi": None,
    }


def _dates(code: str, history: Sequence[EventFacts]) -> _Dates:
    out = _Dates()
    for ev in history:
        status = ev.to_status
        out.appointment = _appointment(out.appointment, ev)
        if status == Status.RECEIVED and out.received is None:
            out.received = ev.at
        if status == Status.REFUSED:
            out.refused = ev.at
        if status == Status.RESULT_READY or (status == Status.RETURNED and not out.finished):
            out.finished = out.finished or ev.at
        if status == Status.RETURNED:
            out.returned = ev.at
        if ev.type == "request-supplement":
            out.supplements.append(_supplement(code, ev))
        if ev.type == "supplement-received" and out.supplements:
            last = out.supplements[-1]
            last["TrangThaiBoSung"] = SUPPLEMENT_RECEIVED
            last["NgayTiepNhanBoSung"] = portal_date(ev.at)
            last["NgayHenTraMoi"] = portal_date(_instant(ev.payload.get("due_at")))
    return out


def _flag(value: bool) -> int:
    return 1 if value else 0


def _submitted(doc: DocumentFacts) -> dict[str, Any]:
    return {
        "TepDinhKemId": doc.id,
        "TenTepDinhKem": doc.filename,
        "IsDeleted": False,
        "MaThanhPhanHoSo": doc.component_code,
        "DuongDanTaiTepTin": NO_FILE_URL,
        "DuocSoHoa": _flag(doc.digitised_at_counter),
        "DuocTaiSuDung": _flag(doc.reused),
        "DuocLayTuKhoDMQG": _flag(doc.from_citizen_store),
        "MaKetQuaThayThe": "",
    }


def _result(doc: DocumentFacts) -> dict[str, Any]:
    return {
        "TenGiayTo": doc.component_name,
        "MaThanhPhanHoSo": doc.component_code,
        "GiayToId": doc.id,
        "DuongDanTepTinKetQua": NO_FILE_URL,
        "MaGiayToKetQua": NO_RESULT_CODE,
    }


def _documents(docs: Sequence[DocumentFacts], at: dt.datetime) -> dict[str, Any]:
    """The document fields of the record as of ``at``: the files uploaded by then."""
    known = sorted((doc for doc in docs if doc.uploaded_at <= at), key=lambda doc: doc.id)
    submitted = [doc for doc in known if doc.kind == SUBMITTED]
    electronic = any(
        doc.digitised_at_counter or doc.reused or doc.from_citizen_store for doc in submitted
    )
    return {
        "TaiLieuNop": [_submitted(doc) for doc in submitted],
        "DanhSachGiayToKetQua": [_result(doc) for doc in known if doc.kind == RESULT],
        "HoSoCoThanhPhanSoHoa": _flag(electronic),
    }


def dossier_record(d: DossierFacts, history: Sequence[EventFacts]) -> dict[str, Any]:
    """The ``DongBoHoSoMC`` record of ``d`` right after the last event of ``history`` (the
    dossier's events 1…n, in order)."""
    dates = _dates(d.code, history)
    return {
        "MaHoSo": d.code,
        "MaTTHC": d.procedure_code,
        "TenTTHC": d.procedure_name,
        "MaLinhVuc": d.field_code or "",
        "TenLinhVuc": d.field_name,
        "KenhThucHien": CHANNELS[d.channel],
        "ChuHoSo": d.applicant_name,
        "LoaiDoiTuong": APPLICANT_KINDS.get(d.applicant_kind, 4),
        "SoGiayToChuHoSo": d.applicant_id_number or "",
        "SoDienThoai": d.applicant_phone or "",
        "Email": d.applicant_email or "",
        "TrichYeuHoSo": d.procedure_name,
        "NgayNopHoSo": portal_date(d.submitted_at),
        "NgayTiepNhan": portal_date(dates.received),
        "NgayHenTra": portal_date(dates.appointment),
        "TrangThaiHoSo": history[-1].to_status,
        "NgayKetThucXuLy": portal_date(dates.finished),
        "NgayTra": portal_date(dates.returned),
        "NgayTuChoi": portal_date(dates.refused),
        "HinhThuc": RETURN_METHODS.get(d.return_method, 0),
        "DonViXuLy": d.competent_unit,
        "NoiNopHoSo": d.receiving_unit,
        "DanhSachHoSoBoSung": dates.supplements,
        **_documents(d.documents, history[-1].at),
    }


def _handover_text(ev: EventFacts) -> str:
    p = ev.payload
    started = p.get("started_step") or {}
    parts = []
    if started.get("name"):
        parts.append(f"Chuyển xử lý: {started['name']}")
    elif p.get("handler"):
        parts.append("Phân công cán bộ xử lý")
    if p.get("note"):
        parts.append(str(p["note"]))
    return ". ".join(parts) or "Chuyển xử lý"


def progress_entry(d: DossierFacts, ev: EventFacts, officer: Officer) -> dict[str, Any]:
    """A ``CapNhatTienDoHoSoMC`` entry for a hand-over event."""
    started = ev.payload.get("started_step") or {}
    return {
        "MaHoSo": d.code,
        "NguoiXuLy": officer.name,
        "ChucDanh": officer.title or "",
        "ThoiDiemXuLy": portal_date(ev.at),
        "PhongBanXuLy": officer.unit or "",
        "NoiDungXuLy": _handover_text(ev),
        "TrangThai": ev.to_status,
        "NgayBatDau": portal_date(ev.at),
        "NgayKetThucTheoQuyDinh": portal_date(_instant(started.get("due_at"))),
    }


def sync_request(record: dict[str, Any], *, updating: bool) -> dict[str, Any]:
    return {
        "service": SYNC_SERVICE,
        "isUpdating": "True" if updating else "False",
        "data": [record],
    }


def progress_request(entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"service": PROGRESS_SERVICE, "data": list(entries)}
