"""Domain errors. Services raise these; ``app.py`` maps them to RFC 9457 problems in one place."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class. ``code`` becomes the problem type slug; ``extra`` adds members to the problem."""

    status = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.extra = extra


class InvalidInput(DomainError):
    status = 422
    code = "invalid-input"
    title = "Invalid input"


class NotFound(DomainError):
    status = 404
    code = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class RuleViolation(Conflict):
    """A legal or workflow rule forbids the request in the current state."""

    code = "rule-violation"
    title = "Rule violation"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"
    title = "Authentication required"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class TooManyRequests(DomainError):
    status = 429
    code = "too-many-requests"
    title = "Too many requests"
