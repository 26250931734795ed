"""One factory for every caller: the provider picks the client, settings its limits."""

from __future__ import annotations

from deepseek_tui.api.client import DeepSeekClient
from deepseek_tui.api.providers import ChatClient, client_for
from deepseek_tui.api.segmind import SegmindClient
from deepseek_tui.config import Settings
from tests.helpers import TEST_KEY

SETTINGS = Settings(connect_timeout=3, first_data_timeout=99, stall_timeout=7, max_attempts=5)


async def test_deepseek_and_compatible_gateways_get_the_deepseek_client() -> None:
    async with client_for(SETTINGS, "http://127.0.0.1:1/", TEST_KEY) as client:
        assert isinstance(client, DeepSeekClient)
        assert client.base_url == "http://127.0.0.1:1"
        assert (client.first_data_timeout, client.stall_timeout, client.max_attempts) == (
            99,
            7,
            5,
        )


async def test_segmind_gets_its_own_client() -> None:
    async with client_for(SETTINGS, "http://127.0.0.1:1", TEST_KEY, "segmind") as client:
        assert isinstance(client, SegmindClient)
        assert (client.first_data_timeout, client.max_attempts) == (99, 5)


async def test_a_key_test_asks_once_and_soon_whatever_the_provider() -> None:
    for provider in ("deepseek", "segmind"):
        client: ChatClient = client_for(
            SETTINGS,
            "http://127.0.0.1:1",
            TEST_KEY,
            provider,
            first_data_timeout=30,
            max_attempts=1,
        )
        async with client:
            assert isinstance(client, DeepSeekClient | SegmindClient)
            assert (client.first_data_timeout, client.max_attempts) == (30, 1)


async def test_the_profile_picks_the_wire_and_segmind_api() -> None:
    settings = Settings(
        providers={
            "segmind": {"api": "v1"},
            "serevix": {"base_url": "http://127.0.0.1:1/v1", "model": "deepseek-v3"},
            "mysegmind": {"kind": "segmind", "base_url": "http://127.0.0.1:1", "model": "m"},
        }
    )
    async with client_for(settings, "http://127.0.0.1:1", TEST_KEY, "segmind") as client:
        assert isinstance(client, SegmindClient) and client.api == "v1"
    async with client_for(settings, "http://127.0.0.1:1", TEST_KEY, "serevix") as client:
        assert isinstance(client, DeepSeekClient)
    async with client_for(settings, "http://127.0.0.1:1", TEST_KEY, "mysegmind") as client:
        assert isinstance(client, SegmindClient) and client.api == "v2"


async def test_every_client_answers_for_balance_and_credits() -> None:
    # Nothing listens on port 1: Segmind's answer comes without a request.
    async with client_for(SETTINGS, "http://127.0.0.1:1", TEST_KEY, "segmind") as client:
        assert await client.balance() is None  # no balance endpoint: credits come with answers
        assert client.remaining_credits is None  # none said before its first answer
    async with client_for(SETTINGS, "http://127.0.0.1:1", TEST_KEY) as client:
        assert client.remaining_credits is None  # DeepSeek's answers never say
