"""A modal that picks a file to attach: type a path, or filter the working
directory's files and choose one."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from deepseek_tui.attachments import format_size, looks_binary
from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.widgets.dialogs import Dialog

# Folders that are never what one attaches from, and can be huge.
SKIPPED = frozenset({"node_modules", "__pycache__", "venv", "target", "dist", "build"})
MAX_FILES = 5000  # listed at most: a home directory must not stall the prompt
SHOWN = 200  # rows in the list at a time


def list_files(root: Path, limit: int = MAX_FILES) -> list[tuple[str, int]]:
    """Files under `root` as (relative path, size), sorted, at most `limit`: in a git
    work tree the ones git does not ignore, else all but hidden folders and SKIPPED."""
    tracked = _git_files(root)
    if tracked is not None:
        found = []
        for name in sorted(tracked):
            try:
                found.append((name, (root / name).stat().st_size))
            except OSError:
                continue  # deleted but still in the index, a broken link
            if len(found) >= limit:
                break
        return found
    return _walk(root, limit)


def _git_files(root: Path) -> list[str] | None:
    """What `git ls-files` lists (tracked and untracked, .gitignore respected), or
    None outside a work tree or without git."""
    try:
        listed = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            capture_output=True,
            timeout=3,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if listed.returncode != 0:
        return None
    names = listed.stdout.decode("utf-8", "surrogateescape").split("\0")
    return list(dict.fromkeys(name for name in names if name))


def _walk(root: Path, limit: int) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for folder, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if not f.startswith(".") and f not in SKIPPED)
        for name in sorted(files):
            path = Path(folder, name)
            try:
                size = path.stat().st_size
            except OSError:
                continue
            found.append((path.relative_to(root).as_posix(), size))
            if len(found) >= limit:
                return found
    return found


def matches(query: str, path: str) -> bool:
    """The query's characters appear in `path` in order (case-insensitive)."""
    rest = iter(path.lower())
    return all(char in rest for char in query.lower() if not char.isspace())


def rank(query: str, path: str) -> int | None:
    """How well `path` matches `query`, best first: 0 the name or path itself, 1 a
    name or path that starts with it, 2 one that holds it, 3 its letters in order
    (`matches`); None when it does not match. `latin` lists `files/latin1.txt`
    before `emulator/__init__.py`, whose letters merely come in that order."""
    typed = "".join(query.lower().split())
    lowered = path.lower()
    name = lowered.rpartition("/")[2]
    if not typed or typed in (lowered, name):
        return 0
    if lowered.startswith(typed) or name.startswith(typed):
        return 1
    if typed in lowered:
        return 2
    return 3 if matches(typed, lowered) else None


def ranked(query: str, files: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The files that match `query`, best matches first, in listing order within each."""
    found = [(rank(query, path), index) for index, (path, _) in enumerate(files)]
    return [files[index] for level, index in sorted(f for f in found if f[0] is not None)]


class AttachPicker(Dialog[Path | None]):
    """^a: Enter attaches the typed path, or the highlighted file; ↓/↑ move in the
    list; Esc cancels."""

    AUTO_FOCUS = "Input"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]
    CSS_PATH = "attach_picker.tcss"

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.files = list_files(root)
        self._binary: dict[str, bool] = {}  # looked at when first shown, not all at once

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Attach a file", classes="title")
            yield Input(placeholder="a path, or letters of one", id="path")
            yield OptionList(id="files")
            yield Static("⏎ attach · ↑/↓ choose · esc cancel", classes="hint")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        shown = ranked(query, self.files)[:SHOWN]
        for path, size in shown:
            # Names come from the disk: text, never markup or escapes.
            label = Text(sanitize(path, name=True))
            label.append(f"  {format_size(size)}", style="dim")
            binary = self._is_binary(path)
            if binary:  # said here, not offered and then refused
                label.append("  binary: only text files can be attached", style="dim")
            options.add_option(Option(label, id=path, disabled=binary))
        if not shown:
            said = sanitize(query.strip(), name=True)
            options.add_option(
                Option(Text(f"No file matches “{said}”", style="dim"), disabled=True)
            )
        options.action_first()  # the first that can be attached, if any

    def _is_binary(self, path: str) -> bool:
        if path not in self._binary:
            self._binary[path] = looks_binary(self.root / path)
        return self._binary[path]

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)  # its own moves step over binaries
        if step < 0:
            options.action_cursor_up()
        else:
            options.action_cursor_down()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed = event.value.strip()
        if typed and (self.root / Path(typed).expanduser()).exists():
            self.dismiss(self.root / Path(typed).expanduser())
            return
        options = self.query_one(OptionList)
        if options.highlighted is not None and options.option_count:
            chosen = options.get_option_at_index(options.highlighted).id
            self.dismiss(self.root / str(chosen))
        elif typed:
            self.dismiss(self.root / Path(typed).expanduser())  # said not to exist
        else:
            self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.root / str(event.option.id))
