"""Presets created and edited from the settings (issue 12 §3): the Presets button
opens the editor, a saved preset is written to config.toml as [presets.NAME] and is
offered by ^n at once; editing one changes it; a clashing or invalid name gets one
sentence and nothing is written. Pilot drives the app over the emulator."""

from __future__ import annotations

from textual.widgets import Button, Input, OptionList, Select, TextArea

from deepseek_tui.config import Paths, Settings, load_settings
from deepseek_tui.emulator import Emulator
from deepseek_tui.tui.screens.chat import ChatScreen
from deepseek_tui.tui.screens.preset_editor import NEW, PresetEditor
from deepseek_tui.tui.screens.preset_form import PresetForm, read_preset_form
from deepseek_tui.tui.screens.preset_picker import PresetPicker
from deepseek_tui.tui.screens.settings import SettingsScreen
from tests.helpers import answered, send, wait_for

REVIEWER = {"description": "code review", "system_prompt": "You review code.", "stop": ["END"]}


async def open_editor(pilot) -> PresetEditor:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), "the settings")
    app.screen.query_one("#edit-presets", Button).press()
    await wait_for(pilot, lambda: isinstance(app.screen, PresetEditor), "the preset editor")
    return app.screen


async def fill(pilot, editor: PresetEditor, **values: str) -> None:
    for name, text in values.items():
        if name == "system_prompt":
            editor.query_one("#preset-system-prompt", TextArea).text = text
        elif name == "model":
            editor.query_one("#preset-model", Select).value = text
        else:
            field = editor.query_one(f"#preset-{name}", Input)
            field.value = text
    await pilot.pause()


async def save(pilot, editor: PresetEditor) -> None:
    editor.query_one("#preset-save", Button).press()
    await pilot.pause()


def problem(editor: PresetEditor) -> str:
    shown = editor.query_one("#preset-problem")
    return str(shown.render()) if shown.display else ""


async def test_a_new_preset_is_saved_to_config_and_offered_by_ctrl_n(
    make_app, paths: Paths, emulator: Emulator
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        editor = await open_editor(pilot)
        assert editor.query_one("#preset-choice", Select).value == NEW
        await fill(
            pilot,
            editor,
            name="poet",
            description="answers in verse",
            system_prompt="Answer in rhyme.",
            model="deepseek-reasoner",
            temperature="1.5",
        )
        await save(pilot, editor)
        settings = app.screen
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), "back in settings")
        assert load_settings(paths).presets["poet"] == {
            "description": "answers in verse",
            "system_prompt": "Answer in rhyme.",
            "model": "deepseek-reasoner",
            "temperature": 1.5,
        }
        assert "yours: poet" in str(settings.query_one("#presets-summary").render())
        await pilot.press("escape")  # the settings form itself is left unsaved
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
        assert "poet" in load_settings(paths).presets
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, PresetPicker), "the picker")
        rows = app.screen.query_one(OptionList)
        names = [rows.get_option_at_index(i).id for i in range(rows.option_count)]
        assert names[-1] == "poet"
        rows.highlighted = rows.option_count - 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.preset == "poet", "the preset")
        await send(pilot, "echo: hi")
        await answered(pilot)
        body = [r.body for r in emulator.requests if r.path.endswith("chat/completions")][-1]
        assert body["model"] == "deepseek-reasoner"
        assert body["messages"][0] == {"role": "system", "content": "Answer in rhyme."}


async def test_editing_a_preset_changes_it_and_keeps_what_the_editor_does_not_show(
    make_app, paths: Paths
) -> None:
    app = make_app(settings=Settings(presets={"reviewer": dict(REVIEWER)}))
    async with app.run_test(size=(100, 40)) as pilot:
        editor = await open_editor(pilot)
        editor.query_one("#preset-choice", Select).value = "reviewer"
        await wait_for(
            pilot, lambda: editor.query_one("#preset-name", Input).value == "reviewer", "loaded"
        )
        assert editor.query_one("#preset-description", Input).value == "code review"
        await fill(pilot, editor, system_prompt="You review Python.", temperature="0.2")
        await save(pilot, editor)
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), "back in settings")
        assert load_settings(paths).presets["reviewer"] == {
            "description": "code review",
            "system_prompt": "You review Python.",
            "stop": ["END"],
            "temperature": 0.2,
        }
        assert app.settings.preset("reviewer")["temperature"] == 0.2


async def test_a_clashing_or_invalid_name_gets_one_sentence_and_nothing_is_written(
    make_app, paths: Paths
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        editor = await open_editor(pilot)
        await fill(pilot, editor, name="coder", system_prompt="x")
        await save(pilot, editor)
        clash = "There is a preset called coder already: pick it above to edit it."
        await wait_for(pilot, lambda: problem(editor) == clash, lambda: problem(editor))
        assert app.screen is editor
        await fill(pilot, editor, name="my preset")
        await save(pilot, editor)
        await wait_for(
            pilot, lambda: "letters, digits, - and _" in problem(editor), lambda: problem(editor)
        )
        await fill(pilot, editor, name="ok", temperature="3")
        await save(pilot, editor)
        temperature = "Temperature must be a number from 0 to 2."
        await wait_for(pilot, lambda: problem(editor) == temperature, lambda: problem(editor))
        assert app.screen is editor
        assert not paths.config_file.exists()


def test_a_renamed_preset_keeps_its_place_and_a_built_in_one_is_saved_by_its_name() -> None:
    settings = Settings(presets={"a": {"system_prompt": "A"}, "b": {"system_prompt": "B"}})
    presets, problem = read_preset_form(
        settings, PresetForm(editing="a", name="z", system_prompt="A2")
    )
    assert problem is None
    assert list(presets) == ["z", "b"]
    assert presets["z"] == {"system_prompt": "A2"}
    presets, problem = read_preset_form(
        settings, PresetForm(editing="coder", name="coder", system_prompt="Mine.")
    )
    assert problem is None
    # The editor shows every key a built-in one has: a blank field leaves it out.
    assert presets["coder"] == {"system_prompt": "Mine."}
    _, problem = read_preset_form(settings, PresetForm(editing="a", name="b"))
    assert problem is not None and "called b already" in problem
