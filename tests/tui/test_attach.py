"""Attaching files in the TUI (issue 12 §1), with Pilot against the emulator over
loopback: ^a, the picker, chips, the request body, and the question reopened with
its files folded."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from deepseek_tui.config import Settings
from deepseek_tui.emulator import Emulator
from deepseek_tui.tui.screens.attach_picker import AttachPicker, list_files, matches
from deepseek_tui.tui.widgets.attachments import AttachedFile, AttachmentChips, Chip
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.dialogs import Confirm
from deepseek_tui.tui.widgets.question import UserMessage
from tests.helpers import answered, chat_bodies, notices, screen_text, send, wait_for


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "work"
    (work / "src").mkdir(parents=True)
    (work / "src" / "main.py").write_text("print('hi')\n")
    (work / "notes.md").write_text("# Notes\n```\ncode\n```\n")
    (work / ".git").mkdir()
    (work / ".git" / "HEAD").write_text("ref")
    monkeypatch.chdir(work)
    return work


async def attach(pilot, typed: str) -> None:
    await pilot.press("ctrl+a")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, AttachPicker), "the picker")
    await pilot.press(*typed, "enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_a_file_attached_with_ctrl_a_is_sent_kept_and_reopened_folded(
    make_app, emulator: Emulator, folder: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await attach(pilot, "mainpy")  # letters of the path, in order
        chips = app.screen.query_one(AttachmentChips)
        assert [a.name for a in chips.attachments] == ["main.py"]
        assert "📎 main.py · 12 B ✕" in screen_text(app)
        await send(pilot, "Review this")
        await answered(pilot)
        assert chips.attachments == () and not chips.display
        [shown] = app.screen.query(AttachedFile)
        assert shown.collapsed and shown.title.plain == "📎 main.py · 12 B"
        on_screen = screen_text(app)
        assert "📎 main.py · 12 B" in on_screen and "print('hi')" not in on_screen
    question = chat_bodies(emulator)[-1]["messages"][-1]["content"]
    assert question == "Review this\n\nmain.py\n```python\nprint('hi')\n```"

    again = make_app(continue_last=True)
    async with again.run_test(size=(120, 40)) as pilot:
        # Folded: its title is drawn, its text is not.
        await wait_for(pilot, lambda: "📎 main.py · 12 B" in screen_text(again), "the file")
        assert [w.text for w in again.screen.query(UserMessage)] == ["Review this"]
        [shown] = again.screen.query(AttachedFile)
        assert shown.collapsed and shown.title.plain == "📎 main.py · 12 B"
        assert "print('hi')" not in screen_text(again)
        shown.collapsed = False
        await wait_for(pilot, lambda: "print('hi')" in screen_text(again), "unfolded")


async def test_a_chip_is_removed_with_delete_before_sending(
    make_app, emulator: Emulator, folder: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await attach(pilot, "src/main.py")
        await attach(pilot, "notes.md")
        chips = app.screen.query_one(AttachmentChips)
        assert [a.name for a in chips.attachments] == ["main.py", "notes.md"]
        app.screen.query(Chip).first().focus()
        await pilot.press("delete")
        await pilot.pause()
        assert [a.name for a in chips.attachments] == ["notes.md"]
        await send(pilot, "only the notes")
        await answered(pilot)
    question = chat_bodies(emulator)[-1]["messages"][-1]["content"]
    assert question == "only the notes\n\nnotes.md\n````markdown\n# Notes\n```\ncode\n```\n````"


async def test_enter_with_only_a_file_sends_it(make_app, emulator: Emulator, folder: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await attach(pilot, "notes.md")
        await pilot.press("enter")
        await answered(pilot)
    assert chat_bodies(emulator)[-1]["messages"][-1]["content"].startswith("notes.md\n````")


async def test_a_binary_file_is_refused_with_its_sentence(
    make_app, emulator: Emulator, folder: Path
) -> None:
    (folder / "image.bin").write_bytes(b"\x00\x01\x02")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await attach(pilot, "image.bin")
        await wait_for(pilot, lambda: notices(app), "a notice")
        assert notices(app) == [
            "image.bin looks binary (a NUL byte); only text files can be attached."
        ]
        assert app.screen.query_one(AttachmentChips).attachments == ()


async def test_a_large_file_asks_first(make_app, emulator: Emulator, folder: Path) -> None:
    (folder / "big.txt").write_text("z" * 3000)
    app = make_app(settings=Settings(attach_limit_kb=2))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachPicker))
        await pilot.press(*"big.txt", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm), "the question")
        assert app.screen.question == (
            "big.txt is 3 KB, over the 2 KB limit for attachments; attach it anyway?"
        )
        assert "Don't attach (n)" in screen_text(app)
        await pilot.press("n")
        await app.workers.wait_for_complete()
        assert app.screen.query_one(AttachmentChips).attachments == ()
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachPicker))
        await pilot.press(*"big.txt", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm), "the question")
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [a.size for a in app.screen.query_one(AttachmentChips).attachments] == [3000]


async def test_text_that_is_not_utf8_is_said(make_app, emulator: Emulator, folder: Path) -> None:
    (folder / "old.txt").write_bytes("naïve".encode("latin-1"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await attach(pilot, "old.txt")
        await wait_for(pilot, lambda: notices(app), "a notice")
        assert notices(app) == ["old.txt is not UTF-8: what could not be read was replaced by �."]
        assert [a.text for a in app.screen.query_one(AttachmentChips).attachments] == ["na\ufffdve"]


async def test_file_names_are_shown_as_text_never_markup(
    make_app, emulator: Emulator, folder: Path
) -> None:
    (folder / "[bold]x[red]\x1b[31m.txt").write_text("hi")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await attach(pilot, "[bold]")
        assert "📎 [bold]x[red]" in screen_text(app)
        assert "\x1b" not in screen_text(app)


def test_the_picker_lists_files_without_hidden_folders(folder: Path) -> None:
    assert list_files(folder) == [("notes.md", 21), ("src/main.py", 12)]
    assert matches("smp", "src/main.py") and not matches("pms", "src/main.py")


async def test_editing_a_question_brings_its_files_back(
    make_app, emulator: Emulator, folder: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await attach(pilot, "notes.md")
        await send(pilot, "first")
        await answered(pilot)
        composer = app.screen.query_one(Composer)
        await pilot.press("up")
        await wait_for(pilot, lambda: composer.editing, "editing")
        chips = app.screen.query_one(AttachmentChips)
        assert [a.name for a in chips.attachments] == ["notes.md"]
        [question] = app.screen.query(".attached-question")
        assert question.has_class("-replaced")
        await pilot.press("escape")

        def as_it_was() -> bool:  # the question shown again, not faded; no edit
            questions = list(app.screen.query(".attached-question"))
            return len(questions) == 1 and not questions[0].has_class("-replaced")

        await wait_for(pilot, lambda: as_it_was() and not composer.editing, "the edit cancelled")
        assert chips.attachments == ()
        await pilot.press("up")
        await wait_for(pilot, lambda: composer.editing, "editing again")
        composer.clear()
        await send(pilot, "second")
        await answered(pilot)
    question = chat_bodies(emulator)[-1]["messages"][-1]["content"]
    assert question.startswith("second\n\nnotes.md\n````markdown\n")


async def test_the_gauge_counts_the_files_and_the_palette_removes_them(
    make_app, emulator: Emulator, folder: Path
) -> None:
    (folder / "long.txt").write_text("word " * 4000)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await attach(pilot, "long.txt")
        # 20,000 characters: thousands of tokens before anything is typed.
        await wait_for(
            pilot,
            lambda: re.match(r"ctx [4-6]\.\dk/", screen.status.context),
            lambda: screen.status.context,
        )
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Remove the attached", "enter")
        await wait_for(pilot, lambda: screen.query_one(AttachmentChips).attachments == ())
        await wait_for(pilot, lambda: not screen.status.context, "the gauge empties")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_in_a_git_work_tree_the_picker_leaves_ignored_files_out(folder: Path) -> None:
    shutil.rmtree(folder / ".git")  # the fixture's stand-in
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    (folder / ".gitignore").write_text("*.log\n")
    (folder / "debug.log").write_text("noise")
    assert list_files(folder) == [(".gitignore", 6), ("notes.md", 21), ("src/main.py", 12)]


async def test_at_the_start_of_a_word_picks_a_file_in_its_place(
    make_app, emulator: Emulator, folder: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        composer = app.screen.query_one(Composer)
        await pilot.press(*"mail a@b")  # inside a word: no picker
        await pilot.press("space", "@")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachPicker), "the picker")
        # Had the @ inside "a@b" asked for a picker, that picker would have taken the
        # keys after it, or (opened late: the composer's messages keep their order)
        # would be under this one.
        assert composer.text == "mail a@b @", "every key reached the composer"
        pickers = [s for s in app.screen_stack if isinstance(s, AttachPicker)]
        assert len(pickers) == 1, "one picker: not inside a word"
        await pilot.press(*"notes", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert composer.text == "mail a@b "
        assert [a.name for a in app.screen.query_one(AttachmentChips).attachments] == ["notes.md"]
        await pilot.press("@")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachPicker), "the picker")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, AttachPicker), "cancelled")
        await pilot.pause()  # the picker's answer (none) reaches the chat
        assert composer.text == "mail a@b @", "cancelled: the @ stays"


async def test_pasting_the_path_of_a_file_offers_to_attach_it(make_app, folder: Path) -> None:
    from textual import events

    from deepseek_tui.tui.widgets.dialogs import Confirm

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.screen
        composer = chat.composer
        composer.insert("look at ")
        composer.focus()
        app.post_message(events.Paste(str(folder / "src" / "main.py")))
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm), "the offer")
        await pilot.press("y")
        chips = chat.query_one(AttachmentChips)
        await wait_for(pilot, lambda: [a.name for a in chips.attachments] == ["main.py"], "chip")
        assert composer.text == "look at "  # the pasted path went, the file is attached
        # Ordinary text is only inserted; a path declined stays as text.
        app.post_message(events.Paste("just some words"))
        app.post_message(events.Paste("notes.md"))
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm), "the second offer")
        assert "Keep as text (n)" in screen_text(app)  # not "Keep it": that read as attach
        await pilot.press("n")
        await wait_for(pilot, lambda: composer.text.endswith("notes.md"), "kept as text")
        assert [a.name for a in chips.attachments] == ["main.py"]


async def test_the_picker_puts_exact_and_prefix_matches_first_and_marks_binaries(
    make_app, folder: Path
) -> None:
    (folder / "emulator").mkdir()
    (folder / "emulator" / "__init__.py").write_text("")
    (folder / "files").mkdir()
    (folder / "files" / "latin1.txt").write_text("naïve")
    (folder / "blob.dat").write_bytes(b"GIF\x00\x01")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachPicker), "the picker")
        await pilot.press(*"latin")
        await pilot.pause()
        assert screen_text(app).index("files/latin1.txt") < screen_text(app).index("emulator/")
        await pilot.press("ctrl+u", *"blob")
        await wait_for(pilot, lambda: "binary" in screen_text(app), "the binary marked")
        assert app.screen.query_one("#files").highlighted is None  # not offered
        await pilot.press("ctrl+u", *"qqq")
        await wait_for(pilot, lambda: "No file matches “qqq”" in screen_text(app), "no match")
