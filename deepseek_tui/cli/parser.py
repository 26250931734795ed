"""The command line: every command's options and help, and the values argparse lets
through that can never work (usage errors, said before anything starts)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from deepseek_tui import __version__
from deepseek_tui.cli.debug import ENV_DEBUG
from deepseek_tui.cli.output import PROG, CliError
from deepseek_tui.config import PROVIDERS, base_url_problem


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


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


PRESET_HELP = (
    "start from a preset: its system prompt, model and parameters (built in: coder, "
    "translator, concise; more as [presets.NAME] in config.toml)"
)

_DAMAGED_HELP = (
    "History lives in conversations.db in the config dir. If that file is damaged or "
    "unreadable, every command says so and leaves the file untouched (never emptied or "
    "rewritten). To start a new history, move it aside with the command the error message "
    "prints, e.g. `mv conversations.db conversations.db.broken-YYYYMMDD-HHMM` in the "
    "config dir; the old file stays there for recovery."
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
    offered = ask.add_mutually_exclusive_group()
    offered.add_argument(
        "--no-tools", action="store_true", help="offer the model no tools (MCP servers)"
    )
    offered.add_argument(
        "--approve-tools",
        action="store_true",
        help="approve every tool call of this run (otherwise a call not auto-approved is "
        "asked on the terminal, and denied when there is none)",
    )
    ask.add_argument(
        "--show-tools",
        action="store_true",
        help="write each tool call and a summary of its result to stderr",
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

    mcp = commands.add_parser(
        "mcp",
        parents=[_common(suppress=True)],
        help="list, add, remove or import MCP servers (tools for the model)",
        description="The MCP servers of config.toml ([mcp_servers.NAME]): their tools are "
        "offered to the model. A server's stderr goes to logs/mcp-NAME.log in the config dir.",
    )
    mcp_actions = mcp.add_subparsers(
        dest="action", metavar="ACTION", required=True, help="list, add, remove or import"
    )
    mcp_list = mcp_actions.add_parser(
        "list",
        parents=[_common(suppress=True)],
        help="start each server and say how it stands: connected with its tools, or why not",
        description="Start each configured server, list its tools (the names the model "
        "sees), or say why it failed with the last line it wrote to stderr; then stop them.",
    )
    mcp_list.add_argument("--json", action="store_true", help="print JSON for scripts")
    mcp_add = mcp_actions.add_parser(
        "add",
        parents=[_common(suppress=True)],
        help="add a server: NAME -- COMMAND [ARGS…], or NAME --url URL",
        description="Add a [mcp_servers.NAME] table to config.toml (the rest of the file "
        "is kept): a server it starts (after --) or one at a streamable HTTP URL.",
        usage=f"{PROG} mcp add NAME (--url URL | -- COMMAND [ARGS…]) [--env KEY=VALUE]",
    )
    mcp_add.add_argument("name", metavar="NAME", help="the server's name (letters, digits, - _)")
    mcp_add.add_argument(
        "server_command", nargs="*", metavar="COMMAND", help="after --: the command and its args"
    )
    mcp_add.add_argument("--url", metavar="URL", help="a streamable HTTP server's URL")
    mcp_add.add_argument(
        "--env",
        action="append",
        metavar="KEY=VALUE",
        help="an environment variable for the command (repeatable)",
    )
    mcp_add.add_argument(
        "--bearer-token-env-var",
        metavar="NAME",
        help="the environment variable holding the URL's bearer token",
    )
    mcp_remove = mcp_actions.add_parser(
        "remove",
        parents=[_common(suppress=True)],
        help="remove a server's table from config.toml",
        description="Remove [mcp_servers.NAME] from config.toml (the rest of the file is kept).",
    )
    mcp_remove.add_argument("name", metavar="NAME", help="the server's name in config.toml")
    mcp_import = mcp_actions.add_parser(
        "import",
        parents=[_common(suppress=True)],
        help='add the servers of a Claude Desktop, Cursor or oterm "mcpServers" JSON file',
        description='Read the "mcpServers" object of a Claude Desktop, Cursor or oterm config '
        "file (command/args/env, or url/headers) and add each server whose name is new.",
    )
    mcp_import.add_argument("file", metavar="FILE", help="the JSON file, or - for stdin")

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


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """`parser.parse_args`, but `mcp add NAME -- COMMAND [ARGS…]` keeps what follows `--`
    whole (argparse drops a `--` given to a nested subcommand as unrecognized)."""
    words = list(sys.argv[1:] if argv is None else argv)
    tail: list[str] | None = None
    if "--" in words:
        cut = words.index("--")
        head = words[:cut]
        if "mcp" in head and "add" in head[head.index("mcp") :]:
            words, tail = head, words[cut + 1 :]
    args = parser.parse_args(words)
    if tail is not None and args.command == "mcp" and args.action == "add":
        args.server_command = [*(args.server_command or []), *tail]
    return args


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


def _usage_error(parser: argparse.ArgumentParser, message: str) -> NoReturn:
    parser.print_usage(sys.stderr)
    raise CliError(message, status=2)
