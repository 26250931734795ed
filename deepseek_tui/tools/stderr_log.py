"""A server's stderr: into a bounded log file in the config dir, never to the terminal
(in the TUI that is the screen), and its last line kept to say why it failed."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import IO

from deepseek_tui.timestamps import now_iso

LOG_LIMIT = 256 * 1024  # bytes of one run's stderr kept; a flooding server is cut
_TAIL = 4096


class StderrLog:
    """A pipe whose write end a server's stderr takes (`writer`); a thread copies
    what comes to `path` (the previous run's log moved to `*.old.log`) up to
    LOG_LIMIT bytes, and keeps the last non-empty line (`last_line`). The file is made
    at the first byte: a server that says nothing leaves no log (nor a logs folder)."""

    def __init__(self, path: Path, *, limit: int = LOG_LIMIT) -> None:
        self.path = path
        self._limit = limit
        self._tail = b""
        self._lock = threading.Lock()
        read_fd, write_fd = os.pipe()
        self.writer: IO[str] = os.fdopen(write_fd, "w")
        self._log: IO[bytes] | None = None
        self._thread = threading.Thread(
            target=self._pump, args=(read_fd,), name=f"stderr {path.name}", daemon=True
        )
        self._thread.start()

    def _open_log(self) -> IO[bytes] | None:
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                os.replace(self.path, self.path.with_suffix(".old.log"))
            log = open(self.path, "wb")  # noqa: SIM115 - the pump thread closes it
            log.write(f"--- started {now_iso()}\n".encode())
            log.flush()
            return log
        except OSError:
            return None  # no log file: the last line is still kept

    def close_writer(self) -> None:
        """Our copy of the write end: closed once the server has it, so the pump sees
        the end when the server's goes."""
        with contextlib.suppress(OSError):
            self.writer.close()

    @property
    def last_line(self) -> str:
        with self._lock:
            tail = self._tail
        for line in reversed(tail.decode("utf-8", "replace").splitlines()):
            if line.strip():
                return line.strip()[:300]
        return ""

    def _pump(self, fd: int) -> None:
        written = 0
        opened = False
        try:
            while chunk := os.read(fd, 65536):
                with self._lock:
                    self._tail = (self._tail + chunk)[-_TAIL:]
                if not opened:
                    opened, self._log = True, self._open_log()
                if self._log is None or written >= self._limit:
                    continue
                kept = chunk[: self._limit - written]
                written += len(kept)
                with contextlib.suppress(OSError):
                    self._log.write(kept)
                    if written >= self._limit:
                        self._log.write(b"\n--- more stderr, not kept (the log is full)\n")
                    self._log.flush()
        except OSError:
            pass
        finally:
            os.close(fd)
            if self._log is not None:
                with contextlib.suppress(OSError):
                    self._log.close()

    def wait_closed(self, timeout: float) -> None:
        """Until the server's end of the pipe has closed and all it wrote is read."""
        self._thread.join(timeout)
