"""Writing a conversation: one JSON and one Markdown writer for the CLI and the TUI."""

from __future__ import annotations

import json
from pathlib import Path

from deepseek_tui.export import (
    conversation_to_json,
    conversation_to_markdown,
    export_filename,
    export_text,
    parse_export,
    write_export,
)
from deepseek_tui.messages import MessageDraft, MessageUpdate
from deepseek_tui.store import UNTITLED, Store
from tests.helpers import export_of


def imported(data: dict) -> tuple[Store, str]:
    store = Store.memory()
    return store, store.insert_conversation(parse_export(data)).id


def test_markdown_folds_reasoning_and_notes_how_answers_ended() -> None:
    store = Store.memory()
    conversation = store.create_conversation("Markdown page")
    question = store.add_message(conversation.id, MessageDraft("user", "Show code"))
    cut = store.add_message(
        conversation.id,
        MessageDraft(
            "assistant",
            "Here:\n```python\nprint(1)",
            reasoning="Think </details> twice",
            model="deepseek-reasoner",
        ),
        parent_id=question.id,
    )
    store.update_message(cut.id, MessageUpdate(finish_reason="interrupted"))
    again = store.add_message(conversation.id, MessageDraft("user", "Again"), parent_id=cut.id)
    store.add_message(
        conversation.id, MessageDraft("assistant", "half"), parent_id=again.id
    )  # unfinished
    page = conversation_to_markdown(conversation, store.messages(conversation.id))
    assert page.startswith("# Markdown page\n")
    assert "## Assistant · deepseek-reasoner" in page
    assert (
        "<details><summary>Reasoning</summary>\n\nThink &lt;/details&gt; twice\n\n</details>"
        in (page)
    )
    assert "print(1)\n```\n" in page  # the fence a cut answer left open is closed
    assert "*Interrupted: the connection broke before the end.*" in page
    assert "*Unfinished: the app stopped while this answer was streaming.*" in page


def test_json_is_the_documented_format_with_text_as_written_and_a_final_newline() -> None:
    store, conversation_id = imported(export_of("Ünïcödé 漢字"))
    conversation = store.get_conversation(conversation_id)
    messages = store.messages(conversation_id)
    text = export_text(conversation, messages, "json")
    assert text.endswith("}\n") and "Ünïcödé 漢字" in text  # not \u-escaped
    assert json.loads(text) == conversation_to_json(conversation, messages)
    assert json.loads(text) == export_of("Ünïcödé 漢字")


def test_write_export_chooses_the_format_by_the_file_name(tmp_path: Path) -> None:
    store, conversation_id = imported(export_of("Files"))
    conversation = store.get_conversation(conversation_id)
    messages = store.messages(conversation_id)
    assert write_export(tmp_path / "c.json", conversation, messages) == "json"
    assert json.loads((tmp_path / "c.json").read_text())["title"] == "Files"
    assert write_export(tmp_path / "c.txt", conversation, messages) == "markdown"
    assert (tmp_path / "c.txt").read_text().startswith("# Files\n")
    assert write_export(tmp_path / "c.md", conversation, messages, "json") == "json"
    assert (tmp_path / "c.md").read_text() == export_text(conversation, messages, "json")
    assert export_filename(conversation, "markdown") == "deepseek-11111111.md"


def test_markdown_closes_a_tilde_fence_and_names_an_untitled_conversation() -> None:
    data = export_of("", messages=[export_of("x")["messages"][1]])
    data["messages"][0].update(content="Here:\n~~~~sh\nls\n```", finish_reason="length")
    store, conversation_id = imported(data)
    page = conversation_to_markdown(
        store.get_conversation(conversation_id), store.messages(conversation_id)
    )
    assert page.startswith(f"# {UNTITLED}\n")
    assert "ls\n```\n~~~~\n" in page  # ``` does not close ~~~~, so the page closes it
    assert "*Cut at the max_tokens limit.*" in page


def test_markdown_says_how_an_unknown_ending_ended() -> None:
    data = export_of("Odd")
    data["messages"][1]["finish_reason"] = "made_up"
    store, conversation_id = imported(data)
    page = conversation_to_markdown(
        store.get_conversation(conversation_id), store.messages(conversation_id)
    )
    assert "*Finish reason: made_up.*" in page


def test_markdown_shows_each_call_and_its_result_inert() -> None:
    from deepseek_tui.api.events import ToolCall
    from deepseek_tui.messages import ToolRun

    store = Store.memory()
    conversation = store.create_conversation("Tools")
    question = store.add_message(conversation.id, MessageDraft("user", "time?"))
    call = ToolCall("call_00_a", "demo__time", '{"x": "```\\n# not a heading"}')
    asked = store.add_message(
        conversation.id,
        MessageDraft("assistant", "", tool_calls=(call,), finish_reason="tool_calls"),
        parent_id=question.id,
    )
    output = "<script>x</script>\n```\n# Not a heading"
    store.add_message(
        conversation.id,
        MessageDraft(
            "tool",
            output[:10],
            tool_call_id="call_00_a",
            tool=ToolRun("demo", "time", "done", output, 0.5, cut=True),
        ),
        parent_id=asked.id,
    )
    page = conversation_to_markdown(conversation, store.messages(conversation.id))
    assert "**Tool call** `demo__time` · id `call_00_a`" in page
    assert "## Tool result" in page
    assert "<details><summary>demo/time · done · 0.5 s · the model was sent the start only" in page
    # The output in a fence it cannot close: its ``` and heading stay text.
    assert "````\n<script>x</script>\n```\n# Not a heading\n````" in page
