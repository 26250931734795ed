"""The tools layer without a ToolBox of its own: wire names, result text, what
importing it loads, and no server process outliving the app (kill -9 or an exit
without closing), each in a subprocess."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from deepseek_tui.tools import launcher
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


CLOSED = """
import asyncio, sys
from deepseek_tui.config import Paths, Settings
from deepseek_tui.tools import ToolBox

async def main():
    one = {"command": sys.executable, "args": [sys.argv[1], "spawner"]}
    box = ToolBox.from_settings(Settings(mcp_servers={"one": one}), Paths.resolve(sys.argv[2]))
    await box.start()
    print((await box.call("one__pid", {})).text, flush=True)
    await box.aclose()

asyncio.run(main())
"""


def test_a_servers_own_process_goes_when_the_box_is_closed(tmp_path: Path) -> None:
    # The server exits at its stdin's end, within the SDK's grace: the SDK then
    # signals no group, and the process it started was left running.
    done = subprocess.run(
        [sys.executable, "-c", CLOSED, str(SERVERS / "plain_server.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    pid, grandchild = map(int, done.stdout.split())
    try:
        wait_gone(pid)
        wait_gone(grandchild)
    finally:
        if not gone(grandchild):
            os.kill(grandchild, signal.SIGKILL)


def _launched(*command: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-I", "-S", launcher.__file__, str(os.getpid()), *command],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def test_the_command_starts_with_sigpipe_as_a_shell_gives_it() -> None:
    # Python ignores SIGPIPE and SIGXFSZ, and an ignored signal stays so across exec.
    out, _ = _launched("grep", "SigIgn", "/proc/self/status").communicate(timeout=30)
    ignored = int(out.split()[1], 16)
    assert not ignored & (1 << (signal.SIGPIPE - 1) | 1 << (signal.SIGXFSZ - 1))


def test_a_sigterm_right_after_the_fork_still_reaches_the_command() -> None:
    # Sent to the launcher alone as soon as its child is there: before the handler
    # that passes it on was set, it killed the launcher and left the command running
    # (most tries did). Held during the fork now, then passed on.
    for _ in range(10):
        process = _launched("sleep", "3600")
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        deadline = time.monotonic() + DEADLINE
        while not (kids := children.read_text().split()):
            assert time.monotonic() < deadline, "the launcher never forked"
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=DEADLINE)
        process.stdin.close()  # type: ignore[union-attr]
        process.stdout.close()  # type: ignore[union-attr]
        try:
            wait_gone(int(kids[0]), deadline=5.0)
        finally:
            if not gone(int(kids[0])):
                os.kill(int(kids[0]), signal.SIGKILL)


HOST = """
import os, subprocess, sys
launcher = sys.argv[1]
done = subprocess.run([sys.executable, "-I", "-S", launcher, str(os.getpid()), "/bin/true"])
print("alive", done.returncode, flush=True)
"""


def test_a_launcher_that_leads_no_group_of_its_own_signals_none(tmp_path: Path) -> None:
    # Started outside a session of its own, the group is its parent's: signalling it
    # once the command exited took the parent down with it.
    host = subprocess.run(
        [sys.executable, "-c", HOST, launcher.__file__],
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,  # whatever the launcher signals stays in here
    )
    assert host.stdout.strip() == "alive 0", (host.returncode, host.stderr)
