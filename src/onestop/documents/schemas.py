"""Shapes of the documents API: a document as read, the metadata sent with an upload, the
re-use of an earlier document by its hash, and the re-use offer."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from onestop.core.schemas import InputModel
from onestop.dossiers.schemas import Instant

Kind = Literal["submitted", "result"]
ComponentCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class DocumentMeta(InputModel):
    """What comes with the file (the multipart form's fields besides ``file``)."""

    kind: Kind = "submitted"
    component: ComponentCode = Field(
        default="",
        description="Code in the procedure version's document list (required for a submitted"
        " document; optional for a result)",
    )
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] = Field(
        default="", description="A result's name (e.g. the licence issued)"
    )
    digitised_at_counter: bool = Field(default=False, description="Scanned at the counter")
    from_citizen_store: bool = Field(
        default=False, description="Taken from the citizen's document store (portals only)"
    )
    replaces_paper: bool = Field(
        default=False, description="The electronic copy replaces the paper one"
    )


class DocumentReuse(InputModel):
    """Attach an earlier document of the same applicant without sending it again."""

    component: ComponentCode = Field(min_length=1)
    sha256: Sha256
    replaces_paper: bool = False


class StoredDocumentRead(BaseModel):
    id: int
    kind: Kind
    component: str
    component_name: str
    sha256: str
    size: int
    media_type: str
    filename: str
    uploaded_at: Instant
    uploaded_by: str
    digitised_at_counter: bool
    from_citizen_store: bool
    replaces_paper: bool
    reused_from_dossier: str | None = Field(description="Code of the dossier it was reused from")
    download_path: str


class ReusableDocument(BaseModel):
    """An earlier document of the same applicant for a component of this dossier (no dossier
    code: the earlier dossier may be another unit's)."""

    component: str
    component_name: str
    sha256: str
    size: int
    media_type: str
    filename: str
    uploaded_at: Instant


class PublicResult(BaseModel):
    """An electronic result the citizen may download with the receipt's secret."""

    id: int
    name: str
    filename: str
    size: int
    media_type: str
    uploaded_at: Instant
    download_path: str = Field(description="Append ?secret=… (the receipt's lookup secret)")
