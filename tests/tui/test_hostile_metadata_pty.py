"""No escape from a metadata server reaches the terminal (issue 19 §1): the real app
in a pseudo-terminal opens ^o, ^s (its balance line, "Test key") and the palette's
"Show balance" against ids, currencies and errors holding OSC 2 (title), OSC 52
(clipboard), BEL and C1 CSI, and a config `model` holding OSC 2; every byte the
terminal got is searched for them."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import tomli_w

from deepseek_tui.emulator import Emulator, Faults
from tests.helpers import TEST_KEY


def osc(marker: str) -> str:
    """`marker` (to wait for, where a long name keeps its start), then the escapes."""
    return f"{marker}\x1b]2;PWNED\x07\x1b]52;c;UFdORUQ=\x07\x9b6n"


class Pty:
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the app, as a user starts it
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
            os.execve(argv[0], argv, env)
        self.got = b""
        self.mark = 0  # where the output since the last key press starts

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        """Until `text` is drawn after the last key press."""
        deadline = time.monotonic() + timeout
        while text.encode() not in self.got[self.mark :]:
            assert time.monotonic() < deadline, f"{text!r} never drawn"
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                self.got += os.read(self.fd, 1 << 16)

    def press(self, keys: bytes) -> None:
        self.mark = len(self.got)
        os.write(self.fd, keys)

    def back_to_the_chat(self) -> None:
        """Esc, and wait for the chat to be drawn again (a key sent at once after Esc
        would be read with it as alt+key)."""
        self.press(b"\x1b")
        self.wait_for("pick the model")  # the empty chat, under the dialog

    def close(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def test_no_escape_from_models_balance_or_config_reaches_the_terminal(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    ids = [{"id": "deepseek-chat"}, {"id": osc("ID-MODEL")}]
    balance = {
        "is_available": True,
        "balance_infos": [{"currency": osc("CUR"), "total_balance": "1.5"}],
    }
    env = {**os.environ, "DEEPSEEK_API_KEY": TEST_KEY, "TERM": "xterm-256color"}
    env["DEEPSEEK_TUI_CONFIG_DIR"] = str(config)
    with Emulator() as emulator:
        # The URL saved, not --base-url: "Test key" tests the form's URL.
        deepseek = {"model": osc("CFG-MODEL"), "base_url": emulator.base_url}
        (config / "config.toml").write_text(tomli_w.dumps({"providers": {"deepseek": deepseek}}))
        emulator.faults = Faults(
            models_body=json.dumps({"data": ids}), balance_body=json.dumps(balance)
        )
        app = Pty([sys.executable, "-m", "deepseek_tui"], env)
        try:
            app.wait_for("CFG-MODEL")  # the status bar: the chat is up
            app.press(b"\x0f")  # ^o: the model picker lists /models
            app.wait_for("type to filter")
            # The id filtered to the top; ^r asks /models again (opened at once, the
            # picker can be ahead of the chat's client and list only the known ids).
            app.press(b"ID-M\x12")
            app.wait_for("ID-MODEL")
            app.back_to_the_chat()
            app.press(b"\x13")  # ^s: the balance line, the config's model
            app.wait_for("1.5 CUR")
            app.wait_for("CFG-MODEL")
            error = {"error": {"message": osc("ERR-400"), "type": "x"}}
            emulator.faults = Faults(models_body=json.dumps(error), models_status=400)
            app.press(b"\x14")  # ^t: Test key, the server's 400 words
            app.wait_for("ERR-400")
            balance["balance_infos"][0]["currency"] = osc("PAL")
            emulator.faults = Faults(balance_body=json.dumps(balance))
            app.back_to_the_chat()
            app.press(b"\x10")  # ^p: the palette's "Show balance" notice
            app.wait_for("Search")
            app.press(b"Show balance")
            app.wait_for("what is left")
            app.press(b"\r")
            app.wait_for("1.5 PAL")
        finally:
            app.close()
    assert b"\x1b]2;PWNED" not in app.got
    assert b"\x1b]52;" not in app.got
    # Textual's own OSC 22 (the mouse pointer's shape) ends with BEL; no other may.
    assert b"\x07" not in re.sub(rb"\x1b\]22;[a-z-]*\x07", b"", app.got)
    assert "\x9b".encode() not in app.got
