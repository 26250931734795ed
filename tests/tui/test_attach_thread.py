"""A file is read in a thread: a slow disk never holds up a frame (issue 19 §4)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from deepseek_tui import attachments
from deepseek_tui.tui.widgets.attachments import AttachmentChips
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.prompt import Prompt
from tests.helpers import wait_for


async def test_the_app_goes_on_while_a_file_is_read(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "notes.txt").write_text("some notes\n")
    reading, release = threading.Event(), threading.Event()
    read = attachments.read_attachment

    def slow_disk(*args: object, **kwargs: object) -> attachments.Read:
        reading.set()
        release.wait(30)
        return read(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(attachments, "read_attachment", slow_disk)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.query_one(Prompt).attach(tmp_path / "notes.txt")
        await wait_for(pilot, reading.is_set, "the read started")
        await pilot.press(*"typed meanwhile")  # the loop is free: the keys are handled
        composer = app.screen.query_one(Composer)
        await wait_for(pilot, lambda: composer.text == "typed meanwhile", "typing echoed")
        release.set()
        chips = app.screen.query_one(AttachmentChips)
        await wait_for(pilot, lambda: len(chips.attachments) == 1, "the file attached")
