"""onestop.worktime is a pure library: it imports nothing else from onestop and no web/DB stack."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import onestop.worktime

PACKAGE = Path(onestop.worktime.__file__).parent
FORBIDDEN_ROOTS = {"fastapi", "starlette", "sqlalchemy", "pydantic", "pydantic_settings"}


def test_sources_import_only_the_allowed_modules() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                assert root not in FORBIDDEN_ROOTS, f"{path.name} imports {name}"
                if root == "onestop":
                    assert name.startswith("onestop.worktime"), f"{path.name} imports {name}"


def test_importing_the_package_loads_no_web_or_db_stack() -> None:
    code = (
        "import sys, onestop.worktime as w; w.load_calendar(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        f"set({sorted(FORBIDDEN_ROOTS)!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
