"""The open conversation's request parameters (JSON mode, stop sequences, max_tokens,
penalties, reasoning effort) and the account's balance, from the chat's palette."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from deepseek_tui.api.errors import ApiError
from deepseek_tui.api.models import REASONING_EFFORTS, model_traits
from deepseek_tui.api.request import JSON_MODE_RULE, ChatRequest, Parameters
from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.balance import balance_error, balance_text
from deepseek_tui.tui.widgets.dialogs import TextPrompt

if TYPE_CHECKING:
    from deepseek_tui.session import Session
    from deepseek_tui.tui.app import DeepSeekApp
    from deepseek_tui.tui.screens.chat_status import StatusUpdates

Command = tuple[str, Callable[[], object], str]
# Typed into a parameter's prompt, this takes the parameter away (the server's default).
CLEAR = "off"
# Stop sequences are typed on one line, separated by this.
STOP_SEPARATOR = " | "


class ParametersHost(Protocol):
    """What these entries use of the chat screen that lists them: typed here, so that
    this module does not import the screen back."""

    @property
    def app(self) -> DeepSeekApp: ...
    @property
    def session(self) -> Session: ...
    @property
    def status_updates(self) -> StatusUpdates: ...
    def notify(self, message: str, **options: Any) -> None: ...
    def run_worker(self, work: Any, **options: Any) -> Any: ...


def parameter_commands(chat: ParametersHost) -> list[Command]:
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


def set_parameters(chat: ParametersHost, **changes: Any) -> bool:
    """Change the conversation's parameters (saved with it); a value the model cannot
    take is refused with its sentence. Only what this change brings is refused: a
    max_tokens above the model's cap set before (in Settings, for another model) is
    held to the cap when sent, and said, but it does not stop JSON mode going on."""
    session = chat.session
    before = set(session.parameters.problems(session.model))
    parameters: Parameters = replace(session.parameters, **changes)
    problems = [p for p in parameters.problems(session.model) if p not in before]
    if problems:
        chat.notify(problems[0], severity="warning", markup=False)
        return False
    session.set_parameters(parameters)
    chat.status_updates.update()
    summary = parameters.summary() or "the defaults"
    chat.notify(f"This conversation's parameters: {summary}.", markup=False)
    for sentence in unsent(session):
        chat.notify(sentence, severity="warning", timeout=10, markup=False)
    return True


def toggle_json_mode(chat: ParametersHost) -> None:
    on = not chat.session.parameters.json_mode
    if set_parameters(chat, json_mode=on) and on and model_traits(chat.session.model).json_output:
        chat.notify(JSON_MODE_RULE, title="JSON mode on", timeout=10, markup=False)


# Each parameter and the field of the request body that carries it.
_WIRE = {
    "json_mode": "response_format",
    "stop": "stop",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "reasoning_effort": "reasoning_effort",
}


def unsent(session: Session) -> list[str]:
    """One sentence for each of the conversation's parameters that the next request
    leaves out or holds back, and why. Read from the body the request would have
    (`ChatRequest.body`), so it says what is sent, not what the rules are thought to be."""
    parameters, model = session.parameters, session.model
    traits = model_traits(model)
    request = ChatRequest.with_parameters(model, [], parameters, thinking=session.thinking)
    body = request.body(stream=True)
    thinks = request.thinks
    model = sanitize(model, name=True)  # a gateway's id, as the notice shows it
    sentences = []
    for name, field in _WIRE.items():
        if getattr(parameters, name) in (None, False, ()) or field in body:
            continue
        if name == "json_mode":
            sentences.append(f"JSON mode is not sent to {model}: it does not take it.")
        elif name == "reasoning_effort" and not traits.effort:
            sentences.append(f"Reasoning effort is not sent to {model}: only V4 models take it.")
        elif name == "reasoning_effort":
            sentences.append(
                f"Reasoning effort is not sent while {model} does not think (^t turns it on)."
            )
        elif thinks:
            what = name.replace("_", " ").capitalize()
            how = "(^t turns it off)" if traits.thinking == "toggle" else "(it always does)"
            sentences.append(f"{what} is not sent while {model} thinks {how}.")
        else:
            sentences.append(f"{name} is not sent to {model}.")
    if parameters.max_tokens is not None and body.get("max_tokens") != parameters.max_tokens:
        limit = body.get("max_tokens")
        sentences.append(
            f"{model} takes max_tokens up to {limit:,}, so {limit:,} is asked for, not the "
            f"{parameters.max_tokens:,} set {_max_tokens_source(session)}."
        )
    return sentences


def _max_tokens_source(session: Session) -> str:
    """Where the conversation's max_tokens comes from, as the user would change it."""
    settings, preset = session.settings, session.preset
    if (
        settings is not None
        and preset in settings.preset_names()
        and "max_tokens" in settings.preset(preset)
    ):
        return f"by the preset {sanitize(preset, name=True)}"
    if session.parameters.max_tokens == session.default_parameters.max_tokens:
        return "in Settings (Max tokens)"
    return "for this conversation (palette: Max tokens…)"


@contextmanager
def saying_unsent(chat: ParametersHost) -> Iterator[None]:
    """Around a change of model or thinking: say what it leaves out of the next
    request that was sent before (what was already left out was said then)."""
    before = set(unsent(chat.session))
    yield
    for sentence in unsent(chat.session):
        if sentence not in before:
            chat.notify(sentence, severity="warning", timeout=10, markup=False)


def ask_stop(chat: ParametersHost) -> None:
    current = STOP_SEPARATOR.join(chat.session.parameters.stop)

    def typed(text: str | None) -> None:
        if text is None:
            return
        stop = () if text == CLEAR else tuple(s for s in text.split(STOP_SEPARATOR) if s)
        set_parameters(chat, stop=stop)

    question = f"Stop sequences, separated by {STOP_SEPARATOR.strip()!r} ({CLEAR}: none)"
    chat.app.push_screen(TextPrompt(question, current), typed)


def ask_number(chat: ParametersHost, name: str, kind: type[int] | type[float]) -> None:
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


def show_balance(chat: ParametersHost) -> None:
    chat.run_worker(_balance(chat), group="balance", exclusive=True, exit_on_error=False)


async def _balance(chat: ParametersHost) -> None:
    app = chat.app
    try:
        report = await app.connect().balance()
    except ApiError as error:
        chat.notify(balance_error(error), title="Balance", severity="error", markup=False)
        return
    if report is None:
        chat.notify(
            f"{app.connection.provider_name} has no balance to ask for; its credits left show in "
            "the status line after each answer.",
            markup=False,
        )
        return
    chat.notify(balance_text(report), title="Balance", timeout=10, markup=False)
