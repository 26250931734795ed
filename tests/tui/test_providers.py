"""Provider profiles in the TUI: a gateway with its own key and models, switched to
mid-conversation in the model picker and in settings; DeepSeek's key never reaches it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.widgets import OptionList, Select

from deepseek_tui.api.errors import NO_CONTINUE
from deepseek_tui.config import Settings, load_settings, store_api_key
from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.tui.screens.model_picker import ModelPicker
from deepseek_tui.tui.screens.settings import SettingsScreen
from deepseek_tui.tui.widgets.messages import AssistantMessage
from tests.helpers import TEST_KEY, answered, chat_requests, notices, screen_text, send, wait_for

GATEWAY_KEY = "gw-test-0000000000000000wxyz"


@pytest.fixture
def gateway() -> Iterator[Emulator]:
    """Serevix, played by a second emulator that takes only its own key."""
    with Emulator(api_keys={GATEWAY_KEY}) as server:
        yield server


def with_gateway(gateway: Emulator, **table) -> Settings:
    return Settings(
        providers={
            "serevix": {
                "base_url": gateway.base_url + "/v1",
                "model": "deepseek-v4-pro",
                "key_env": "SEREVIX_API_KEY",
                "supports_prefix": False,
                **table,
            }
        }
    )


def assert_never_saw_the_deepseek_key(gateway: Emulator) -> None:
    assert gateway.requests, "the gateway was asked"
    for request in gateway.requests:
        assert TEST_KEY not in repr(request.headers), request.path
        assert TEST_KEY not in repr(request.body), request.path
        assert request.headers["authorization"] == f"Bearer {GATEWAY_KEY}"


async def open_picker(pilot) -> ModelPicker:
    await pilot.press("ctrl+o")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelPicker), "the picker")
    return pilot.app.screen


def listed(picker: ModelPicker) -> list[str | None]:
    options = picker.query_one(OptionList)
    return [options.get_option_at_index(i).id for i in range(options.option_count)]


async def test_switching_to_a_gateway_in_the_picker_mid_conversation(
    make_app, emulator: Emulator, gateway: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEREVIX_API_KEY", GATEWAY_KEY)
    app = make_app(settings=with_gateway(gateway))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: from DeepSeek")
        await answered(pilot)
        picker = await open_picker(pilot)
        picker.query_one("#provider", Select).value = "serevix"
        # The gateway's own list, asked with its own key; not DeepSeek's built-in ids.
        await wait_for(pilot, lambda: any(r.path == "/v1/models" for r in gateway.requests))
        await wait_for(pilot, lambda: "deepseek-v4-flash" in listed(picker), "its /models")
        assert listed(picker)[0] == "deepseek-v4-pro"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.provider == "serevix", "switched")
        gateway.faults = Faults(finish_length=True)  # the answer is cut short
        await send(pilot, "echo: from the gateway, cut short")
        await wait_for(pilot, lambda: len(app.screen.query(AssistantMessage)) == 2)
        await answered(pilot)
        assert app.screen.query(AssistantMessage).last().content.startswith("from the")
        assert "serevix: deepseek-v4-pro" in screen_text(app)

        # The gateway cannot continue a cut answer: ^f says so and sends nothing.
        assert app.session.can_continue
        sent = len(gateway.requests)
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: any(NO_CONTINUE in n for n in notices(app)), "why not")
        assert len(gateway.requests) == sent

    body = chat_requests(gateway)[0].body
    assert body["model"] == "deepseek-v4-pro"
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert chat_requests(gateway)[0].path == "/v1/chat/completions"
    assert len(chat_requests(emulator)) == 1, "DeepSeek got only the first question"
    assert_never_saw_the_deepseek_key(gateway)


async def test_a_provider_without_a_key_is_not_switched_to(
    make_app, emulator: Emulator, gateway: Emulator
) -> None:
    app = make_app(settings=with_gateway(gateway))
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot)
        picker.query_one("#provider", Select).value = "serevix"
        await wait_for(pilot, lambda: "could not be listed" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("SEREVIX_API_KEY" in n for n in notices(app)), "why not")
        assert app.provider == "deepseek"
        await send(pilot, "echo: still DeepSeek")
        await answered(pilot)
    assert gateway.requests == [], "nothing went to the gateway, least of all DeepSeek's key"


async def test_typing_an_exact_id_picks_it_even_when_a_longer_one_is_listed_first(
    make_app, emulator: Emulator, gateway: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEREVIX_API_KEY", GATEWAY_KEY)
    settings = with_gateway(gateway, models=["deepseek-v4-flash-2", "deepseek-v4-flash"])
    app = make_app(settings=settings, provider="serevix", base_url=None, api_key=GATEWAY_KEY)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press(*"deepseek-v4-flash")
        assert listed(picker)[:2] == ["deepseek-v4-flash", "deepseek-v4-flash-2"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.model == "deepseek-v4-flash")

        # An id nobody lists can be typed in too.
        picker = await open_picker(pilot)
        await pilot.press(*"deepseek-v4-pro-0901")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.model == "deepseek-v4-pro-0901")
        assert app.provider == "serevix"


async def test_switching_provider_in_settings_uses_its_own_key(
    make_app, paths, emulator: Emulator, gateway: Emulator
) -> None:
    app = make_app(settings=with_gateway(gateway))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
        screen = app.screen
        screen.query_one("#provider", Select).value = "serevix"
        await wait_for(
            pilot,
            lambda: screen.query_one("#base_url").value == gateway.base_url + "/v1",
            "the gateway's URL",
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Paste the serevix API key" in screen_text(app))
        screen.query_one("#api_key").value = GATEWAY_KEY
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.provider == "serevix", "switched")
        await send(pilot, "echo: through the gateway")
        await answered(pilot)
        assert app.screen.query(AssistantMessage).last().content == "through the gateway"
    saved = load_settings(paths)
    assert saved.provider == "serevix"
    assert saved.profile("serevix").base_url == gateway.base_url + "/v1"
    assert_never_saw_the_deepseek_key(gateway)


async def test_switching_back_to_deepseek_uses_the_deepseek_key_again(
    make_app, paths, emulator: Emulator, gateway: Emulator
) -> None:
    store_api_key(paths, GATEWAY_KEY, "serevix")
    app = make_app(settings=with_gateway(gateway))
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.connection.switch_provider("serevix") is None
        await send(pilot, "echo: one")
        await answered(pilot)
        assert app.connection.switch_provider("deepseek") is None
        assert app.session.model == "deepseek-chat"
        await send(pilot, "echo: two")
        await wait_for(pilot, lambda: len(chat_requests(emulator)) == 1)
        await answered(pilot)
    assert chat_requests(emulator)[0].headers["authorization"] == f"Bearer {TEST_KEY}"
    assert_never_saw_the_deepseek_key(gateway)


async def test_a_gateway_that_bills_in_yuan_shows_yuan(make_app, gateway: Emulator) -> None:
    price = {"cache_hit": 1.0, "cache_miss": 2.0, "output": 8.0}  # per 1M tokens, in CNY
    settings = with_gateway(gateway, prices={"deepseek-v4-pro": price}, currency="CNY")
    app = make_app(settings=settings, provider="serevix", base_url=None, api_key=GATEWAY_KEY)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: priced")
        await answered(pilot)
        answer = app.screen.query_one(AssistantMessage)
        assert "<¥0.01" in answer.status, answer.status
        status = str(app.screen.query_one("#status").render())
        assert "¥0.000" in status and "$" not in status, status


async def test_at_80_columns_the_pickers_segmind_row_says_why_in_full(make_app) -> None:
    """The reason a provider's models could not be listed wraps, not cut to
    "There is no Segmind k…"."""
    from deepseek_tui.tui.screens.model_picker import ModelPicker
    from tests.helpers import screen_text, wait_for

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker), "the picker")
        await pilot.press("ctrl+o")  # the next provider: Segmind, with no key
        await wait_for(pilot, lambda: "could not be listed" in screen_text(app), "the reason")
        said = " ".join(str(app.screen.query_one("#models-note").render()).split())
        shown = " ".join(
            line.strip(" │") for line in screen_text(app).splitlines() if line.strip(" │")
        )
        assert said in shown, (said, shown)
