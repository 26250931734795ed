"""The debug log a user can attach to a bug report: request ids, timings, retries and
errors from the wire, in `debug.log` in the config dir (0600). Never a key; message
text only when asked for (`--debug-text`, `DEEPSEEK_TUI_DEBUG=text`).

The wire logs through `logging.getLogger(WIRE)` (text through `TEXT`) and knows
nothing of files; the front door calls `start_debug_log` once.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any, Literal

from deepseek_tui import __version__
from deepseek_tui.config import Paths, hide_keys, remember_key

ENV_DEBUG = "DEEPSEEK_TUI_DEBUG"  # also makes the CLI show tracebacks (cli.ENV_DEBUG)
LOG_NAME = "debug.log"
ROOT = "deepseek_tui"
WIRE = "deepseek_tui.wire"
# Message text (the request's messages, the answer): logged only when asked for.
TEXT = "deepseek_tui.wire.text"
# One old log is kept beside the current one; together at most ~10 MB.
MAX_BYTES = 5_000_000

DebugMode = Literal["on", "text"]


def debug_mode(
    *, flag: bool = False, text: bool = False, environ: Mapping[str, str] = os.environ
) -> DebugMode | None:
    """What the command line and `$DEEPSEEK_TUI_DEBUG` ask for: None (no log), "on"
    (no message text) or "text"."""
    value = environ.get(ENV_DEBUG, "").strip().lower()
    if text or value == "text":
        return "text"
    if flag or value not in ("", "0", "no", "off", "false"):
        return "on"
    return None


class _PrivateFile(logging.handlers.RotatingFileHandler):
    """A rotating log file created owner-only (0600) from its first byte."""

    def _open(self) -> IO[Any]:
        def opener(path: str, flags: int) -> int:
            return os.open(path, flags, 0o600)

        stream = open(self.baseFilename, self.mode, encoding=self.encoding, opener=opener)  # noqa: SIM115
        os.chmod(self.baseFilename, 0o600)  # a file left by an older run may be wider
        return stream


class _HideKeys(logging.Filter):
    """Masks keys in every line (`config.hide_keys`): every key the process knows at
    the time of the line (`remember_key`), header values, and anything shaped like a
    key, wherever a message or an error carried it."""

    def __init__(self, keys: Iterable[str]) -> None:
        super().__init__()
        for key in keys:
            remember_key(key)

    def hide(self, text: str) -> str:
        return hide_keys(text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.hide(record.getMessage())
        record.args = None
        if record.exc_info:
            # A traceback without locals, masked like the rest.
            record.exc_text = self.hide(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def start_debug_log(paths: Paths, mode: DebugMode, *, keys: Iterable[str] = ()) -> Path:
    """Send the app's log records to `debug.log` in the config dir and return its
    path. `keys`: the API keys known, masked wherever they show up (whatever their
    shape; anything shaped like a DeepSeek key is masked anyway)."""
    paths.ensure_dir()
    path = paths.dir / LOG_NAME
    handler = _PrivateFile(path, maxBytes=MAX_BYTES, backupCount=1, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter(
            "%(asctime)s.%(msecs)03d %(levelname)-7s %(name)s: %(message)s",
            datefmt="%Y-%m-%d %H:%M:%S",
        )
    )
    handler.addFilter(_HideKeys(keys))
    root = logging.getLogger(ROOT)
    for old in [h for h in root.handlers if isinstance(h, _PrivateFile)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # Text is on its own logger so the wire need not know whether it may log it.
    logging.getLogger(TEXT).setLevel(logging.DEBUG if mode == "text" else logging.CRITICAL + 1)
    logging.getLogger(ROOT).info(
        "deepseek-tui %s, debug log started (%s)",
        __version__,
        "with message text" if mode == "text" else "no message text",
    )
    return path
