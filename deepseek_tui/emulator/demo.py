"""The emulator as `--demo` runs it: in-process, paced so the stream is visible."""

from __future__ import annotations

import os

from deepseek_tui.emulator.server import Emulator, Faults

DEMO_KEY = "sk-demo-offline"
# Seconds between the demo emulator's chunks: slow enough to watch it stream.
DEMO_TOKEN_DELAY = 0.004
ENV_DEMO_DELAY = "DEEPSEEK_TUI_DEMO_DELAY"


def demo_emulator() -> Emulator:
    """An emulator on a free loopback port (not started: use it as a context manager)."""
    delay = float(os.environ.get(ENV_DEMO_DELAY, DEMO_TOKEN_DELAY))
    return Emulator(faults=Faults(token_delay=delay))
