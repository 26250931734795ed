"""Runs an MCP server's command so that it dies with us: `python -I -S launcher.py
PARENT_PID COMMAND [ARGS…]` asks Linux to SIGKILL it when its parent goes (even by
kill -9, which runs none of our clean-up), then becomes the command (exec: same pid).
Stdlib only and no site: it adds a few milliseconds to a server's start."""

from __future__ import annotations

import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main(argv: list[str]) -> None:
    parent, command = int(argv[0]), argv[1:]
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the process group and stdin's end remain
        pass
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the prctl: nobody would ever stop us
    try:
        os.execvp(command[0], command)
    except OSError as error:
        print(f"cannot run {command[0]}: {error.strerror or error}", file=sys.stderr, flush=True)
        os._exit(127)


if __name__ == "__main__":
    main(sys.argv[1:])
