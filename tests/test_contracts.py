"""The import contracts of pyproject.toml (``lint-imports``) hold on the real tree, and each of them
really catches the breach it is there for: a copy of the package with one import added fails the
named contract (and only the copy is analysed: the output names the injected import)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

LAYERS = "Layers point one way"
NO_HTTP = "Domain code never imports HTTP"
NO_CYCLES = "No import cycles"
WORKTIME = "The working-time engine imports nothing of onestop"
#: A summary line of lint-imports: "<contract name> KEPT" or "... BROKEN (35 ignored imports)".
SUMMARY = re.compile(r"^(?P<name>\S.*?) (?P<verdict>KEPT|BROKEN)(?: \(\d+ ignored imports?\))?$")


def lint_imports(cwd: Path, src: Path) -> tuple[int, str, dict[str, str]]:
    """Run lint-imports on the package under ``src`` with the contracts of ``cwd``; returns the
    exit status, the whole output and each contract's verdict by name."""
    env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "COLUMNS": "1000",  # no wrapped contract names
        "NO_COLOR": "1",
    }
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    verdicts: dict[str, str] = {}
    for line in output.splitlines():
        found = SUMMARY.match(line.strip())
        if found:
            verdicts[found["name"]] = found["verdict"]
    return done.returncode, output, verdicts


def verdict(verdicts: dict[str, str], prefix: str) -> str:
    names = [n for n in verdicts if n.startswith(prefix)]
    assert len(names) == 1, (prefix, verdicts)
    return verdicts[names[0]]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """``src/onestop`` and pyproject.toml copied into ``tmp_path`` (the contracts' config)."""
    shutil.copytree(
        ROOT / "src" / "onestop",
        tmp_path / "src" / "onestop",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def inject(root: Path, module: str, line: str) -> None:
    """Add ``line`` after the ``from __future__`` import of ``module`` (still valid Python)."""
    path = root / "src" / Path(*module.split(".")).with_suffix(".py")
    text = path.read_text(encoding="utf-8")
    future = "from __future__ import annotations\n"
    assert future in text, path
    path.write_text(text.replace(future, f"{future}\n{line}\n", 1), encoding="utf-8")
    compile(path.read_text(encoding="utf-8"), str(path), "exec")


def test_the_real_tree_keeps_every_contract() -> None:
    assert LINT_IMPORTS.exists(), LINT_IMPORTS
    status, output, verdicts = lint_imports(ROOT, ROOT / "src")
    assert status == 0, output
    assert len(verdicts) >= 4, output
    assert set(verdicts.values()) == {"KEPT"}, output
    for prefix in (LAYERS, NO_HTTP, NO_CYCLES, WORKTIME):
        assert verdict(verdicts, prefix) == "KEPT"


def test_an_unchanged_copy_keeps_every_contract(copy: Path) -> None:
    """The copy on its own is clean: each breach below is the injected import's doing."""
    status, output, verdicts = lint_imports(copy, copy / "src")
    assert status == 0, output
    assert set(verdicts.values()) == {"KEPT"} and len(verdicts) >= 4, output


def test_domain_code_importing_fastapi_breaks_the_http_contract(copy: Path) -> None:
    inject(copy, "onestop.dossiers.listing", "import fastapi  # injected")
    status, output, verdicts = lint_imports(copy, copy / "src")
    assert status != 0, output
    assert verdict(verdicts, NO_HTTP) == "BROKEN", output
    assert "onestop.dossiers.listing -> fastapi" in output  # the copy was analysed
    # fastapi sits below no layer and closes no cycle: only that contract breaks
    assert verdict(verdicts, LAYERS) == verdict(verdicts, NO_CYCLES) == "KEPT", output


def test_core_importing_the_app_breaks_the_layers(copy: Path) -> None:
    inject(copy, "onestop.core.clock", "from onestop import app  # injected")
    status, output, verdicts = lint_imports(copy, copy / "src")
    assert status != 0, output
    assert verdict(verdicts, LAYERS) == "BROKEN", output
    assert "onestop.core is not allowed to import onestop.app" in output
    assert "onestop.core.clock -> onestop.app" in output


def test_a_cycle_between_metrics_packages_breaks_the_acyclic_contract(copy: Path) -> None:
    bieu06_columns = (copy / "src/onestop/metrics/bieu06/columns.py").read_text(encoding="utf-8")
    # The other half of the cycle is already there: Biểu 06 columns read the on-time rates.
    assert "from onestop.metrics.ontime import rates" in bieu06_columns
    inject(
        copy, "onestop.metrics.ontime.rates", "import onestop.metrics.bieu06.columns  # injected"
    )
    status, output, verdicts = lint_imports(copy, copy / "src")
    assert status != 0, output
    assert verdict(verdicts, NO_CYCLES) == "BROKEN", output
    assert "No cycles are allowed in onestop.metrics" in output
    assert ".ontime -> .bieu06" in output  # the injected import, found in the copy
    assert verdict(verdicts, LAYERS) == verdict(verdicts, NO_HTTP) == "KEPT", output
