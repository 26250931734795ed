"""Writing a conversation as a file: the JSON export format (which `import` reads
back) and a readable Markdown page. The CLI's `export` and the TUI's export action
both come through `export_text` / `write_export`, so they write the same bytes."""

from __future__ import annotations

import html
import json
import os
import stat
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from deepseek_tui.api.events import FinishReason, finish_sentence
from deepseek_tui.attachments import Attachment
from deepseek_tui.config import atomic_write
from deepseek_tui.markdown import close_open_fence, fence_for
from deepseek_tui.store import UNTITLED
from deepseek_tui.timestamps import parse_time

if TYPE_CHECKING:
    from deepseek_tui.api.events import ToolCall
    from deepseek_tui.messages import Message
    from deepseek_tui.store import Conversation

ExportFormat = Literal["markdown", "json"]
FORMATS: tuple[ExportFormat, ...] = ("markdown", "json")
SUFFIXES: dict[ExportFormat, str] = {"markdown": "md", "json": "json"}

_HEADINGS = {
    "user": "User",
    "assistant": "Assistant",
    "system": "System prompt",
    "tool": "Tool result",
}


def export_text(
    conversation: Conversation, messages: Sequence[Message], fmt: ExportFormat = "markdown"
) -> str:
    """The whole file: `messages` (the branch to export, oldest first) as JSON or
    Markdown. Ends with a newline."""
    if fmt == "json":
        data = conversation_to_json(conversation, messages)
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return conversation_to_markdown(conversation, messages)


def write_export(
    path: Path,
    conversation: Conversation,
    messages: Sequence[Message],
    fmt: ExportFormat | None = None,
) -> ExportFormat:
    """Write the file atomically (a crash leaves the old file or the new one, never
    half of one). Without `fmt`, a path ending in `.json` gets JSON, any other
    Markdown. Returns the format written; raises `OSError` (`NotAFile` for a device,
    a pipe or a folder)."""
    chosen = fmt or format_for(path)
    target, mode = export_target(path)
    atomic_write(target, export_text(conversation, messages, chosen).encode("utf-8"), mode=mode)
    return chosen


class NotAFile(OSError):
    """The export's path names something that is not a regular file."""


def export_target(path: Path) -> tuple[Path, int]:
    """Where an export to `path` really goes, and the mode to give it.

    A symlink is written through (its target is replaced, the link stays a link);
    an existing file keeps its mode. A device, a pipe, a socket or a folder is
    refused with `NotAFile`: replacing `/dev/null` or a named pipe by a file is never
    what was meant (stdout is `-`).
    """
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    try:
        found = target.stat()
    except FileNotFoundError:
        return target, 0o644
    if not stat.S_ISREG(found.st_mode):
        what = "a folder" if stat.S_ISDIR(found.st_mode) else "not a regular file"
        raise NotAFile(f"it is {what}; name a file, or - for stdout")
    return target, stat.S_IMODE(found.st_mode)


def format_for(path: str | Path | None) -> ExportFormat:
    """The format a file name asks for: JSON for `.json`, Markdown otherwise."""
    return "json" if str(path or "").lower().endswith(".json") else "markdown"


def export_filename(conversation: Conversation, fmt: ExportFormat) -> str:
    """A file name for an export made without asking, e.g. `deepseek-1a2b3c4d.md`."""
    return f"deepseek-{conversation.id[:8]}.{SUFFIXES[fmt]}"


# --- JSON -----------------------------------------------------------------------------


def conversation_to_json(conversation: Conversation, messages: Sequence[Message]) -> dict[str, Any]:
    """The export format; `messages` is the branch to export, in order."""
    return {
        "id": conversation.id,
        "title": conversation.title,
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
        "messages": [_message_to_json(message) for message in messages],
    }


def _message_to_json(message: Message) -> dict[str, Any]:
    data: dict[str, Any] = {
        "role": message.role,
        "content": message.content,
        "reasoning_content": message.reasoning,
        "model": message.model,
        "finish_reason": message.finish_reason,
        "usage": message.usage.to_dict() if message.usage else None,
        "created_at": message.created_at,
    }
    if message.attachments:
        # Only where there are some: exports without files keep their old shape.
        data["attachments"] = [
            {"name": a.name, "size": a.size, "sha256": a.sha256, "text": a.text}
            for a in message.attachments
        ]
    # Tool calls and results, only where there are some (older exports keep their shape).
    if message.tool_calls:
        data["tool_calls"] = [call.to_wire() for call in message.tool_calls]
    if message.tool_call_id is not None:
        data["tool_call_id"] = message.tool_call_id
    if message.tool is not None:
        data["tool"] = asdict(message.tool)
    return data


# --- Markdown ------------------------------------------------------------------------


def conversation_to_markdown(conversation: Conversation, messages: Sequence[Message]) -> str:
    """A readable page: title, one section per message, reasoning folded away."""
    title = conversation.title.strip() or UNTITLED
    lines = [
        f"# {title}",
        "",
        f"*Conversation `{conversation.id}` · started {_readable(conversation.created_at)} · "
        f"last message {_readable(conversation.updated_at)} · exported from deepseek-tui*",
        "",
    ]
    for message in messages:
        heading = _HEADINGS.get(message.role, message.role.capitalize())
        if message.role == "assistant" and message.model:
            heading += f" · {message.model}"
        lines += ["---", "", f"## {heading}", ""]
        if message.reasoning:
            # A literal closing tag inside the reasoning would end the block early.
            reasoning = message.reasoning.strip().replace("</details>", "&lt;/details&gt;")
            lines += [
                "<details><summary>Reasoning</summary>",
                "",
                close_open_fence(reasoning),
                "",
                "</details>",
                "",
            ]
        content = message.content.strip() if message.role != "tool" else ""
        if content:
            # A cut answer may leave a fence open; closed, the rest of the page renders.
            lines += [close_open_fence(content), ""]
        for attachment in message.attachments:
            lines += _attachment_markdown(attachment)
        for call in message.tool_calls:
            lines += _tool_call_markdown(call)
        if message.role == "tool":
            lines += _tool_result_markdown(message)
        ending = _ending(message)
        if ending:
            lines += [f"*{ending}*", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _attachment_markdown(attachment: Attachment) -> list[str]:
    """A file folded away under its name, its text in a fence it cannot close."""
    fence = fence_for(attachment.text)
    return [
        f"<details><summary>{html.escape(attachment.label)}</summary>",
        "",
        f"{fence}{attachment.language}",
        attachment.text.rstrip("\n"),
        fence,
        "",
        "</details>",
        "",
    ]


def _fenced(text: str, language: str = "") -> list[str]:
    """`text` as a code block it cannot close: shown as it is, never as Markdown or HTML."""
    fence = fence_for(text)
    return [f"{fence}{language}", text.rstrip("\n"), fence, ""]


def _tool_call_markdown(call: ToolCall) -> list[str]:
    """A call the model asked for: the tool's name (inline code) and its arguments."""
    return [
        f"**Tool call** {_code(call.name)} · id {_code(call.id)}",
        "",
        *_fenced(call.arguments, "json"),
    ]


def _tool_result_markdown(message: Message) -> list[str]:
    """A call's result: which tool, how it ended, the whole output (the model may
    have been sent less), folded away."""
    run = message.tool
    if run is None:
        return [
            f"*Result of call {_code(message.tool_call_id or '?')}*",
            "",
            *_fenced(message.content),
        ]
    name = f"{run.server}/{run.tool}" if run.server else run.tool
    said = [name, run.status]
    if run.seconds is not None:
        said.append(f"{run.seconds:.1f} s")
    if run.cut:
        said.append("the model was sent the start only")
    summary = html.escape(" ".join(" · ".join(said).split()))
    return [
        f"<details><summary>{summary}</summary>",
        "",
        *_fenced(run.output or message.content),
        "</details>",
        "",
    ]


def _code(text: str) -> str:
    """Inline code that `text` cannot close (a name from a server or the model)."""
    text = " ".join(text.split())
    longest = max((len(part) for part in _backtick_runs(text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _backtick_runs(text: str) -> list[str]:
    runs, current = [], ""
    for char in text:
        if char == "`":
            current += char
        elif current:
            runs.append(current)
            current = ""
    if current:
        runs.append(current)
    return runs


def _ending(message: Message) -> str | None:
    if message.role != "assistant":
        return None
    if message.finish_reason == FinishReason.STOP:
        return None if message.content.strip() else "(An empty answer.)"
    return finish_sentence(message.finish_reason)


def _readable(stamp: str) -> str:
    try:
        return parse_time(stamp).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return stamp
