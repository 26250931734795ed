"""The prompt on its own, outside the chat screen: it attaches through the picker it is
given, and tells its host what would be sent (`DraftChanged`) and what was
(`Submitted`); `load` and `clear` are what an edit uses."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.message import Message
from textual.screen import ModalScreen

from deepseek_tui.attachments import Attachment
from deepseek_tui.tui.widgets.prompt import Prompt
from tests.helpers import wait_for


class PickNow(ModalScreen["Path | None"]):
    """A picker that picks `path` as soon as it is shown."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def on_mount(self) -> None:
        self.call_after_refresh(self._pick)

    def _pick(self) -> None:
        self.dismiss(self.path)


class Host(App[None]):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.heard: list[Message] = []

    def compose(self) -> ComposeResult:
        yield Prompt(lambda: PickNow(self.path), limit_kb=lambda: 100, id="prompt")

    def on_prompt_draft_changed(self, message: Prompt.DraftChanged) -> None:
        self.heard.append(message)

    def on_prompt_submitted(self, message: Prompt.Submitted) -> None:
        self.heard.append(message)


def heard(app: Host, kind: type[Message]) -> list:
    return [m for m in app.heard if isinstance(m, kind)]


async def test_the_prompt_attaches_through_the_picker_it_is_given(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("word " * 400)
    app = Host(path)
    async with app.run_test() as pilot:
        prompt = app.query_one(Prompt)
        prompt.pick_file()
        await wait_for(pilot, lambda: prompt.attachments, "the chip")
        # The chips' change is told at once.
        await wait_for(pilot, lambda: heard(app, Prompt.DraftChanged), "DraftChanged")
        draft = heard(app, Prompt.DraftChanged)[-1].draft
        assert [a.name for a in draft.attachments] == ["notes.md"]
        await pilot.press("enter")  # no text, a file: it goes
        await wait_for(pilot, lambda: heard(app, Prompt.Submitted), "Submitted")
        [sent] = heard(app, Prompt.Submitted)
        assert (sent.text, sent.attachments) == ("", draft.attachments)


async def test_load_and_clear_replace_the_text_and_the_files(tmp_path: Path) -> None:
    app = Host(tmp_path)
    files = (Attachment("a.py", 3, "0" * 64, "a=1"), Attachment("b.py", 3, "1" * 64, "b=2"))
    async with app.run_test() as pilot:
        prompt = app.query_one(Prompt)
        await pilot.press(*"draft")
        prompt.load("the question", files)
        assert prompt.draft.text == "the question" and prompt.attachments == files
        assert prompt.composer.has_focus and prompt.composer.cursor_at_end_of_text
        prompt.clear()
        assert prompt.draft.empty
        await pilot.press("enter")  # empty: nothing is sent
        await pilot.press(*"hi", "enter")
        await wait_for(pilot, lambda: heard(app, Prompt.Submitted), "Submitted")
        # The empty Enter came first, and sent nothing: only "hi" was heard.
        assert [(m.text, m.attachments) for m in heard(app, Prompt.Submitted)] == [("hi", ())]
