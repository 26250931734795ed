"""`deepseek-tui emulator`: the built-in server from the command line, with --api-key
so a real 401 can be produced."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys

from tests.helpers import DEADLINE, run

RIGHT = "sk-test-emulator-right-0000"
WRONG = "sk-test-emulator-wrong-0000"


def test_the_emulator_accepts_only_the_keys_it_is_given(tmp_path) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "deepseek_tui", "emulator", "--port", "0", "--api-key", RIGHT],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "DEEPSEEK_TUI_CONFIG_DIR": str(tmp_path / "server")},
    )
    try:
        ready, _, _ = select.select([server.stdout], [], [], DEADLINE * 3)
        assert ready, "the emulator printed no URL"
        assert server.stdout is not None
        base_url = server.stdout.readline().decode().strip()
        assert base_url.startswith("http://127.0.0.1:")

        def ask(key: str) -> subprocess.CompletedProcess[bytes]:
            return run(
                "--config-dir", str(tmp_path / "client"), "ask", "--base-url", base_url,
                "echo: let me in", env={"DEEPSEEK_API_KEY": key},
            )  # fmt: skip

        refused = ask(WRONG)
        assert refused.returncode == 1 and b"HTTP 401" in refused.stderr
        accepted = ask(RIGHT)
        assert accepted.returncode == 0 and accepted.stdout == b"let me in"
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=DEADLINE * 3)
