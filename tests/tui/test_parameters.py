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
