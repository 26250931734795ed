"""What the commands write: stdout byte-exact when piped and made inert on a terminal
(`_Output`), a failure as one line on stderr (`CliError`, `_say`), cells that fit."""

from __future__ import annotations

import sys

PROG = "deepseek-tui"


class CliError(Exception):
    """A failure to report as one line on stderr, with an exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def _say(message: str) -> None:
    """One line on stderr. It may carry text from outside (a server's error body, a
    file's id, a theme's name): control characters are shown, never run, and every
    key the process knows is masked."""
    from deepseek_tui.config import hide_keys
    from deepseek_tui.terminal import sanitize

    print(f"{PROG}: {sanitize(hide_keys(message), name=True)}", file=sys.stderr)


def _fail(message: str, status: int = 1) -> int:
    _say(message)
    return status


class _Output:
    """Writes text as UTF-8, whatever the locale, and flushes at once: byte-exact to a
    pipe or a file; on a terminal made inert (`sanitize`), so a model's or a file's
    escape sequences are shown, never run (no clipboard write, no title, no reply
    typed into the shell)."""

    def __init__(self, stream: object) -> None:
        self._stream = stream
        self._buffer = getattr(stream, "buffer", None)
        self._last = "\n"
        self._inert = _on_terminal(stream)

    def write(self, text: str) -> None:
        self._emit(self._inert_text(text))

    def _emit(self, text: str) -> None:
        if not text:
            return
        if self._buffer is not None:
            self._buffer.write(text.encode("utf-8", "surrogateescape"))
            self._buffer.flush()
        else:
            self._stream.write(text)  # type: ignore[attr-defined]
            self._stream.flush()  # type: ignore[attr-defined]
        self._last = text[-1]

    def end_line(self) -> None:
        if self._last != "\n":
            self.write("\n")

    def end_line_if_tty(self) -> None:
        # Piped output stays byte-exact; a terminal gets its prompt on a new line.
        isatty = getattr(self._stream, "isatty", None)
        if isatty is not None and isatty():
            self.end_line()

    def write_styled(self, text: str, sgr: str) -> None:
        """`text` in the SGR style `sgr`, reset at once after it: the terminal is never
        left styled between writes (Ctrl-C, an error, or the answer on stdout next)."""
        if text:
            self._emit(f"{_CSI}{sgr}m{self._inert_text(text)}{_CSI}0m")
            self._last = text[-1]

    def _inert_text(self, text: str) -> str:
        from deepseek_tui.terminal import sanitize

        return sanitize(text) if self._inert else text


_CSI = "\x1b["


def _on_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except ValueError:  # a closed stream
        return False


def _fit(text: str, width: int) -> str:
    """One line of at most `width` cells, its control characters made visible."""
    from deepseek_tui.terminal import sanitize

    text = " ".join(sanitize(text, name=True).split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _terminal_width() -> int:
    """Room for a line: the terminal's width, or no limit when piped."""
    import shutil

    if not sys.stdout.isatty():
        return 10_000
    return shutil.get_terminal_size((100, 24)).columns
