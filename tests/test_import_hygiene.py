"""Importing the core leaves Textual out (and the wire leaves SQLite out): the layers
hold at run time, not only in import-linter's reading of the source. Each check runs
in a fresh interpreter, since this one has long imported everything."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def modules_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running `statement`."""
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_the_core_imports_no_textual() -> None:
    loaded = modules_after(
        "import deepseek_tui.session, deepseek_tui.api, deepseek_tui.store, "
        "deepseek_tui.export, deepseek_tui.markdown, deepseek_tui.cli"
    )
    assert "textual" not in top_level(loaded)
    assert not any(name.startswith("deepseek_tui.tui") for name in loaded)


@pytest.mark.parametrize(
    "statement",
    [
        "import deepseek_tui.api",
        "from deepseek_tui.api.providers import client_for; import deepseek_tui.api.client",
        "import deepseek_tui.api.segmind",
    ],
)
def test_the_wire_imports_no_textual_and_no_sqlite(statement: str) -> None:
    loaded = top_level(modules_after(statement))
    assert "textual" not in loaded
    assert "sqlite3" not in loaded and "_sqlite3" not in loaded
    assert not {"deepseek_tui.store", "deepseek_tui.session"} & modules_after(statement)


def test_the_api_package_leaves_httpx_for_the_first_client() -> None:
    # The TUI's first paint should not wait for httpx (~0.1 s).
    assert "httpx" not in top_level(modules_after("import deepseek_tui.api"))
