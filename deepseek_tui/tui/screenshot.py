"""The palette's "Screenshot": an SVG of the screen saved in the working folder (else
the config folder), saying where, or in one sentence why it could not be saved.
Textual's own saved to a Downloads folder that may not exist, saying only that it
failed (`DeepSeekApp.get_system_commands` offers this one instead)."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
