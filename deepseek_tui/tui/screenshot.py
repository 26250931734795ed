"""The palette's "Screenshot": an SVG of the screen saved in the working folder (else
the config folder), saying where, or in one sentence why it could not be saved.
Textual's own saved to a Downloads folder that may not exist, saying only that it
failed (`system_commands`, which `DeepSeekApp.get_system_commands` returns, offers
this one instead)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand

if TYPE_CHECKING:
    from pathlib import Path

    from deepseek_tui.tui.app import DeepSeekApp


def save_screenshot(app: DeepSeekApp) -> Path | None:
    """Save an SVG of the screen in the working folder (else the config folder) and
    say where; or say in one sentence why it could not be saved."""
    from datetime import datetime
    from pathlib import Path

    from deepseek_tui.terminal import sanitize

    name = f"deepseek-tui_{datetime.now():%Y-%m-%dT%H_%M_%S}.svg"
    svg = app.export_screenshot()
    problem = ""
    for folder in (Path.cwd(), app.paths.dir):
        path = folder / name
        try:
            path.write_text(svg, encoding="utf-8")
        except OSError as error:
            problem = problem or f"{folder}: {error.strerror or error}"
            continue
        app.notify(f"Screenshot saved to {sanitize(str(path), name=True)}", markup=False)
        return path
    app.notify(
        f"Could not save the screenshot ({sanitize(problem)}).", severity="error", markup=False
    )
    return None


def system_commands(app: DeepSeekApp, commands: Iterable[SystemCommand]) -> Iterator[SystemCommand]:
    """Textual's commands, less the ones that say twice what ours say or do nothing
    here: its "Keys" panel (our help is "Help: every key", f1) and "Maximize" (of a
    composer or a list). Its "Screenshot" saved to a Downloads folder that may not
    exist, saying only that it failed: ours saves where one works (`save_screenshot`)."""
    for command in commands:
        if command.title in ("Keys", "Maximize", "Minimize"):
            continue
        if command.title == "Screenshot":
            # After the palette has closed, as Textual does: it is not in the picture.
            yield SystemCommand(
                "Screenshot",
                "Save an SVG picture of the screen in the working folder",
                lambda: app.set_timer(0.1, lambda: save_screenshot(app)),
            )
            continue
        yield command
