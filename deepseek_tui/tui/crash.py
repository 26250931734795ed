"""What the terminal says when the TUI crashes: one line saying what happened and where
the crash report is. Textual would print a Rich traceback with every local variable
(the API key, the messages); the report (config/crash.py) has neither. Imported only
when the app crashes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from deepseek_tui.config import hide_keys, write_crash_report
from deepseek_tui.terminal import sanitize

if TYPE_CHECKING:
    from deepseek_tui.config import Paths


def crash_notice(paths: Paths, error: BaseException, key: str | None) -> Text:
    """The crash said in one line (keys hidden), then where its report went (or why
    there is none); the report is written here."""
    said = f"deepseek-tui crashed: {type(error).__name__}: {error}"
    said = sanitize(hide_keys(said, key))
    try:
        report = write_crash_report(paths, error, key=key)
    except Exception as failed:  # say the crash, even if its report failed
        where = f"(no crash report: {sanitize(str(failed))})"
    else:
        where = f"A crash report (no keys, no messages) is in {report}"
    return Text(f"{said}\n{where}")
