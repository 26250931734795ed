"""The conversation's parameters and the balance from the palette (issue 10 §4, §5):
Pilot drives the app, the emulator over loopback records what was sent."""

from __future__ import annotations

from deepseek_tui.api.request import JSON_MODE_MISSING, Parameters
from deepseek_tui.emulator import Emulator
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.dialogs import TextPrompt
from tests.helpers import answered, chat_bodies, notices, palette, send, wait_for


async def test_json_mode_from_the_palette_states_the_rule_and_reaches_the_request(
    make_app, emulator: Emulator
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await palette(pilot, "JSON mode: turn on")
        assert app.session.parameters.json_mode
        await wait_for(
            pilot, lambda: any("must mention JSON" in n for n in notices(app)), "the rule"
        )

        # Without the word, nothing is sent and the text stays to be fixed.
        await send(pilot, "hello")
        await wait_for(
            pilot, lambda: any(JSON_MODE_MISSING in n for n in notices(app)), "the refusal"
        )
        assert chat_bodies(emulator) == []
        assert app.screen.query_one(Composer).text == "hello"

        app.screen.query_one(Composer).clear()
        await send(pilot, "echo: reply in JSON")
        await answered(pilot)
        assert chat_bodies(emulator)[-1]["response_format"] == {"type": "json_object"}
        saved = app.session.store.conversation_parameters(app.session.conversation.id)
        assert saved == {"json_mode": True}


async def test_stop_and_max_tokens_from_the_palette(make_app, emulator: Emulator) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await palette(pilot, "Stop sequences")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt), "the prompt")
        await pilot.press(*"END | ###", "enter")
        await pilot.pause()
        assert app.session.parameters.stop == ("END", "###")

        await palette(pilot, "Max tokens")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt), "the prompt")
        await pilot.press(*"9000", "enter")
        await wait_for(
            pilot, lambda: any("up to 8,192" in n for n in notices(app)), "the model's limit"
        )
        assert app.session.parameters.max_tokens is None

        await send(pilot, "echo: hi")
        await answered(pilot)
        assert chat_bodies(emulator)[-1]["stop"] == ["END", "###"]
        assert app.session.parameters == Parameters(stop=("END", "###"))


async def test_the_balance_on_demand(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await palette(pilot, "Show balance")
        await wait_for(
            pilot, lambda: any("12.34 USD" in n for n in notices(app)), "the balance notice"
        )


async def test_segmind_has_no_balance_to_ask_for(make_app) -> None:
    app = make_app(provider="segmind")
    async with app.run_test(size=(120, 40)) as pilot:
        await palette(pilot, "Show balance")
        await wait_for(
            pilot, lambda: any("no balance to ask for" in n for n in notices(app)), "the notice"
        )


def said(app, words: str) -> bool:
    return any(words in notice for notice in notices(app))


async def test_json_mode_goes_on_beside_a_max_tokens_above_the_cap_which_is_said(
    make_app, emulator: Emulator
) -> None:
    """Issue 18 §4: on deepseek-chat with Settings' max_tokens 99,999, "JSON mode: turn
    on" said only the cap and left JSON mode off; now JSON mode goes on, and the cap is
    said with where the 99,999 is set (8,192 is what the request asks for)."""
    from deepseek_tui.config import Settings

    app = make_app(settings=Settings(max_tokens=99_999))
    async with app.run_test(size=(120, 40)) as pilot:
        await palette(pilot, "JSON mode: turn on")
        await wait_for(pilot, lambda: said(app, "must mention JSON"), "the rule")
        assert app.session.parameters.json_mode
        assert said(app, "so 8,192 is asked for, not the 99,999 set in Settings")
        await send(pilot, "echo: reply in JSON")
        await answered(pilot)
        body = chat_bodies(emulator)[-1]
        assert body["response_format"] == {"type": "json_object"}
        assert body["max_tokens"] == 8192


async def test_what_a_model_or_thinking_leaves_out_is_said(make_app) -> None:
    """Issue 18 §4: JSON mode on a model without JSON output, a penalty while the model
    thinks, and a max_tokens above the cap after ^o were taken in silence."""
    from deepseek_tui.config import Settings

    app = make_app(settings=Settings(model="deepseek-reasoner", max_tokens=9000))
    async with app.run_test(size=(120, 40)) as pilot:
        await palette(pilot, "JSON mode: turn on")
        await wait_for(
            pilot, lambda: said(app, "JSON mode is not sent to deepseek-reasoner"), "why"
        )
        assert not said(app, "must mention JSON")  # no rule for what is not sent

        await palette(pilot, "Model: deepseek-chat")  # what ^o does once picked
        await wait_for(pilot, lambda: said(app, "deepseek-chat takes max_tokens up to"), "cap")
        assert said(app, "not the 9,000 set in Settings (Max tokens)")

        await palette(pilot, "Model: deepseek-v4-flash")  # thinks by default
        await palette(pilot, "Frequency penalty")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt), "the prompt")
        await pilot.press(*"0.5", "enter")
        sentence = "Frequency penalty is not sent while deepseek-v4-flash thinks (^t turns it off)."
        await wait_for(pilot, lambda: said(app, sentence), "the penalty left out")
        app.clear_notifications()
        await pilot.press("ctrl+t")  # off: the penalty is sent, nothing to say
        await wait_for(pilot, lambda: not app.session.thinks, "thinking off")
        await pilot.press("ctrl+t")  # on again: left out again, said again
        await wait_for(pilot, lambda: said(app, sentence), "said at ^t")
