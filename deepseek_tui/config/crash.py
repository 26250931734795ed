"""The crash report: what a bug report needs, written to the config dir, keys masked."""

from __future__ import annotations

import os
from pathlib import Path

from deepseek_tui.config.credentials import hide_keys
from deepseek_tui.config.files import Paths


def write_crash_report(paths: Paths, error: BaseException, *, key: str | None = None) -> Path:
    """Write what a bug report needs about `error` to a new file in the config dir and
    return its path: the version, the platform and the traceback, without local
    variables (they hold keys and messages) and with keys masked."""
    import platform
    import time
    import traceback

    from deepseek_tui import __version__

    lines = [
        f"deepseek-tui {__version__} crashed at {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"Python {platform.python_version()} on {platform.platform()}",
        "",
        *traceback.format_exception(error),
    ]
    report = hide_keys("".join(line if line.endswith("\n") else line + "\n" for line in lines), key)
    paths.ensure_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    for attempt in range(100):
        path = paths.dir / f"crash-{stamp}{f'-{attempt}' if attempt else ''}.txt"
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as file:
            file.write(report)
        return path
    raise FileExistsError(f"Cannot create a crash report in {paths.dir}.")  # pragma: no cover
