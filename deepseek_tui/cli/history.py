"""The saved conversations from the command line: `history` (list, search), `export`
and `import`; opening the database and finding a conversation by its id."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from deepseek_tui.cli.output import CliError, _fit, _Output, _terminal_width
from deepseek_tui.cli.settings import _paths
from deepseek_tui.config import Paths

if TYPE_CHECKING:
    from deepseek_tui.store import Conversation, Store


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
                "preset": summary.preset,
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
    # A PRESET column only when a conversation started from one (scripts read the rest).
    presets = [_fit(s.preset or "-", 20) for s in summaries]
    preset_width = (
        max(len("PRESET"), *(len(p) for p in presets)) if any(s.preset for s in summaries) else 0
    )
    preset_head = f"{'PRESET':<{preset_width}}  " if preset_width else ""
    head = f"{'ID':<8}  {'UPDATED':<16}  {'MSGS':>5}  {'MODEL':<{model_width}}  {preset_head}"
    width = _terminal_width()
    out.write(head + "TITLE\n")
    for summary, model, preset in zip(summaries, models, presets, strict=True):
        conversation = summary.conversation
        title = ("* " if conversation.pinned else "") + (conversation.title or UNTITLED)
        preset_cell = f"{preset:<{preset_width}}  " if preset_width else ""
        out.write(
            f"{conversation.id[:8]:<8}  {_local_time(conversation.updated_at):<16}  "
            f"{summary.message_count:>5}  {model:<{model_width}}  {preset_cell}"
            + _fit(title, max(width - len(head), 20))
            + "\n"
        )
    return 0


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
