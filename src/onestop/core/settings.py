"""Typed settings read from ``ONESTOP_*`` environment variables (and an optional ``.env``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_SECRET = "change-me-demo-only-secret-key-32b"  # noqa: S105 - refused in production


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONESTOP_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./var/onestop.db"
    secret_key: str = DEMO_SECRET
    access_token_minutes: int = Field(default=60, ge=1, le=24 * 60)
    #: Largest request body accepted (bytes); bigger bodies get a 413 problem.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    #: Failed logins allowed per username and per client address in ``login_window_seconds``.
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)
    #: Public base URL printed on receipts (QR code of the lookup page).
    public_base_url: str = "http://127.0.0.1:8000"
    log_level: str = "INFO"
    log_json: bool = True
    db_pool_size: int = Field(default=10, ge=1)
    db_echo: bool = False
    #: Keys that encrypt personal data at rest, ``id:base64key,…`` (the first encrypts; see
    #: core.crypto). Empty: one key derived from ``secret_key``.
    data_keys: str = ""
    #: Key of the hash an ID number is searched by; empty: derived from ``secret_key``.
    search_key: str = ""
    #: Run the worklist job (alerts, apology tasks) inside the app process; only on SQLite
    #: (``make run``). On PostgreSQL run ``onestop worker`` instead.
    run_worker_in_app: bool = True
    worker_interval_seconds: float = Field(default=60.0, gt=0)
    #: Days an intake's Idempotency-Key is remembered; the worker forgets older ones.
    idempotency_key_days: int = Field(default=30, ge=1)
    #: Citizen lookups (API and ``/tra-cuu``) per client address: a burst, refilled at this rate
    #: per minute, in each worker process (``http.ratelimit``).
    public_lookup_per_minute: float = Field(default=20.0, gt=0)
    public_lookup_burst: int = Field(default=10, ge=1)
    #: The national portal (DVCQG) endpoint dossiers are synchronised to; empty: no sync
    #: (``onestop.integration``). OAuth2 client credentials when ``dvcqg_token_url`` is set.
    dvcqg_url: str = ""
    dvcqg_token_url: str = ""
    dvcqg_client_id: str = ""
    dvcqg_client_secret: str = ""
    dvcqg_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    #: Dossier records sent in one ``DongBoHoSoMC`` call at most (``integration.dvcqg.calls``);
    #: 1 sends each record alone.
    dvcqg_records_per_call: int = Field(default=20, ge=1, le=100)
    #: Notifications to applicants (``onestop.integration.notify``): e-mail over SMTP when
    #: ``smtp_host`` is set (STARTTLS when asked, login when ``smtp_user`` is set), SMS through
    #: an HTTP gateway when ``sms_url`` is set (a bearer ``sms_token`` when given); with
    #: ``sms_ascii`` the SMS text is sent without Vietnamese diacritics.
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_from: str = "onestop@localhost"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    sms_url: str = ""
    sms_token: str = ""
    sms_ascii: bool = False
    sms_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    #: Outgoing messages: how long a delivery claim lasts (a worker killed mid-delivery loses
    #: its claim then), the first retry delay and the longest one (doubling, with jitter), and
    #: how long a message keeps failing before it is dead-lettered (at most 3 days).
    outbox_claim_seconds: float = Field(default=300.0, gt=0)
    outbox_retry_base_seconds: float = Field(default=30.0, gt=0)
    outbox_retry_max_seconds: float = Field(default=3600.0, gt=0)
    outbox_retry_window_seconds: float = Field(default=3 * 24 * 3600.0, gt=0, le=3 * 24 * 3600.0)
    #: Seconds the worker's integration pass waits after a pass that found nothing to send, and
    #: after one that sent something (new events gather meanwhile, so the next round carries a
    #: quarter-second's worth in a few queries and calls, not what came during one round trip).
    outbox_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    outbox_gather_seconds: float = Field(default=0.25, ge=0, le=10)
    #: Delivered outbox messages older than this are removed (``integration.retention``).
    outbox_keep_days: float = Field(default=30.0, gt=0)
    #: Webhooks of API clients (``integration.webhooks``): how long a receiver has to answer, and
    #: whether a webhook may point at a loopback, private or link-local address (refused by
    #: default; tests and a local setup allow it). The service's own public host is always refused.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_allow_private_hosts: bool = False
    #: Documents of dossiers (``onestop.documents``): a local directory, or S3-compatible
    #: storage when ``s3_bucket`` is set. Limits of one upload: its size, and the pixels of an
    #: image (checked before it is decoded).
    storage_dir: str = "./var/documents"
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_region: str = "us-east-1"
    document_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    document_max_pixels: int = Field(default=50_000_000, ge=10_000)

    #: Digital signatures of the issued forms (``onestop.signing``, docs/signatures.md): a folder
    #: holding ``<unit code>.p12`` per unit and its password in ``<unit code>.pass`` (in
    #: ``signing_password_dir`` when set, else beside it); empty: forms are issued unsigned.
    signing_dir: str = ""
    signing_password_dir: str = ""
    #: CA certificates (PEM or DER, ``*.pem``/``*.crt``/``*.cer``) a signature must chain to.
    signing_trust_dir: str = ""
    #: RFC 3161 time-stamping authority: set, signatures are PAdES-B-T; empty, PAdES-B-B.
    tsa_url: str = ""
    tsa_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    #: The stamp's font (TrueType/OpenType with every Vietnamese glyph); empty: Noto Sans, else
    #: DejaVu Sans, from the system's font folders.
    signing_stamp_font: str = ""
    #: Largest PDF the signature check accepts (bytes).
    signature_check_max_bytes: int = Field(default=1_000_000, ge=1024)
    #: Signature checks (API and ``/web/kiem-tra-chu-ky``, no login) per client address: a
    #: burst, refilled at this rate per minute, in each worker process (``http.ratelimit``).
    signature_check_per_minute: float = Field(default=10.0, gt=0)
    signature_check_burst: int = Field(default=5, ge=1)

    @model_validator(mode="after")
    def _refuse_demo_secret_in_production(self) -> Settings:
        if self.environment == "production" and (
            self.secret_key == DEMO_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError("ONESTOP_SECRET_KEY must be set to a random value of 32+ characters")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
