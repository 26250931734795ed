"""`ask`: one question from the command line through the same `Session` as the TUI, the
answer streamed to stdout and, with --show-reasoning, the reasoning to stderr."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from typing import TYPE_CHECKING

from deepseek_tui.cli.ask_tools import ShowTools, approver, tool_box
from deepseek_tui.cli.history import _conversation_for, _open_store
from deepseek_tui.cli.output import CliError, _on_terminal, _Output, _say
from deepseek_tui.cli.parser import _usage_error
from deepseek_tui.cli.settings import _no_key, _paths, _preset, _provider, _settings
from deepseek_tui.config import Paths, Settings, load_api_key, resolve_base_url

if TYPE_CHECKING:
    from collections.abc import Callable

    from deepseek_tui.attachments import Attachment
    from deepseek_tui.session import Reply, Session
    from deepseek_tui.tools import ToolBox


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
    from deepseek_tui.session import RoundStarted, Session, ToolCallDone, ToolCallRunning
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
    tools = _offer_tools(session, args, settings, paths, out)
    try:
        if tools is not None:
            await tools.start()
            for problem in tools.problems():
                _say(problem)
        show = ShowTools(out) if args.show_tools else None
        reply = session.send(prompt, args.attachments)
        # Answers of one turn (tool calls between them) are set apart by a blank line.
        wrote, apart = False, False
        async with contextlib.aclosing(reply):
            async for event in reply:
                if isinstance(event, ReasoningDelta) and args.show_reasoning:
                    reasoning.write(event.text)
                elif isinstance(event, ContentDelta):
                    reasoning.close(reply, answer_follows=True)
                    if apart and event.text:
                        out.write("\n\n")
                        apart = False
                    wrote = wrote or bool(event.text)
                    out.write(event.text)
                elif isinstance(event, RoundStarted):
                    apart = wrote
                elif show is not None and isinstance(event, ToolCallRunning):
                    show.calling(event.info, event.call)
                elif show is not None and isinstance(event, ToolCallDone):
                    show.done(event.call, event.message)
        reply.raise_for_error()
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
        if tools is not None:
            await tools.aclose()  # every server process stops
        if store is not None:
            store.close()
    reasoning.close(reply, answer_follows=False)
    out.end_line_if_tty()
    if notice := session.take_notice():
        _say(notice)
    if session.store_error:
        _say(session.store_error)
    reason = reply.finish_reason
    if reply.tools_stopped:
        _say(reply.tools_stopped)
        return 1
    if reason not in (FinishReason.STOP, None):
        _say(f"the answer ended early. {finish_sentence(reason)}")
        return 1
    return 0


def _offer_tools(
    session: Session, args: argparse.Namespace, settings: Settings, paths: Paths, out: _Output
) -> ToolBox | None:
    """The enabled servers' tools offered (started in `_ask`, where a failure is said
    and the box is closed whatever happens), calls approved as the options say
    (cli/ask_tools.py)."""
    tools = tool_box(args, settings, paths)
    if tools is not None:
        session.tools = tools
        session.approve = approver(args, out)
    return tools


def _ask_in(session: Session, args: argparse.Namespace, prompt: str) -> None:
    """Set the session up as the options say: the conversation it goes on (its
    history is sent, the answer appended), then this question's parameters. A
    parameter given that cannot work (--json-mode to a model without JSON output, a
    --max-tokens above its cap), or JSON mode without "json" in the prompt, is a usage
    error before anything is sent; one that came from config.toml, a preset or the
    conversation and is left out or held back is said on stderr, once."""
    from dataclasses import replace

    from deepseek_tui.api.models import model_traits

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
    inherited = session.parameters
    parameters = replace(inherited, **changes)  # type: ignore[arg-type]
    before = set(inherited.problems(session.model))
    problems = [p for p in parameters.problems(session.model) if p not in before]
    if problems:
        raise CliError(problems[0], 2)
    traits = model_traits(session.model)
    if args.json_mode and not traits.json_output:
        raise CliError(
            f"{session.model} does not take JSON mode: leave out --json-mode or pick "
            "another --model.",
            2,
        )
    session.parameters = parameters
    where = _where_set(session, args)
    if parameters.json_mode and not traits.json_output:
        _say(f"JSON mode ({where('json_mode')}) is not sent: {session.model} does not take it.")
    limit = traits.max_tokens
    if parameters.max_tokens is not None and limit is not None and parameters.max_tokens > limit:
        _say(
            f"{session.model} takes max_tokens up to {limit:,}, so {limit:,} is asked for, "
            f"not the {parameters.max_tokens:,} of {where('max_tokens')}."
        )
    problem = session.json_mode_problem(prompt)
    if problem:
        raise CliError(problem, 2)


def _where_set(session: Session, args: argparse.Namespace) -> Callable[[str], str]:
    """Where an inherited parameter was set, as the user would change it."""

    def where(name: str) -> str:
        if args.continue_last or args.conversation:
            return "the conversation's saved parameters"
        preset, settings = session.preset, session.settings
        if preset and settings is not None and name in settings.preset(preset):
            return f"the preset {preset}"
        return f"{name} in config.toml"

    return where


_DIM = "2"

_DIM_ITALIC = "2;3"


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
        # Whether what was written last ends a line: asking the reply would join
        # all of the reasoning (200 MB) to read one character.
        self._ends_line = False

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
            if text:
                self._ends_line = text.endswith("\n")
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

    def close(self, reply: Reply, *, answer_follows: bool) -> None:
        """The reasoning is over: the answer begins, or the stream ended without one."""
        if not self._open:
            return
        self._open = False
        if not self._terminal:
            if answer_follows:
                self._err.write("\n" if self._ends_line else "\n\n")
            else:
                self._err.end_line()
            return
        from deepseek_tui.api.events import thought_label

        tokens = reply.usage.reasoning_tokens if reply.usage is not None else 0
        self._err.end_line()
        self._line(thought_label(reply.reasoning_seconds, tokens), _DIM)
        if answer_follows:
            self._err.write("\n")

    def interrupted(self) -> None:
        """Stopped mid-reasoning: on a terminal, what follows starts on its own line."""
        if self._open and self._terminal:
            self._err.end_line()
