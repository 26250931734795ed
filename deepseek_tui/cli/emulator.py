"""`emulator`: the DeepSeek-compatible server on its own, until Ctrl+C."""

from __future__ import annotations

import argparse
import sys
import time

from deepseek_tui.cli.output import CliError


def run_emulator(args: argparse.Namespace) -> int:
    from deepseek_tui.emulator import Emulator, Faults

    try:
        emulator = Emulator(
            args.host,
            args.port,
            faults=Faults(token_delay=args.token_delay),
            api_keys=args.api_key,
        )
        emulator.start()
    except OSError as error:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {error.strerror}") from None
    print(emulator.base_url, flush=True)
    print("DeepSeek API emulator running; press Ctrl+C to stop.", file=sys.stderr, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0
