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
