"""Rich/Textual markup in data never reaches a parser: a title, a first message, a
model id from /models, a base URL shown by "Test key", a --conversation id."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from textual.command import CommandList, CommandPalette
from textual.widgets import OptionList

from deepseek_tui.config import Settings
from deepseek_tui.store import Store
from deepseek_tui.tui.screens.chat import ChatScreen
from deepseek_tui.tui.screens.model_picker import ModelPicker
from deepseek_tui.tui.screens.settings import SettingsScreen
from tests.helpers import notices, screen_text, seed, sidebar_ids, wait_for


def picker_ids(app) -> list[str | None]:
    listing = app.screen.query_one("#models", OptionList)
    return [listing.get_option_at_index(i).id for i in range(listing.option_count)]


MARKUP = st.one_of(
    st.sampled_from(["[/]", "[bold", "[/bold]", "[link=x]y", "[@click=app.quit]x[/]", "[$accent]"]),
    # Never blank: a model id is stripped, and a blank one is not listed at all.
    st.text(alphabet="[]/=@$#:bold x", min_size=1, max_size=14).filter(str.strip),
)


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=MARKUP)
@example(text="[/]")
def test_markup_in_data_is_shown_as_text_everywhere(make_app, paths, text: str) -> None:
    asyncio.run(_every_place(make_app, paths, text))


async def _every_place(make_app, paths, text: str) -> None:
    store = Store.open(paths.database)
    conversation_id = seed(store, text, 1)
    store.close()
    # A base URL nothing listens on (loopback only): "Test key" shows its error.
    app = make_app(
        conversation_id=conversation_id,
        settings=Settings(base_url=f"http://127.0.0.1:9/{text}"),
        base_url=f"http://127.0.0.1:9/{text}",
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
        app.model_list.server_models[app.provider] = [text, "deepseek-chat"]
        # Each place is drawn before the next is opened: a markup error raised while
        # drawing would end the app (and the test) there.
        await pilot.press("ctrl+l")  # the title in the list
        await wait_for(pilot, lambda: conversation_id in sidebar_ids(app), "the list")
        await pilot.press("escape", "ctrl+o")  # the model id in the picker
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker), "the picker")
        # Listed stripped, as every model id is (the strategy may draw ": ").
        await wait_for(pilot, lambda: text.strip() in picker_ids(app), "the id in the picker")
        await pilot.press("escape", "ctrl+p")  # ... and in the palette
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"Model")
        await wait_for(pilot, lambda: app.screen.query(CommandList).first().option_count, "hits")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
        await pilot.press("ctrl+t")  # Test key: the error names the URL
        await wait_for(
            pilot, lambda: str(app.screen.query_one("#key-result").render()).strip(), "a result"
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat again")
        assert app.return_code is None  # still running: nothing crashed
        await wait_for(pilot, lambda: text.strip() in screen_text(app), "the title drawn as it is")


def test_a_conversation_id_with_markup_is_a_plain_message(make_app) -> None:
    async def run() -> None:
        app = make_app(conversation_id="[/]x[bold")
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
            # Said in a notice, as it was given; the app goes on with a new conversation.
            said = "No conversation '[/]x[bold'; starting a new one."
            await wait_for(pilot, lambda: said in notices(app), lambda: str(notices(app)))
            assert app.return_code is None
            assert app.session.conversation is None

    asyncio.run(run())
