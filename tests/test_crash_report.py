"""A crash never prints local variables (the API key, the messages): the TUI and the
CLI write a short crash report to the config dir instead and say where it is. Both run
as a user runs them, on a pseudo-terminal, and every byte they print is searched."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import textwrap
import time
from pathlib import Path

from tests.helpers import TEST_KEY, read_until_closed

QUESTION = "a private question about my health"

# The app as `launch()` builds it, with a bug in a handler that holds the key and a
# message in its local variables.
CRASHING_TUI = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from deepseek_tui.config import Paths, Settings
    from deepseek_tui.tui import app as tui_app
    from deepseek_tui.tui.app import DeepSeekApp

    class Buggy(DeepSeekApp):
        CSS_PATH = str(Path(tui_app.__file__).parent / DeepSeekApp.CSS_PATH)

        def on_mount(self):
            key = self.api_key
            question = sys.argv[3]
            raise RuntimeError("a bug")

    paths = Paths.resolve(sys.argv[1])
    key = sys.argv[2]
    app = Buggy(paths=paths, settings=Settings(), base_url="http://127.0.0.1:9", api_key=key)
    app.run()
    sys.exit(app.return_code or 0)
    """
)

# The real `main()`, with a bug in `history` that holds the key in a local variable.
CRASHING_CLI = textwrap.dedent(
    """
    import sys
    from deepseek_tui import cli

    def buggy_history(args):
        key = sys.argv[2]
        question = sys.argv[3]
        raise RuntimeError("a bug")

    cli.run_history = buggy_history
    sys.exit(cli.main(["--config-dir", sys.argv[1], "history"]))
    """
)


def _on_terminal(script: str, *args: str, timeout: float = 60) -> tuple[int, bytes]:
    """Run `script` with stdin, stdout and stderr on a pseudo-terminal; return its exit
    status and every byte it wrote there."""
    # From a file: Textual reads an App subclass's source file (for its CSS paths).
    path = Path(args[0]).parent / "crashing.py"
    path.write_text(script)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, str(path), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    os.close(slave)
    deadline = time.monotonic() + timeout
    try:
        printed = read_until_closed(master, deadline)
        status = process.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
    return status, printed


def _check(config: Path, printed: bytes) -> str:
    """Nothing secret was printed or written; returns the crash report."""
    secret = TEST_KEY.removeprefix("sk-")[4:-4].encode()
    assert secret not in printed, printed
    assert QUESTION.encode() not in printed, printed
    reports = sorted(config.glob("crash-*.txt"))
    assert len(reports) == 1, list(config.iterdir())
    assert str(reports[0]).encode() in printed.replace(b"\r\n", b"").replace(b"\n", b"")
    assert reports[0].stat().st_mode & 0o077 == 0, "the report is the user's alone"
    report = reports[0].read_text()
    assert "RuntimeError: a bug" in report and "Traceback" in report
    assert secret.decode() not in report and QUESTION not in report
    for path in config.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path
    return report


def test_a_crash_in_the_tui_prints_no_locals_and_writes_a_report(tmp_path: Path) -> None:
    config = tmp_path / "config"
    status, printed = _on_terminal(CRASHING_TUI, str(config), TEST_KEY, QUESTION)
    assert status == 1
    assert b"crashed: RuntimeError: a bug" in printed
    _check(config, printed)


def test_a_crash_in_the_cli_prints_no_locals_and_writes_a_report(tmp_path: Path) -> None:
    config = tmp_path / "config"
    status, printed = _on_terminal(CRASHING_CLI, str(config), TEST_KEY, QUESTION)
    assert status == 1
    assert b"unexpected error: RuntimeError: a bug" in printed
    _check(config, printed)
