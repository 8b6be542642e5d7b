"""The documents of a dossier: each row ties one stored object (by its SHA-256) to a dossier, as a
component the applicant handed in (``submitted``, a code of the procedure version's document
list) or as an electronic result (``result``).

The flags are the ones the national portal's sync carries per file (``TaiLieuNop``:
``DuocSoHoa``, ``DuocTaiSuDung``, ``DuocLayTuKhoDMQG``; ``DanhSachGiayToKetQua``) and the Decision
766 indicators 4.1–4.3 count: scanned at the counter, reused from an earlier dossier of the same
applicant, taken from the citizen's document store, and whether the electronic copy replaces the
paper one.

The same content attached twice to the same component of a dossier is one row (the unique
constraint); attached to two dossiers it is two rows and one stored object.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onestop.core.db import Base, BigId, UTCDateTime

SUBMITTED = "submitted"
RESULT = "result"
KINDS = (SUBMITTED, RESULT)


class DossierDocument(Base):
    __tablename__ = "dossier_document"
    __table_args__ = (
        UniqueConstraint("dossier_id", "kind", "component_code", "sha256"),
        Index("ix_dossier_document_sha256", "sha256"),
        Index("ix_dossier_document_uploaded_at", "uploaded_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    kind: Mapped[str] = mapped_column(String(10))  # submitted | result
    #: The component's code in the version's document list; for a result, its code or "".
    component_code: Mapped[str] = mapped_column(String(60))
    #: The component's name as the version lists it (a result: the name given).
    component_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    #: The file's name as sent, sanitised (``validation.safe_filename``).
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    uploaded_by: Mapped[str] = mapped_column(String(120))  # "user:clerk" | "client:portal"
    digitised_at_counter: Mapped[bool] = mapped_column(Boolean, default=False)
    reused_from_dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"))
    from_citizen_store: Mapped[bool] = mapped_column(Boolean, default=False)
    replaces_paper: Mapped[bool] = mapped_column(Boolean, default=False)
