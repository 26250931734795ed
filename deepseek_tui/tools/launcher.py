"""Runs an MCP server's command so that it, and every process it starts, dies with us:
`python -I -S launcher.py PARENT_PID COMMAND [ARGS…]`.

The SDK starts this as the leader of a process group of its own, and on a clean
close signals that whole group. When our process dies without a word (kill -9, which
runs none of our clean-up), Linux signals this launcher (PR_SET_PDEATHSIG), which
kills the group: the command and what it started — `npx` runs node, `uvx` python,
and killing the command alone left those running. So the launcher stays, as the
command's parent, holding none of its pipes, and exits with it; what the command
left running is sent SIGTERM then (on a clean close the SDK signals the group only
when the command outlives stdin's end). Stdlib only and no site: it adds a few
milliseconds to a server's start."""

from __future__ import annotations

import contextlib
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
# What Linux sends us when our parent goes: caught, it kills the group.
PARENT_GONE = signal.SIGUSR1
# Sent to the launcher alone (not to the group): passed on to the command.
PASSED_ON = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def main(argv: list[str]) -> None:
    parent, command = int(argv[0]), argv[1:]
    signal.signal(PARENT_GONE, _kill_the_group)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, PARENT_GONE, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the process group and stdin's end remain
        pass
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the prctl: nobody would ever stop us
    if os.getpgrp() != os.getpid():
        # Not the leader of a group of our own (the SDK starts us as one): the group
        # is our parent's, never ours to signal: become the command (SIGUSR1 at its
        # default still ends it with our parent).
        _become(command)
    # Held from the fork until they are passed on: one that came between left the
    # command running without its parent.
    signal.pthread_sigmask(signal.SIG_BLOCK, PASSED_ON)
    child = os.fork()
    if child == 0:
        # As a shell would start it: Python ignores SIGPIPE and SIGXFSZ, and an
        # ignored signal (and the mask) stays so across exec.
        for number in (PARENT_GONE, signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(number, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, PASSED_ON)
        _become(command)
    # The pipes are the command's alone: its stdout ends when it exits.
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(quiet, fd)
    for number in PASSED_ON:
        signal.signal(number, lambda number, _frame: _pass_on(child, number))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, PASSED_ON)
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except ChildProcessError:
            os._exit(1)
    # What the command started and left running goes with it (we are in the group).
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.killpg(0, signal.SIGTERM)
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)


def _become(command: list[str]) -> None:
    try:
        os.execvp(command[0], command)
    except OSError as error:
        print(f"cannot run {command[0]}: {error.strerror or error}", file=sys.stderr)
        sys.stderr.flush()
        os._exit(127)


def _kill_the_group(_number: int, _frame: object) -> None:
    os.killpg(0, signal.SIGKILL)  # the command, what it started, and us


def _pass_on(child: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(child, number)


if __name__ == "__main__":
    main(sys.argv[1:])
