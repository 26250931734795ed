"""When a stream has ended, however it ended, the answer on screen is the saved answer:
the same text, drawn at its full height, its last line reachable (issue 16).

Each way a stream ends (finished, stopped with esc, cut by the server, cut at
max_tokens) and deltas of one and of fifty tokens, over loopback against the emulator.
"""

from __future__ import annotations

import pytest

from deepseek_tui.config import Paths
from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.store import Store
from deepseek_tui.tui.widgets.conversation import ConversationView
from deepseek_tui.tui.widgets.markdown import MarkdownView
from deepseek_tui.tui.widgets.messages import AssistantMessage
from tests.helpers import rendered, send, streaming_under_way, wait_for

QUESTION = "dense 700"  # ~2,800 characters: headings, code, a table, lists

ENDINGS = {
    "finished": (Faults(), "stop"),
    "stopped": (Faults(token_delay=0.02), "stopped"),
    "cut": (Faults(), "interrupted"),
    "length": (Faults(finish_length=True), "length"),
}


@pytest.mark.parametrize("pieces", [1, 50])
@pytest.mark.parametrize("ending", sorted(ENDINGS))
async def test_the_ended_answer_on_screen_is_the_saved_answer(
    make_app, emulator: Emulator, paths: Paths, ending: str, pieces: int
) -> None:
    faults, reason = ENDINGS[ending]
    faults.pieces_per_chunk = pieces
    if ending == "stopped":
        faults.token_delay = 0.02 * pieces  # the same pace in tokens a second
    if ending == "cut":
        faults.cut_after = 400 // pieces + 1  # the same ~400 tokens in
    emulator.faults = faults
    app = make_app()
    async with app.run_test(size=(80, 30)) as pilot:
        await send(pilot, QUESTION)
        if ending == "stopped":
            await streaming_under_way(pilot, chars=600)
            await pilot.press("escape")
        await app.workers.wait_for_complete()
        answer = app.screen.query_one(AssistantMessage)
        await wait_for(pilot, lambda: answer.finished, "the answer ended")
        await wait_for(pilot, lambda: rendered(app), "the answer rendered")

        store = Store.open(paths.database)  # what is on disk, read apart from the app
        try:
            conversation = store.last_conversation()
            assert conversation is not None
            saved = store.messages(conversation.id)[-1]
        finally:
            store.close()
        assert saved.role == "assistant" and saved.finish_reason == reason
        assert saved.content and len(saved.content) > 500

        view = answer.query_one(".answer", MarkdownView)
        assert view.source == saved.content
        assert view._renderer is not None
        whole = [strip.text.rstrip() for strip in view._renderer.render(saved.content)]
        lines = [view.render_line(y).text.rstrip() for y in range(view.size.height)]
        assert lines == whole

        conversation_view = app.screen.query_one(ConversationView)
        conversation_view.scroll_end(animate=False)
        await wait_for(
            pilot,
            lambda: 0 < view.region.bottom <= conversation_view.region.bottom,
            "the answer's last line scrolled into view",
        )
