"""The open conversation's request parameters (JSON mode, stop sequences, max_tokens,
penalties, reasoning effort) and the account's balance, from the chat's palette."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from deepseek_tui.api.errors import ApiError
from deepseek_tui.api.models import REASONING_EFFORTS, model_traits
from deepseek_tui.api.request import JSON_MODE_RULE, Parameters
from deepseek_tui.tui.balance import balance_error, balance_text
from deepseek_tui.tui.widgets.dialogs import TextPrompt

if TYPE_CHECKING:
    from deepseek_tui.tui.screens.chat import ChatScreen

Command = tuple[str, Callable[[], object], str]
# Typed into a parameter's prompt, this takes the parameter away (the server's default).
CLEAR = "off"
# Stop sequences are typed on one line, separated by this.
STOP_SEPARATOR = " | "


def parameter_commands(chat: ChatScreen) -> list[Command]:
    """The palette's entries for the parameters and the balance."""
    parameters = chat.session.parameters
    traits = model_traits(chat.session.model)
    json_help = "the answer is a JSON object; the prompt must mention JSON"
    if not traits.json_output:
        json_help = f"{chat.session.model} does not take it (not sent to it)"
    efforts = (None, *REASONING_EFFORTS)
    effort = efforts[(efforts.index(parameters.reasoning_effort) + 1) % len(efforts)]
    commands: list[Command] = [
        (
            f"JSON mode: turn {'off' if parameters.json_mode else 'on'}",
            partial(toggle_json_mode, chat),
            json_help,
        ),
        (
            "Stop sequences…",
            partial(ask_stop, chat),
            STOP_SEPARATOR.join(map(repr, parameters.stop)) or "none",
        ),
        (
            "Max tokens…",
            partial(ask_number, chat, "max_tokens", int),
            _limit_help(parameters.max_tokens, traits.max_tokens),
        ),
        (
            "Frequency penalty…",
            partial(ask_number, chat, "frequency_penalty", float),
            _penalty_help(parameters.frequency_penalty),
        ),
        (
            "Presence penalty…",
            partial(ask_number, chat, "presence_penalty", float),
            _penalty_help(parameters.presence_penalty),
        ),
        (
            f"Reasoning effort: {effort or 'the default'}",
            partial(set_parameters, chat, reasoning_effort=effort),
            "V4 models while they think; high or max",
        ),
        ("Show balance", partial(show_balance, chat), "what is left on the account"),
    ]
    return commands


def _limit_help(value: int | None, limit: int | None) -> str:
    now = f"now {value:,}" if value is not None else "now the server's default"
    return f"{now}; this model takes up to {limit:,}" if limit else now


def _penalty_help(value: float | None) -> str:
    now = f"now {value:g}" if value is not None else "not sent"
    return f"{now}; -2 to 2, not sent while a model thinks"


def set_parameters(chat: ChatScreen, **changes: Any) -> bool:
    """Change the conversation's parameters (saved with it); a value the model cannot
    take is refused with its sentence."""
    session = chat.session
    parameters: Parameters = replace(session.parameters, **changes)
    problems = parameters.problems(session.model)
    if problems:
        chat.notify(problems[0], severity="warning", markup=False)
        return False
    session.set_parameters(parameters)
    chat.update_status()
    summary = parameters.summary() or "the defaults"
    chat.notify(f"This conversation's parameters: {summary}.", markup=False)
    return True


def toggle_json_mode(chat: ChatScreen) -> None:
    on = not chat.session.parameters.json_mode
    if set_parameters(chat, json_mode=on) and on:
        chat.notify(JSON_MODE_RULE, title="JSON mode on", timeout=10, markup=False)


def ask_stop(chat: ChatScreen) -> None:
    current = STOP_SEPARATOR.join(chat.session.parameters.stop)

    def typed(text: str | None) -> None:
        if text is None:
            return
        stop = () if text == CLEAR else tuple(s for s in text.split(STOP_SEPARATOR) if s)
        set_parameters(chat, stop=stop)

    question = f"Stop sequences, separated by {STOP_SEPARATOR.strip()!r} ({CLEAR}: none)"
    chat.app.push_screen(TextPrompt(question, current), typed)


def ask_number(chat: ChatScreen, name: str, kind: type[int] | type[float]) -> None:
    current = getattr(chat.session.parameters, name)
    label = name.replace("_", " ").capitalize()

    def typed(text: str | None) -> None:
        if text is None:
            return
        if text == CLEAR:
            set_parameters(chat, **{name: None})
            return
        try:
            value = kind(text)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            chat.notify(f"{label} must be {what}, not {text!r}.", severity="warning")
            return
        set_parameters(chat, **{name: value})

    shown = "" if current is None else str(current)
    chat.app.push_screen(TextPrompt(f"{label} ({CLEAR}: the server's default)", shown), typed)


def show_balance(chat: ChatScreen) -> None:
    chat.run_worker(_balance(chat), group="balance", exclusive=True, exit_on_error=False)


async def _balance(chat: ChatScreen) -> None:
    app = chat.app
    try:
        report = await app.connect().balance()
    except ApiError as error:
        chat.notify(balance_error(error), title="Balance", severity="error", markup=False)
        return
    if report is None:
        chat.notify(
            f"{app.provider_name} has no balance to ask for; its credits left show in "
            "the status line after each answer.",
            markup=False,
        )
        return
    chat.notify(balance_text(report), title="Balance", timeout=10, markup=False)
