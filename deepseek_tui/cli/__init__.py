"""The front door: the TUI by default, and the `ask`, `history`, `export`, `import`,
`key`, `balance`, `mcp` and `emulator` subcommands.

Errors end as one plain line on stderr and exit status 1 (2 for usage errors),
never a traceback. Heavy imports (Textual, httpx, the emulator) happen only in the
command that needs them, so `--version` and `--help` stay instant.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence

from deepseek_tui.cli.ask import run_ask
from deepseek_tui.cli.balance import run_balance
from deepseek_tui.cli.debug import ENV_DEBUG, _crashed, _start_debug_log
from deepseek_tui.cli.emulator import run_emulator
from deepseek_tui.cli.history import run_export, run_history, run_import
from deepseek_tui.cli.key import run_key
from deepseek_tui.cli.mcp import run_mcp
from deepseek_tui.cli.output import PROG, CliError, _fail
from deepseek_tui.cli.parser import _check_values, build_parser, parse
from deepseek_tui.cli.tui import run_tui
from deepseek_tui.config import ConfigError


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parse(parser, argv)
    try:
        _check_values(args, parser)
        _start_debug_log(args)
        if args.command == "ask":
            return run_ask(args, parser)
        if args.command == "history":
            return run_history(args)
        if args.command == "export":
            return run_export(args)
        if args.command == "import":
            return run_import(args)
        if args.command == "key":
            return run_key(args)
        if args.command == "balance":
            return run_balance(args)
        if args.command == "mcp":
            return run_mcp(args)
        if args.command == "emulator":
            return run_emulator(args)
        return run_tui(args)
    except CliError as error:
        return _fail(str(error), error.status)
    except ConfigError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`ask … | head`): quietly stop, like other CLI tools.
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as error:  # the promise: never a traceback on screen
        if os.environ.get(ENV_DEBUG):
            raise
        return _fail(_crashed(args, error))


__all__ = [
    "ENV_DEBUG",
    "PROG",
    "CliError",
    "build_parser",
    "main",
    "run_ask",
    "run_balance",
    "run_emulator",
    "run_export",
    "run_history",
    "run_import",
    "run_key",
    "run_mcp",
    "run_tui",
]
