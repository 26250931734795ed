"""For bug reports: --debug's log (debuglog.py) and the crash report of an unexpected
error, written by `main`."""

from __future__ import annotations

import argparse
import contextlib
import os

from deepseek_tui.cli.output import _say
from deepseek_tui.config import Paths, Settings, load_api_key, load_settings

ENV_DEBUG = "DEEPSEEK_TUI_DEBUG"


def _start_debug_log(args: argparse.Namespace) -> None:
    """`--debug`, `--debug-text` or $DEEPSEEK_TUI_DEBUG: the log for bug reports
    (debuglog.py); the TUI runs in this process, so this serves it too."""
    if not (args.debug or args.debug_text or os.environ.get(ENV_DEBUG)):
        return  # the common case: not even `logging` is imported
    from deepseek_tui.debuglog import debug_mode, start_debug_log

    mode = debug_mode(flag=args.debug, text=args.debug_text)
    if mode is None:
        return
    paths = Paths.resolve(getattr(args, "config_dir", None))
    keys = [os.environ.get(name, "") for name in ("DEEPSEEK_API_KEY", "SEGMIND_API_KEY")]
    # Every profile's key, a gateway's `key_env` and stored one too: one echoed by a
    # server, or by httpx, is masked even before that profile is used.
    settings = Settings()
    with contextlib.suppress(Exception):
        settings = load_settings(paths)
    for provider in settings.provider_names():
        for environ in (None, {}):  # the environment's key and the stored one
            with contextlib.suppress(Exception):
                found = load_api_key(
                    paths, provider, environ=environ, key_env=settings.profile(provider).key_env
                )
                keys.append(found.value if found else "")
    try:
        path = start_debug_log(paths, mode, keys=keys)
    except OSError as error:
        _say(f"no debug log: {error.strerror or error}")
        return
    import logging

    logging.getLogger("deepseek_tui").info("command: %s", args.command or "chat")
    _say(f"debug log: {path}")


def _crashed(args: argparse.Namespace, error: Exception) -> str:
    """Write a crash report (no local variables, keys masked) to the config dir and
    say what happened and where the report is."""
    from deepseek_tui.config import hide_keys, write_crash_report

    said = hide_keys(f"unexpected error: {type(error).__name__}: {error}")
    try:
        report = write_crash_report(Paths.resolve(getattr(args, "config_dir", None)), error)
    except Exception:  # a crash while reporting one: say what we can
        return f"{said} (set {ENV_DEBUG}=1 to see the details)"
    return f"{said}; a crash report is in {report}"
