"""The OpenAPI document as a client generator needs it: what FastAPI derives from the routes,
completed with what it cannot know.

- Operation ids are the route functions' names (``create_dossier``, ``list_dossier_events``):
  ``operation_id`` is the app's ``generate_unique_id_function``.
- Each operation's error responses list, per status, the problem types it can return
  (``http.problem_types``, declared once), each response's media type ``application/problem+json``
  with the ``Problem`` schema, whose extra members are declared.
- Files (PDF, XLSX, CSV) are binary strings; ``Retry-After`` and ``WWW-Authenticate`` are
  declared where they are sent; the OAuth2 scheme lists the rights as scopes; a server entry.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from onestop.http.problem_types import (
    MEMBERS,
    PROBLEM_TYPES,
    Operation,
    ProblemType,
    returned_by,
)
from onestop.http.problems import PROBLEM_MEDIA_TYPE

PROBLEM_REF = "#/components/schemas/Problem"
#: Media types served as files.
BINARY_MEDIA = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/csv",
)
SERVERS = [{"url": "/", "description": "This onestop server (same origin)"}]
STATUS_TITLES = {
    400: "Malformed request",
    401: "Authentication required or token invalid",
    403: "The caller lacks the right or the unit scope",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Request body too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Unexpected error (logged with the request id)",
    503: "Unavailable for a moment",
}
RESPONSE_HEADERS = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    503: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
}
#: FastAPI's own validation error schemas, replaced by the problems.
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def operation_id(route: APIRoute) -> str:
    """The operation id: the route function's name (unique across the API)."""
    return route.name


def install(app: FastAPI, scopes: dict[str, str]) -> None:
    """``app.openapi()`` answers the completed document (built once); ``scopes`` are the OAuth2
    scopes a token may carry, with their meaning."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(plain(), scopes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(doc: dict[str, Any], scopes: dict[str, str]) -> dict[str, Any]:
    doc["servers"] = SERVERS
    schemas = doc["components"]["schemas"]
    for name in FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    schemas.update(problem_schemas())
    for flow in doc["components"]["securitySchemes"]["OAuth2"]["flows"].values():
        flow["scopes"] = dict(scopes)
    for path, item in doc["paths"].items():
        for operation in item.values():
            _complete_operation(path, operation)
    return doc


def _complete_operation(path: str, operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", ()):
        _format_inside_any_of(parameter["schema"])
    responses = operation["responses"]
    if _is_fastapi_validation_error(responses.get("422")):
        del responses["422"]
    for response in responses.values():
        for media, content in response.get("content", {}).items():
            if media in BINARY_MEDIA:
                content["schema"] = {"type": "string", "format": "binary"}
    for status, types in returned_by(_facts(path, operation)).items():
        # A response the route declares itself stays (readiness answers its 503 in its own shape).
        responses.setdefault(str(status), problem_response(status, types))


def _format_inside_any_of(schema: dict[str, Any]) -> None:
    """An optional date or instant parameter (``str | None`` with a format) carries its format
    on the string itself, where generators look for it (``date``, ``datetime``)."""
    fmt = schema.get("format")
    if fmt is None or "anyOf" not in schema:
        return
    del schema["format"]
    for branch in schema["anyOf"]:
        if branch.get("type") == "string":
            branch["format"] = fmt


def _is_fastapi_validation_error(response: dict[str, Any] | None) -> bool:
    schema = (response or {}).get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def _facts(path: str, operation: dict[str, Any]) -> Operation:
    return Operation(
        operation_id=operation["operationId"],
        path=path,
        media=frozenset(operation.get("requestBody", {}).get("content", {})),
        parameters=frozenset(p["name"] for p in operation.get("parameters", ())),
        authenticated=any("OAuth2" in s for s in operation.get("security", ())),
    )


def problem_response(status: int, types: list[ProblemType]) -> dict[str, Any]:
    """The response of one error status: its problem types named in the description, one
    example of each."""
    lines = [f"{STATUS_TITLES.get(status, HTTPStatus(status).phrase)}. Problem types:", ""]
    lines += [f"- `/problems/{t.code}`" + (f": {t.about}" if t.about else "") for t in types]
    examples = {
        t.code: {
            "summary": t.title,
            "value": {"type": f"/problems/{t.code}", "title": t.title, "status": status},
        }
        for t in types
    }
    response: dict[str, Any] = {
        "description": "\n".join(lines),
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}, "examples": examples}},
    }
    if status in RESPONSE_HEADERS:
        response["headers"] = RESPONSE_HEADERS[status]
    return response


def problem_schemas() -> dict[str, Any]:
    """``Problem`` (RFC 9457, with every extra member a problem type may carry) and the field
    error of its ``errors``."""
    text = {"type": "string"}
    return {
        "Problem": {
            "title": "Problem",
            "description": "RFC 9457 problem details. `type` is `/problems/<code>`; each operation"
            " names the types it can return, and each type which extra members it carries.",
            "type": "object",
            "additionalProperties": True,
            "required": ["type", "title", "status"],
            "properties": {
                "type": {**text, "description": "`/problems/<code>`, e.g. /problems/not-found"},
                "title": text,
                "status": {"type": "integer"},
                "detail": {**text, "description": "Vietnamese, then English in brackets"},
                "instance": {**text, "description": "The request path"},
                "request_id": {**text, "description": "Quote it to an administrator"},
                **{name: _member(name, schema) for name, schema in MEMBERS.items()},
            },
        },
        "ProblemFieldError": {
            "title": "ProblemFieldError",
            "description": "A field at fault: its place (`body`, `query`, `path` then names"
            " or indexes), the message and the kind of error",
            "type": "object",
            "required": ["loc", "msg", "type"],
            "properties": {
                "loc": {"type": "array", "items": {"anyOf": [text, {"type": "integer"}]}},
                "msg": text,
                "type": text,
            },
        },
    }


def _member(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    carriers = [t.code for t in PROBLEM_TYPES if name in t.members]
    about = schema.get("description", "")
    return {**schema, "description": f"{about} ({', '.join(carriers)})".strip()}
