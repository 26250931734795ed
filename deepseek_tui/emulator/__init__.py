"""A local DeepSeek API server (stdlib only) for `--demo` and for tests."""

from __future__ import annotations

from deepseek_tui.emulator.server import Emulator, Faults, RecordedRequest

__all__ = ["Emulator", "Faults", "RecordedRequest"]
