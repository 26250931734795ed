"""`python -m deepseek_tui.emulator`: serve the emulator in the foreground."""

from __future__ import annotations

import argparse

from deepseek_tui.emulator.server import Emulator, Faults


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A local DeepSeek-compatible API server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--token-delay", type=float, default=0.0, help="seconds between chunks")
    args = parser.parse_args(argv)
    emulator = Emulator(args.host, args.port, faults=Faults(token_delay=args.token_delay))
    emulator.start()
    print(f"DeepSeek emulator listening on {emulator.base_url} (Ctrl+C to stop)", flush=True)
    emulator.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
