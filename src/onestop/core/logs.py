"""JSON-line logs with a request id on every line and personal data masked; Prometheus metrics."""

from __future__ import annotations

import contextvars
import json
import logging
import re
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

# Personal data that must never reach a log line: 9/12-digit ID numbers, phone numbers, e-mails.
_PATTERNS = [
    (re.compile(r"(?<!\d)(\d{2})\d{6,8}(\d{2})(?!\d)"), r"\1******\2"),  # ID/phone-like digit runs
    (re.compile(r"(?<![\w.])\+84\d{8,10}(?!\d)"), "+84*******"),
    (re.compile(r"([\w.+-])[\w.+-]*@([\w-]+\.[\w.]+)"), r"\1***@\2"),
]


def mask_personal_data(text: str) -> str:
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": mask_personal_data(record.getMessage()),
            "request_id": request_id_var.get(),
        }
        for key in ("method", "path", "status", "duration_ms", "actor"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = mask_personal_data(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler()
    if as_json:
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger("onestop")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
