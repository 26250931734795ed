"""The tools layer without a ToolBox of its own: wire names, result text, what
importing it loads, and no server process outliving the app (kill -9 or an exit
without closing), each in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from deepseek_tui.tools.names import MAX_NAME, wire_names
from deepseek_tui.tools.results import describe_part, result_text
from tests.helpers import MCP_SERVERS as SERVERS
from tests.helpers import process_gone as gone
from tests.helpers import wait_process_gone as wait_gone

DEADLINE = 20.0
VALID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def test_wire_names_are_valid_unique_and_deterministic() -> None:
    pairs = [
        ("files", "read"),
        ("my.server", "read file"),
        ("my_server", "read_file"),  # the same once cleaned
        ("s" * 40, "t" * 40),
        ("s" * 40, "t" * 40 + "x"),  # the same once cut
    ]
    names = wire_names(pairs)
    assert names[:2] == ["files__read", "my_server__read_file"]
    assert all(VALID.fullmatch(n) and len(n) <= MAX_NAME for n in names)
    assert len(set(names)) == len(names)
    assert wire_names(pairs) == names


def test_result_parts_become_text() -> None:
    parts = [
        {"type": "text", "text": "hello"},
        {"type": "image", "data": "A" * 16384, "mimeType": "image/png"},
        {"type": "audio", "data": "AAAA", "mimeType": "audio/wav"},
        {"type": "resource", "resource": {"uri": "file:///a", "text": "inside"}},
        {"type": "resource", "resource": {"uri": "file:///b", "blob": "AAAA"}},
        {"type": "resource_link", "uri": "file:///c", "name": "c"},
    ]
    assert [describe_part(p) for p in parts] == [
        "hello",
        "[image: 12 KB png]",
        "[audio: 3 bytes wav]",
        "inside",
        "[resource: file:///b, 3 bytes unknown type]",
        "[resource link: file:///c]",
    ]
    assert result_text([], {"a": 1}) == '{"a": 1}'


def test_importing_the_tools_and_no_server_leave_mcp_out(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from deepseek_tui.config import Paths, Settings\n"
        "import deepseek_tui.tools\n"
        "from deepseek_tui.tools import ToolBox\n"
        "off = {'a': {'command': 'x', 'enabled': False}}\n"
        f"paths = Paths.resolve({str(tmp_path)!r})\n"
        "assert ToolBox.from_settings(Settings(mcp_servers=off), paths) is None\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('mcp', 'mcp_types', 'pydantic', 'anyio', 'httpx2', 'textual')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


KILLED = """
import asyncio, sys
from deepseek_tui.config import Paths, Settings
from deepseek_tui.tools import ToolBox

async def main():
    mode = ["spawner"] if "spawner" in sys.argv[3:] else []
    one = {"command": sys.executable, "args": [sys.argv[1], *mode], "tool_timeout_sec": 3600}
    servers = {"one": one}
    box = ToolBox.from_settings(Settings(mcp_servers=servers), Paths.resolve(sys.argv[2]))
    await box.start()
    print((await box.call("one__pid", {})).text, flush=True)
    if "busy" in sys.argv[3:]:
        await box.call("one__busy", {})

asyncio.run(main())
"""


def test_no_server_outlives_the_app_killed_with_sigkill(tmp_path: Path) -> None:
    # The server is busy in a call, deaf to its stdin's end: only the launcher's
    # PR_SET_PDEATHSIG stops it when the app dies without a word. And a process the
    # server started (as npx starts node) goes with it: it was left running.
    script = [KILLED, str(SERVERS / "plain_server.py"), str(tmp_path), "busy", "spawner"]
    app = subprocess.Popen(
        [sys.executable, "-c", *script],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    log = tmp_path / "logs" / "mcp-one.log"
    try:
        pid, grandchild = map(int, app.stdout.readline().split())  # type: ignore[union-attr]
        deadline = time.monotonic() + DEADLINE
        while not log.exists() or "plain_server: busy" not in log.read_text():
            assert time.monotonic() < deadline, "the call never reached the server"
            time.sleep(0.05)
        assert not gone(pid) and not gone(grandchild)
    finally:
        app.kill()
        app.wait()
    wait_gone(pid)
    wait_gone(grandchild)


def test_no_server_outlives_an_app_that_exits_without_closing(tmp_path: Path) -> None:
    code = KILLED
    done = subprocess.run(
        [sys.executable, "-c", code, str(SERVERS / "plain_server.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    pid = int(done.stdout.split()[0])
    wait_gone(pid)
    # It said nothing on stderr: no log file is made for it.
    assert not os.path.exists(tmp_path / "logs" / "mcp-one.log")
