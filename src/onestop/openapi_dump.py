"""Prints the OpenAPI document the app serves (``make openapi`` writes it to openapi/)."""

from __future__ import annotations

import json
import sys
from typing import Any

from onestop.app import create_app
from onestop.core.settings import Settings


def openapi_document() -> dict[str, Any]:
    app = create_app(Settings(database_url="sqlite+aiosqlite://", environment="test"))
    return app.openapi()


def render() -> str:
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
