"""The front door: the TUI by default, and `ask`, `key`, `emulator` subcommands.

Errors end as one plain line on stderr and exit status 1 (2 for usage errors),
never a traceback. Heavy imports (Textual, httpx, the emulator) happen only in the
command that needs them, so `--version` and `--help` stay instant.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import sys
import time
from collections.abc import Sequence
from typing import NoReturn

from deepseek_tui import __version__
from deepseek_tui.config import (
    ENV_API_KEY,
    ConfigError,
    Paths,
    Settings,
    delete_api_key,
    load_api_key,
    load_settings,
    resolve_base_url,
    store_api_key,
)

PROG = "deepseek-tui"
ENV_DEBUG = "DEEPSEEK_TUI_DEBUG"


class CliError(Exception):
    """A failure to report as one line on stderr, with an exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


# --- parsing ---------------------------------------------------------------------


def _common(*, suppress: bool) -> argparse.ArgumentParser:
    """Options every command takes; subcommands don't reset the top level's values."""
    default = argparse.SUPPRESS if suppress else None
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config-dir",
        metavar="DIR",
        default=default,
        help="keep settings, keys and history here (or $DEEPSEEK_TUI_CONFIG_DIR)",
    )
    return common


def _connection(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--model", metavar="ID", default=default, help="model id to use")
    parser.add_argument(
        "--base-url",
        metavar="URL",
        default=default,
        help="a DeepSeek-compatible API (or $DEEPSEEK_BASE_URL)",
    )
    parser.add_argument(
        "--provider",
        metavar="NAME",
        default=argparse.SUPPRESS if suppress else "deepseek",
        help="which stored key to use (default: deepseek)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="no key, no network: talk to the built-in emulator",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        parents=[_common(suppress=False)],
        description="A keyboard-driven terminal chat client for DeepSeek.",
        epilog="Run without a command to open the chat. Try `deepseek-tui --demo` offline.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _connection(parser, suppress=False)
    parser.add_argument("--theme", metavar="NAME", help="colour theme")
    resume = parser.add_mutually_exclusive_group()
    resume.add_argument(
        "--continue",
        dest="continue_last",
        action="store_true",
        help="open the last conversation",
    )
    resume.add_argument("--conversation", metavar="ID", help="open this conversation")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = commands.add_parser(
        "ask",
        parents=[_common(suppress=True)],
        help="ask once and print the answer (streams to stdout)",
        description="Ask once; the answer streams to stdout, nothing else goes there.",
    )
    ask.add_argument("prompt", nargs="*", metavar="PROMPT", help="the question, or - for stdin")
    _connection(ask, suppress=True)
    ask.add_argument("--system", metavar="TEXT", help="system prompt for this question")
    thinking = ask.add_mutually_exclusive_group()
    thinking.add_argument(
        "--thinking",
        dest="thinking",
        action="store_true",
        default=None,
        help="ask a model that can think to think",
    )
    thinking.add_argument(
        "--no-thinking", dest="thinking", action="store_false", help="ask it not to think"
    )
    ask.add_argument("--show-reasoning", action="store_true", help="stream the reasoning to stderr")
    ask.add_argument("--no-save", action="store_true", help="don't keep it in history")

    key = commands.add_parser(
        "key",
        parents=[_common(suppress=True)],
        help="set, show or delete the API key",
        description="Manage the stored API key (credentials.toml, mode 0600).",
    )
    key.add_argument("action", choices=("set", "show", "delete"))
    key.add_argument("--provider", metavar="NAME", default="deepseek")

    emulator = commands.add_parser(
        "emulator",
        parents=[_common(suppress=True)],
        help="run the built-in DeepSeek API emulator",
        description="Serve a DeepSeek-compatible API on this machine for demos and tests.",
    )
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8000)
    emulator.add_argument(
        "--token-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="pause between streamed chunks",
    )
    return parser


# --- entry point ---------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "ask":
            return run_ask(args, parser)
        if args.command == "key":
            return run_key(args)
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
        return _fail(
            f"unexpected error: {type(error).__name__}: {error} "
            f"(set {ENV_DEBUG}=1 to see the details)"
        )


def _fail(message: str, status: int = 1) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return status


def _paths(args: argparse.Namespace) -> Paths:
    return Paths.resolve(getattr(args, "config_dir", None))


def _settings(paths: Paths) -> Settings:
    settings = load_settings(paths)
    problems = settings.validate()
    if problems:
        raise CliError(f"{paths.config_file}: {problems[0]}")
    return settings


def _usage_error(parser: argparse.ArgumentParser, message: str) -> NoReturn:
    parser.print_usage(sys.stderr)
    raise CliError(message, status=2)


# --- ask --------------------------------------------------------------------------------


def _read_prompt(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    words: list[str] = args.prompt
    if words == ["-"] or (not words and not sys.stdin.isatty()):
        prompt = sys.stdin.read()
    elif not words:
        _usage_error(parser, 'ask needs a prompt: deepseek-tui ask "your question"')
    else:
        prompt = " ".join(words)
    if not prompt.strip():
        _usage_error(parser, "the prompt is empty")
    return prompt


def run_ask(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    prompt = _read_prompt(args, parser)
    paths = _paths(args)
    settings = _settings(paths)
    if getattr(args, "demo", False):
        from deepseek_tui.emulator.demo import DEMO_KEY, demo_emulator

        with demo_emulator() as emulator:
            return asyncio.run(_ask(args, prompt, paths, settings, emulator.base_url, DEMO_KEY))
    base_url = resolve_base_url(settings, getattr(args, "base_url", None))
    key = load_api_key(paths, getattr(args, "provider", "deepseek"))
    if key is None:
        raise CliError(
            f"no API key: set {ENV_API_KEY}, run `deepseek-tui key set`, "
            "or try it offline with --demo"
        )
    return asyncio.run(_ask(args, prompt, paths, settings, base_url, key.value))


async def _ask(
    args: argparse.Namespace,
    prompt: str,
    paths: Paths,
    settings: Settings,
    base_url: str,
    api_key: str,
) -> int:
    from deepseek_tui.api import ContentDelta, ReasoningDelta
    from deepseek_tui.api.errors import ApiError
    from deepseek_tui.session import Session, client_for
    from deepseek_tui.store import Store, StoreError

    store = None
    if not args.no_save:
        try:
            paths.ensure_dir()
            store = Store.open(paths.database)
        except (StoreError, OSError) as error:
            print(f"{PROG}: not saving this answer: {error}", file=sys.stderr)
    client = client_for(settings, base_url, api_key)
    session = Session.from_settings(
        client,
        store,
        settings,
        model=getattr(args, "model", None),
        thinking=args.thinking,
        system_prompt=args.system,
    )
    out = _Output(sys.stdout)
    err = _Output(sys.stderr)
    turn = session.new_turn()
    in_reasoning = False
    try:
        async with contextlib.aclosing(session.send(prompt, turn)) as events:
            async for event in events:
                if isinstance(event, ReasoningDelta) and args.show_reasoning:
                    in_reasoning = True
                    err.write(event.text)
                elif isinstance(event, ContentDelta):
                    if in_reasoning:
                        err.write("\n\n" if not turn.reasoning.endswith("\n") else "\n")
                        in_reasoning = False
                    out.write(event.text)
    except ApiError as error:
        out.end_line_if_tty()
        err.end_line()
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        out.end_line_if_tty()
        print(f"{PROG}: stopped; what arrived is kept", file=sys.stderr)
        return 130
    finally:
        await client.aclose()
        if store is not None:
            store.close()
    if in_reasoning:
        err.end_line()
    out.end_line_if_tty()
    if session.store_error:
        print(f"{PROG}: {session.store_error}", file=sys.stderr)
    reason = turn.finish_reason
    if reason == "length":
        print(f"{PROG}: the answer was cut at the max_tokens limit", file=sys.stderr)
        return 1
    if reason not in ("stop", None):
        print(f"{PROG}: the answer ended early (finish reason: {reason})", file=sys.stderr)
        return 1
    return 0


class _Output:
    """Writes text byte-exact as UTF-8, whatever the locale, and flushes at once."""

    def __init__(self, stream: object) -> None:
        self._stream = stream
        self._buffer = getattr(stream, "buffer", None)
        self._last = "\n"

    def write(self, text: str) -> None:
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


# --- key ---------------------------------------------------------------------------------


def run_key(args: argparse.Namespace) -> int:
    paths = _paths(args)
    provider = args.provider
    if args.action == "set":
        if sys.stdin.isatty():
            value = getpass.getpass(f"{provider} API key (input hidden): ")
        else:
            value = sys.stdin.readline()
        try:
            store_api_key(paths, value, provider)
        except ValueError as error:
            raise CliError(str(error)) from None
        except OSError as error:
            raise CliError(f"could not save the key to {paths.credentials_file}: {error}") from None
        stored = load_api_key(paths, provider, environ={})
        masked = stored.masked if stored else "the key"
        print(f"Saved {masked} to {paths.credentials_file}.")
        if provider == "deepseek" and os.environ.get(ENV_API_KEY, "").strip():
            print(f"Note: {ENV_API_KEY} is set and takes precedence over the stored key.")
        return 0
    if args.action == "show":
        key = load_api_key(paths, provider)
        if key is None:
            raise CliError(f"no {provider} API key is set (run `deepseek-tui key set`)")
        where = ENV_API_KEY if key.source == "env" else str(paths.credentials_file)
        print(f"{key.masked} (from {where})")
        return 0
    try:
        deleted = delete_api_key(paths, provider)
    except OSError as error:
        raise CliError(f"could not change {paths.credentials_file}: {error}") from None
    if not deleted:
        raise CliError(f"no stored {provider} API key to delete")
    print(f"Deleted the stored {provider} API key.")
    if provider == "deepseek" and os.environ.get(ENV_API_KEY, "").strip():
        print(f"Note: {ENV_API_KEY} is still set in your environment.")
    return 0


# --- emulator ----------------------------------------------------------------------------


def run_emulator(args: argparse.Namespace) -> int:
    from deepseek_tui.emulator import Emulator, Faults

    try:
        emulator = Emulator(args.host, args.port, faults=Faults(token_delay=args.token_delay))
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


# --- the TUI -------------------------------------------------------------------------------


def run_tui(args: argparse.Namespace) -> int:
    paths = _paths(args)
    settings = _settings(paths)
    from deepseek_tui.tui.app import launch

    return launch(args, paths, settings)
