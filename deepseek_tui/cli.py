"""The front door: the TUI by default, and the `ask`, `history`, `export`, `import`,
`key` and `emulator` subcommands.

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
from typing import TYPE_CHECKING, NoReturn

from deepseek_tui import __version__
from deepseek_tui.config import (
    PROVIDERS,
    ConfigError,
    Paths,
    Settings,
    base_url_problem,
    delete_api_key,
    load_api_key,
    load_settings,
    remove_leftover_temp_files,
    resolve_base_url,
    store_api_key,
    tighten_permissions,
    unknown_preset,
    unknown_provider,
)

if TYPE_CHECKING:
    from deepseek_tui.attachments import Attachment
    from deepseek_tui.session import Session, Turn
    from deepseek_tui.store import Conversation, Store

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
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="write a log for bug reports to debug.log in the config dir: request ids, "
        f"timings, retries, errors; never keys or message text (or ${ENV_DEBUG}=1)",
    )
    common.add_argument(
        "--debug-text",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help=f"like --debug, and the log holds the messages' text too (or ${ENV_DEBUG}=text)",
    )
    return common


def _connection(parser: argparse.ArgumentParser, *, suppress: bool, model: bool = True) -> None:
    default = argparse.SUPPRESS if suppress else None
    if model:
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
        default=default,
        help="the provider profile: deepseek, segmind or a [providers.NAME] of config.toml "
        "(default: the settings' provider, deepseek); its own URL, models and key",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="no key, no network: talk to the built-in emulator",
    )


def _resume(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """--continue and --conversation: the chat opens it, `ask` appends to it. On `ask`
    they don't reset what was given before the command (`--continue ask …`)."""
    default = argparse.SUPPRESS if suppress else None
    what = "ask in" if suppress else "open"
    resume = parser.add_mutually_exclusive_group()
    resume.add_argument(
        "--continue",
        dest="continue_last",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help=f"{what} the last conversation"
        + (" (its history is sent, the answer appended)" if suppress else ""),
    )
    resume.add_argument(
        "--conversation",
        metavar="ID",
        default=default,
        help=f"{what} this conversation (an id or its first 4+ characters)",
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


PRESET_HELP = (
    "start from a preset: its system prompt, model and parameters (built in: coder, "
    "translator, concise; more as [presets.NAME] in config.toml)"
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
    parser.add_argument("--preset", metavar="NAME", help=PRESET_HELP)
    _resume(parser, suppress=False)
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", help="without one, the chat opens"
    )

    ask = commands.add_parser(
        "ask",
        parents=[_common(suppress=True)],
        help="ask once and print the answer (streams to stdout)",
        description="Ask once; the answer streams to stdout, nothing else goes there.",
    )
    ask.add_argument("prompt", nargs="*", metavar="PROMPT", help="the question, or - for stdin")
    ask.add_argument(
        "--attach",
        action="append",
        metavar="FILE",
        help="send a text file with the question, as a fenced block named after it "
        "(repeatable); binary files are refused",
    )
    ask.add_argument(
        "--attach-large",
        action="store_true",
        help="attach files larger than attach_limit_kb (200 KB unless config.toml says)",
    )
    _connection(ask, suppress=True)
    ask.add_argument("--system", metavar="TEXT", help="system prompt for this question")
    # SUPPRESS: `deepseek-tui --preset coder ask …` keeps the top level's value.
    ask.add_argument("--preset", metavar="NAME", default=argparse.SUPPRESS, help=PRESET_HELP)
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
    ask.add_argument(
        "--show-reasoning",
        action="store_true",
        help="stream the reasoning to stderr (dimmed and labelled on a terminal)",
    )
    ask.add_argument("--no-save", action="store_true", help="don't keep it in history")
    _resume(ask, suppress=True)
    ask.add_argument(
        "--json-mode",
        action="store_true",
        default=None,
        help="ask for a JSON object as the answer (response_format json_object); the "
        "prompt or --system must mention JSON, DeepSeek's rule",
    )
    ask.add_argument(
        "--stop",
        action="append",
        metavar="TEXT",
        help="end the answer where TEXT would appear (repeatable, up to 16)",
    )
    ask.add_argument(
        "--max-tokens",
        type=_positive,
        metavar="N",
        help="at most N tokens in the answer, reasoning included (up to the model's limit)",
    )

    history = commands.add_parser(
        "history",
        parents=[_common(suppress=True)],
        help="list or search saved conversations",
        description="List saved conversations, newest first (pinned ones on top), "
        "or search every message.",
        epilog=_DAMAGED_HELP,
    )
    history.add_argument("--json", action="store_true", help="print JSON for scripts")
    history.add_argument("--search", metavar="TEXT", help="full-text search of the messages")
    history.add_argument(
        "--limit",
        type=_count,
        default=20,
        metavar="N",
        help="show at most N (default 20; 0 shows all)",
    )

    export = commands.add_parser(
        "export",
        parents=[_common(suppress=True)],
        help="write a conversation as Markdown or JSON",
        description="Write a saved conversation (the branch last shown) as Markdown or JSON.",
        epilog=_DAMAGED_HELP,
    )
    export.add_argument(
        "target",
        metavar="ID|last",
        help="a conversation id, or its first characters (4 or more), or `last`",
    )
    export.add_argument(
        "--format",
        choices=("markdown", "json"),
        help="markdown (default) or json (the default for an --output ending in .json)",
    )
    export.add_argument(
        "--output",
        metavar="FILE",
        help="write to FILE instead of stdout (- is stdout); a symlink is written "
        "through, a device, pipe or folder is refused",
    )

    importer = commands.add_parser(
        "import",
        parents=[_common(suppress=True)],
        help="add a conversation from a JSON export",
        description="Add a conversation written by `export --format json`; prints its id. "
        "A bad file imports nothing.",
        epilog=_DAMAGED_HELP,
    )
    importer.add_argument("file", metavar="FILE", help="the JSON file, or - for stdin")

    key = commands.add_parser(
        "key",
        parents=[_common(suppress=True)],
        help="set, show or delete the API key",
        description="Manage the stored API key (credentials.toml, mode 0600).",
    )
    key.add_argument(
        "action",
        choices=("set", "show", "delete"),
        help="set: store a key (asked for without echo, or read from stdin); "
        "show: print it masked and where it comes from; delete: remove the stored key",
    )
    key.add_argument(
        "--provider",
        metavar="NAME",
        default="deepseek",
        help=f"whose key: {', '.join(PROVIDERS)} or a [providers.NAME] of config.toml "
        "(default: deepseek)",
    )

    balance = commands.add_parser(
        "balance",
        parents=[_common(suppress=True)],
        help="print the account's balance, each currency's total",
        description="Ask the provider what is left on the account (GET /user/balance) "
        "and print each currency's total, one a line.",
    )
    _connection(balance, suppress=True, model=False)

    emulator = commands.add_parser(
        "emulator",
        parents=[_common(suppress=True)],
        help="run the built-in DeepSeek API emulator",
        description="Serve a DeepSeek-compatible API on this machine for demos and tests.",
    )
    emulator.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    emulator.add_argument(
        "--port",
        type=int,
        default=8000,
        help="port to listen on (default: 8000; 0 picks a free one)",
    )
    emulator.add_argument(
        "--token-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="pause between streamed chunks",
    )
    emulator.add_argument(
        "--api-key",
        action="append",
        metavar="KEY",
        help="accept only this key (repeatable); any other gets DeepSeek's 401 "
        "(default: any key is accepted)",
    )
    return parser


# --- entry point ---------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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


def _check_values(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Values argparse lets through that can never work: a usage error, said before
    anything starts (a bad port used to end in "unexpected error: ExceptionGroup")."""
    resume = "--continue" if args.continue_last else "--conversation" if args.conversation else ""
    if resume and args.command not in (None, "ask"):
        _usage_error(parser, f"{resume} applies to the chat and to ask, not to {args.command}")
    if resume and args.command == "ask" and args.no_save:
        _usage_error(parser, f"{resume} appends to a saved conversation; drop --no-save")
    if resume and getattr(args, "preset", None) is not None:
        _usage_error(parser, f"--preset starts a new conversation; drop {resume}")
    base_url = getattr(args, "base_url", None)
    if base_url is not None:
        problem = base_url_problem(base_url)
        if problem:
            _usage_error(parser, f"--base-url: {problem}")
    model = getattr(args, "model", None)
    if model is not None and not model.strip():
        _usage_error(parser, "--model needs a model id, e.g. deepseek-chat")
    output = getattr(args, "output", None)
    if output is not None and not output.strip():
        _usage_error(parser, '--output needs a file name (or "-" for stdout)')


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
    for provider in PROVIDERS:
        with contextlib.suppress(Exception):
            found = load_api_key(paths, provider)
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


def _say(message: str) -> None:
    """One line on stderr. It may carry text from outside (a server's error body, a
    file's id, a theme's name): control characters are shown, never run."""
    from deepseek_tui.terminal import sanitize

    print(f"{PROG}: {sanitize(message, name=True)}", file=sys.stderr)


def _fail(message: str, status: int = 1) -> int:
    _say(message)
    return status


def _paths(args: argparse.Namespace) -> Paths:
    paths = Paths.resolve(getattr(args, "config_dir", None))
    remove_leftover_temp_files(paths)
    tightened = tighten_permissions(paths)
    if tightened:
        _say(tightened)
    return paths


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
    attaching = bool(getattr(args, "attach", None))
    if attaching and not words and sys.stdin.isatty():
        return ""  # the files are the question
    if words == ["-"] or (not words and not sys.stdin.isatty()):
        # Bytes, decoded here: invalid UTF-8 becomes U+FFFD instead of an error (a
        # UTF-8 locale reads stdin strictly) or a lone surrogate (the C locale).
        prompt = sys.stdin.buffer.read().decode("utf-8", "replace")
    elif not words:
        _usage_error(parser, 'ask needs a prompt: deepseek-tui ask "your question"')
    else:
        prompt = " ".join(words)
    if not prompt.strip() and not attaching:
        _usage_error(parser, "the prompt is empty")
    return prompt


def _read_attachments(args: argparse.Namespace, settings: Settings) -> tuple[Attachment, ...]:
    """The files of --attach, read and checked before anything is sent; a file that
    cannot go is an error naming it (and how to send one over the limit)."""
    from deepseek_tui.attachments import AttachError, read_attachment

    found: list[Attachment] = []
    for name in getattr(args, "attach", None) or ():
        try:
            read = read_attachment(
                name,
                limit_kb=settings.attach_limit_kb,
                allow_large=args.attach_large,
                how_to_allow="add --attach-large to send it anyway.",
            )
        except AttachError as error:
            raise CliError(str(error)) from None
        if read.note:
            _say(read.note)
        found.append(read.attachment)
    return tuple(found)


def run_ask(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    prompt = _read_prompt(args, parser)
    paths = _paths(args)
    settings = _settings(paths)
    _preset(args, settings)  # an unknown preset is a usage error before anything starts
    args.attachments = _read_attachments(args, settings)
    if getattr(args, "demo", False):
        from deepseek_tui.emulator.demo import DEMO_KEY, demo_emulator

        with demo_emulator() as emulator:
            return asyncio.run(_ask(args, prompt, paths, settings, emulator.base_url, DEMO_KEY))
    provider = _provider(args, settings)
    base_url = resolve_base_url(settings, getattr(args, "base_url", None), provider=provider)
    key = load_api_key(paths, provider, key_env=settings.profile(provider).key_env)
    if key is None:
        raise CliError(_no_key(settings, provider))
    return asyncio.run(_ask(args, prompt, paths, settings, base_url, key.value))


def _preset(args: argparse.Namespace, settings: Settings) -> str | None:
    """The preset asked for (--preset), if any; an unknown name is a usage error that
    lists the known ones."""
    preset: str | None = getattr(args, "preset", None)
    if preset is not None and preset not in settings.preset_names():
        raise CliError(unknown_preset(preset, settings.preset_names()), 2)
    return preset


def _provider(args: argparse.Namespace, settings: Settings) -> str:
    """The provider profile asked for (--provider, else the settings' default); an
    unknown name is a usage error that lists the known ones."""
    provider = getattr(args, "provider", None) or settings.provider
    if provider not in settings.provider_names():
        raise CliError(unknown_provider(provider, settings.provider_names()), 2)
    return provider


def _no_key(settings: Settings, provider: str) -> str:
    flag = "" if provider == "deepseek" else f" --provider {provider}"
    return (
        f"no API key for {provider}: set {settings.profile(provider).key_env}, "
        f"run `deepseek-tui key set{flag}`, or try it offline with --demo"
    )


async def _ask(
    args: argparse.Namespace,
    prompt: str,
    paths: Paths,
    settings: Settings,
    base_url: str,
    api_key: str,
) -> int:
    from deepseek_tui.api import ContentDelta, FinishReason, ReasoningDelta, finish_sentence
    from deepseek_tui.api.errors import ApiError
    from deepseek_tui.api.providers import client_for
    from deepseek_tui.session import Session
    from deepseek_tui.store import Store, StoreError

    store = None
    resume = args.continue_last or args.conversation
    if resume:
        store = _open_store(paths, create=False)
        if store is None:
            raise CliError("there are no saved conversations yet")
    elif not args.no_save:
        try:
            paths.ensure_dir()
            store = Store.open(paths.database)
        except (StoreError, OSError) as error:
            _say(f"not saving this answer: {error}")
    provider = "deepseek" if getattr(args, "demo", False) else _provider(args, settings)
    session = Session.from_settings(
        None,
        store,
        settings,
        provider=provider,
        preset=_preset(args, settings),
        model=getattr(args, "model", None),
        thinking=args.thinking,
        system_prompt=args.system,
    )
    try:
        _ask_in(session, args, prompt)
    except (CliError, StoreError) as error:
        if store is not None:
            store.close()
        raise CliError(str(error), getattr(error, "status", 1)) from None
    client = client_for(settings, base_url, api_key, provider)
    session.client = client
    out = _Output(sys.stdout)
    err = _Output(sys.stderr)
    reasoning = _Reasoning(err, sys.stderr)
    turn = session.new_turn()
    try:
        sending = session.send(prompt, turn, args.attachments)
        async with contextlib.aclosing(sending) as events:
            async for event in events:
                if isinstance(event, ReasoningDelta) and args.show_reasoning:
                    reasoning.write(event.text)
                elif isinstance(event, ContentDelta):
                    reasoning.close(turn, answer_follows=True)
                    out.write(event.text)
    except ApiError as error:
        out.end_line_if_tty()
        err.end_line()
        _say(f"{error} Try again in a moment." if error.retryable else str(error))
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        out.end_line_if_tty()
        reasoning.interrupted()
        _say("stopped; what arrived is kept")
        return 130
    finally:
        await client.aclose()
        if store is not None:
            store.close()
    reasoning.close(turn, answer_follows=False)
    out.end_line_if_tty()
    if session.store_error:
        _say(session.store_error)
    reason = turn.finish_reason
    if reason not in (FinishReason.STOP, None):
        _say(f"the answer ended early. {finish_sentence(reason)}")
        return 1
    return 0


def _ask_in(session: Session, args: argparse.Namespace, prompt: str) -> None:
    """Set the session up as the options say: the conversation it goes on (its
    history is sent, the answer appended), then this question's parameters. A
    parameter that cannot work, or JSON mode without "json" in the prompt, is a
    usage error before anything is sent."""
    from dataclasses import replace

    if args.continue_last or args.conversation:
        assert session.store is not None
        target = "last" if args.continue_last else args.conversation
        session.open(_conversation_for(session.store, target).id)
        if getattr(args, "model", None):
            session.model = args.model  # --model wins over the model that answered last
        # The options win over what the conversation's preset brought back.
        if args.system is not None:
            session.system_prompt = args.system
        if args.thinking is not None:
            session.thinking = args.thinking
    changes: dict[str, object] = {}
    if args.json_mode:
        changes["json_mode"] = True
    if args.stop:
        changes["stop"] = tuple(args.stop)
    if args.max_tokens is not None:
        changes["max_tokens"] = args.max_tokens
    parameters = replace(session.parameters, **changes)  # type: ignore[arg-type]
    problems = parameters.problems(session.model)
    if problems:
        raise CliError(problems[0], 2)
    session.parameters = parameters
    problem = session.json_mode_problem(prompt)
    if problem:
        raise CliError(problem, 2)


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
_DIM = "2"
_DIM_ITALIC = "2;3"


def _on_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except ValueError:  # a closed stream
        return False


def _colours_allowed() -> bool:
    """https://no-color.org and dumb terminals: labels yes, escape sequences no."""
    return not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


class _Reasoning:
    """`ask --show-reasoning`: the reasoning on stderr, as it streams.

    Piped or redirected, it is the plain text as it arrives, then a blank line before
    the answer (scripts rely on that). On a terminal it is set apart from the answer:
    a "Thinking…" line, the text dimmed and italic, a closing "Thought for 3.2 s" line
    (with the token count when the usage is known by then) and a blank line. The
    model's text is made inert there, so the only escape sequences that reach the
    terminal are our own, and each write resets the style it set.
    """

    def __init__(self, err: _Output, stream: object) -> None:
        self._err = err
        self._terminal = _on_terminal(stream)
        self._styled = self._terminal and _colours_allowed()
        self._open = False

    def _line(self, text: str, sgr: str) -> None:
        if self._styled:
            self._err.write_styled(text, sgr)
        else:
            self._err.write(text)
        self._err.write("\n")

    def write(self, text: str) -> None:
        if not self._terminal:
            self._open = True
            self._err.write(text)
            return
        from deepseek_tui.terminal import sanitize

        if not text:
            return
        if not self._open:
            self._open = True
            self._line("Thinking…", _DIM)
        text = sanitize(text)
        if self._styled:
            self._err.write_styled(text, _DIM_ITALIC)
        else:
            self._err.write(text)

    def close(self, turn: Turn, *, answer_follows: bool) -> None:
        """The reasoning is over: the answer begins, or the stream ended without one."""
        if not self._open:
            return
        self._open = False
        if not self._terminal:
            if answer_follows:
                self._err.write("\n\n" if not turn.reasoning.endswith("\n") else "\n")
            else:
                self._err.end_line()
            return
        from deepseek_tui.api.events import thought_label

        tokens = turn.usage.reasoning_tokens if turn.usage is not None else 0
        self._err.end_line()
        self._line(thought_label(turn.reasoning_seconds, tokens), _DIM)
        if answer_follows:
            self._err.write("\n")

    def interrupted(self) -> None:
        """Stopped mid-reasoning: on a terminal, what follows starts on its own line."""
        if self._open and self._terminal:
            self._err.end_line()


# --- history, export, import ------------------------------------------------------------

_DAMAGED_HELP = (
    "History lives in conversations.db in the config dir. If that file is damaged or "
    "unreadable, every command says so and leaves the file untouched (never emptied or "
    "rewritten). To start a new history, move it aside with the command the error message "
    "prints, e.g. `mv conversations.db conversations.db.broken-YYYYMMDD-HHMM` in the "
    "config dir; the old file stays there for recovery."
)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _open_store(paths: Paths, *, create: bool) -> Store | None:
    """The history database; None when there is none yet and `create` is false
    (so reading history leaves no trace on disk)."""
    from deepseek_tui.store import Store, StoreError

    if not create and not paths.database.exists():
        return None
    try:
        if create:
            paths.ensure_dir()
        return Store.open(paths.database)
    except StoreError as error:
        raise CliError(str(error)) from None
    except OSError as error:
        raise CliError(f"cannot use {paths.database}: {error.strerror or error}") from None


def _local_time(stamp: str) -> str:
    """A stored UTC stamp as local wall-clock time, to the minute."""
    from deepseek_tui.timestamps import parse_time

    try:
        return parse_time(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp


def _fit(text: str, width: int) -> str:
    """One line of at most `width` cells, its control characters made visible."""
    from deepseek_tui.terminal import sanitize

    text = " ".join(sanitize(text, name=True).split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def run_history(args: argparse.Namespace) -> int:
    import json

    from deepseek_tui.store import UNTITLED, StoreError

    store = _open_store(_paths(args), create=False)
    limit = args.limit or 1_000_000_000
    out = _Output(sys.stdout)
    try:
        if args.search is not None:
            hits = store.search(args.search, limit=limit) if store else []
            if args.json:
                rows = [
                    {
                        "conversation_id": hit.conversation_id,
                        "message_id": hit.message_id,
                        "title": hit.title,
                        "role": hit.role,
                        "snippet": hit.snippet,
                        "updated_at": hit.updated_at,
                    }
                    for hit in hits
                ]
                out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
            elif not hits:
                out.write(f"No messages match {args.search!r}.\n")
            else:
                width = _terminal_width()
                for hit in hits:
                    title = hit.title or UNTITLED
                    head = f"{hit.conversation_id[:8]}  {_local_time(hit.updated_at)}  "
                    out.write(head + _fit(title, max(width - len(head), 20)) + "\n")
                    line = f"{hit.role}: {hit.snippet}"
                    out.write("    " + _fit(line, max(width - 4, 20)) + "\n")
            return 0
        summaries = store.list_conversations(limit=limit) if store else []
    except StoreError as error:
        raise CliError(str(error)) from None
    finally:
        if store is not None:
            store.close()
    if args.json:
        rows = [
            {
                "id": summary.conversation.id,
                "title": summary.conversation.title,
                "created_at": summary.conversation.created_at,
                "updated_at": summary.conversation.updated_at,
                "message_count": summary.message_count,
                "model": summary.model,
                "pinned": summary.conversation.pinned,
            }
            for summary in summaries
        ]
        out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return 0
    if not summaries:
        out.write("No saved conversations yet.\n")
        return 0
    models = [_fit(s.model or "-", 40) for s in summaries]
    model_width = max(len("MODEL"), *(len(model) for model in models))
    head = f"{'ID':<8}  {'UPDATED':<16}  {'MSGS':>5}  {'MODEL':<{model_width}}  "
    width = _terminal_width()
    out.write(head + "TITLE\n")
    for summary, model in zip(summaries, models, strict=True):
        conversation = summary.conversation
        title = ("* " if conversation.pinned else "") + (conversation.title or UNTITLED)
        out.write(
            f"{conversation.id[:8]:<8}  {_local_time(conversation.updated_at):<16}  "
            f"{summary.message_count:>5}  {model:<{model_width}}  "
            + _fit(title, max(width - len(head), 20))
            + "\n"
        )
    return 0


def _terminal_width() -> int:
    """Room for a line: the terminal's width, or no limit when piped."""
    import shutil

    if not sys.stdout.isatty():
        return 10_000
    return shutil.get_terminal_size((100, 24)).columns


def _conversation_for(store: Store, target: str) -> Conversation:
    if target == "last":
        found = store.last_conversation()
        if found is None:
            raise CliError("there are no saved conversations yet")
        return found
    found = store.find_conversation(target)
    if found is not None:
        return found
    if len(target) < 4:
        raise CliError(
            f"give at least 4 characters of the conversation id, not {target!r} "
            "(see `deepseek-tui history`)"
        )
    matches = store.conversations_with_prefix(target, limit=4)
    if len(matches) > 1:
        shown = ", ".join(match.id[:12] for match in matches[:3])
        raise CliError(
            f"{target!r} matches several conversations ({shown}"
            f"{', …' if len(matches) > 3 else ''}); give more characters"
        )
    raise CliError(f"no conversation {target!r} (see `deepseek-tui history`)")


def run_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from deepseek_tui.export import export_text, format_for, write_export
    from deepseek_tui.store import StoreError

    store = _open_store(_paths(args), create=False)
    if store is None:
        raise CliError("there are no saved conversations yet")
    try:
        conversation = _conversation_for(store, args.target)
        messages = store.messages(conversation.id)
    except StoreError as error:
        raise CliError(str(error)) from None
    finally:
        store.close()
    stdout = args.output is None or args.output == "-"
    chosen = args.format or format_for(None if stdout else args.output)
    if stdout:
        _Output(sys.stdout).write(export_text(conversation, messages, chosen))
        return 0
    target = Path(args.output)
    try:
        write_export(target, conversation, messages, chosen)
    except OSError as error:
        raise CliError(f"could not write {target}: {error.strerror or error}") from None
    print(f"Exported {len(messages)} messages to {target}.", file=sys.stderr)
    return 0


def run_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from deepseek_tui.export import InvalidExport, load_export
    from deepseek_tui.store import StoreError
    from deepseek_tui.terminal import sanitize

    name = "stdin" if args.file == "-" else args.file
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as error:
        raise CliError(f"cannot read {name}: {error.strerror or error}") from None
    try:
        new = load_export(raw)
    except InvalidExport as error:
        raise CliError(f"{name} {error}; nothing was imported") from None
    store = _open_store(_paths(args), create=True)
    assert store is not None
    try:
        conversation = store.insert_conversation(new)
    except (StoreError, ValueError) as error:
        raise CliError(f"importing {name} failed, nothing was imported: {error}") from None
    finally:
        store.close()
    if new.id and conversation.id != new.id:
        print(
            sanitize(f"A conversation with id {new.id} exists already; imported under a new id."),
            file=sys.stderr,
        )
    print(conversation.id)
    return 0


# --- key ---------------------------------------------------------------------------------


def run_key(args: argparse.Namespace) -> int:
    paths = _paths(args)
    try:
        settings = load_settings(paths)
    except ConfigError:
        if args.provider not in PROVIDERS:
            raise  # only config.toml knows this provider, and it cannot be read
        settings = Settings()  # a broken config.toml must not keep a key from being set
    provider = _provider(args, settings)
    key_env = settings.profile(provider).key_env
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
        stored = load_api_key(paths, provider, environ={}, key_env=key_env)
        masked = stored.masked if stored else "the key"
        print(f"Saved {masked} to {paths.credentials_file}.")
        if os.environ.get(key_env, "").strip():
            print(f"Note: {key_env} is set and takes precedence over the stored key.")
        return 0
    if args.action == "show":
        key = load_api_key(paths, provider, key_env=key_env)
        if key is None:
            flag = "" if provider == "deepseek" else f" --provider {provider}"
            raise CliError(f"no {provider} API key is set (run `deepseek-tui key set{flag}`)")
        where = key_env if key.source == "env" else str(paths.credentials_file)
        from deepseek_tui.terminal import sanitize

        print(sanitize(f"{key.masked} (from {where})", name=True))
        return 0
    try:
        deleted = delete_api_key(paths, provider)
    except OSError as error:
        raise CliError(f"could not change {paths.credentials_file}: {error}") from None
    if not deleted:
        raise CliError(f"no stored {provider} API key to delete")
    print(f"Deleted the stored {provider} API key.")
    if os.environ.get(key_env, "").strip():
        print(f"Note: {key_env} is still set in your environment.")
    return 0


# --- balance ------------------------------------------------------------------------------


def run_balance(args: argparse.Namespace) -> int:
    paths = _paths(args)
    settings = _settings(paths)
    if getattr(args, "demo", False):
        from deepseek_tui.emulator.demo import DEMO_KEY, demo_emulator

        with demo_emulator() as emulator:
            return asyncio.run(_balance(settings, "deepseek", emulator.base_url, DEMO_KEY))
    provider = _provider(args, settings)
    if settings.profile(provider).kind == "segmind":
        raise CliError(
            f"{provider} has no balance to ask for: its credits left are shown after each "
            "answer (the TUI's status line)"
        )
    base_url = resolve_base_url(settings, getattr(args, "base_url", None), provider=provider)
    key = load_api_key(paths, provider, key_env=settings.profile(provider).key_env)
    if key is None:
        raise CliError(_no_key(settings, provider))
    return asyncio.run(_balance(settings, provider, base_url, key.value))


async def _balance(settings: Settings, provider: str, base_url: str, api_key: str) -> int:
    """Print each currency's total, one a line ("12.34 USD"); a note on stderr when the
    server says the balance is not enough to use the API."""
    from deepseek_tui.api.errors import ApiError, NotFoundError
    from deepseek_tui.api.providers import client_for

    client = client_for(settings, base_url, api_key, provider)
    try:
        report = await client.balance()  # type: ignore[attr-defined]
    except NotFoundError:
        raise CliError(
            f"{provider} does not tell the balance (no /user/balance at {base_url})"
        ) from None
    except ApiError as error:
        raise CliError(str(error)) from None
    finally:
        await client.aclose()
    out = _Output(sys.stdout)
    for balance in report.balances:
        out.write(f"{_fit(balance.total, 40)} {_fit(balance.currency, 10)}\n")
    if not report.balances:
        _say("the server listed no balance")
    if not report.is_available:
        _say("the balance is not enough to use the API: top it up on the provider's site")
    return 0


# --- emulator ----------------------------------------------------------------------------


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


# --- the TUI -------------------------------------------------------------------------------


def run_tui(args: argparse.Namespace) -> int:
    paths = _paths(args)
    settings = _settings(paths)
    _provider(args, settings)  # an unknown provider is a usage error before the screen opens
    _preset(args, settings)  # and so is an unknown preset
    if args.theme:
        from deepseek_tui.tui.themes import theme_names

        known = theme_names(paths.themes_dir)
        if args.theme not in known:
            raise CliError(
                f"unknown theme {args.theme!r}; the themes are: {', '.join(known)}", status=2
            )
    from deepseek_tui.tui.app import launch

    return launch(args, paths, settings)
