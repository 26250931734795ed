"""`--provider NAME` for a gateway profile from config.toml: its own URL, model and key
(`key set --provider NAME`), and never DeepSeek's key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deepseek_tui.emulator import Emulator
from tests.helpers import TEST_KEY, run

GATEWAY_KEY = "gw-test-0000000000000000wxyz"


@pytest.fixture
def gateway() -> Iterator[Emulator]:
    with Emulator(api_keys={GATEWAY_KEY}) as server:
        yield server


def write_profile(tmp_path: Path, gateway: Emulator) -> None:
    config = tmp_path / "config"
    config.mkdir(mode=0o700, exist_ok=True)
    (config / "config.toml").write_text(
        "[providers.serevix]\n"
        f'base_url = "{gateway.base_url}/v1"\n'
        'model = "deepseek-v4-pro"\n'
        'key_env = "SEREVIX_API_KEY"\n'
        "supports_prefix = false\n"
    )


def test_ask_through_a_gateway_profile_with_its_own_key(
    tmp_path: Path, emulator: Emulator, gateway: Emulator
) -> None:
    write_profile(tmp_path, gateway)
    saved = run("key", "set", "--provider", "serevix", stdin=GATEWAY_KEY + "\n")
    assert saved.returncode == 0, saved.stderr
    # DeepSeek's key is there too, in the environment and the file: it must stay home.
    assert run("key", "set", stdin=TEST_KEY + "\n").returncode == 0
    env = {"DEEPSEEK_API_KEY": TEST_KEY, "DEEPSEEK_BASE_URL": emulator.base_url}

    result = run("ask", "--provider", "serevix", "--no-thinking", "echo: via the gateway", env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == b"via the gateway"
    [request] = gateway.requests
    assert request.path == "/v1/chat/completions"
    assert request.body["model"] == "deepseek-v4-pro"
    assert request.headers["authorization"] == f"Bearer {GATEWAY_KEY}"
    assert TEST_KEY not in repr(request.headers) + repr(request.body)
    assert emulator.requests == []


def test_the_gateway_key_can_come_from_its_own_variable_and_base_url_overrides(
    tmp_path: Path, gateway: Emulator
) -> None:
    write_profile(tmp_path, gateway)
    env = {"SEREVIX_API_KEY": GATEWAY_KEY, "DEEPSEEK_API_KEY": TEST_KEY}
    result = run(
        "--provider",
        "serevix",
        "ask",
        "--base-url",
        gateway.base_url,
        "--model",
        "deepseek-chat",
        "echo: overridden",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    [request] = gateway.requests
    assert request.path == "/chat/completions"
    assert request.body["model"] == "deepseek-chat"
    assert request.headers["authorization"] == f"Bearer {GATEWAY_KEY}"


def test_a_gateway_without_its_key_is_refused_not_sent_the_deepseek_key(
    tmp_path: Path, gateway: Emulator
) -> None:
    write_profile(tmp_path, gateway)
    result = run("ask", "--provider", "serevix", "hello", env={"DEEPSEEK_API_KEY": TEST_KEY})
    assert result.returncode == 1
    assert b"no API key for serevix" in result.stderr
    assert b"SEREVIX_API_KEY" in result.stderr
    assert gateway.requests == []


def test_an_unknown_provider_lists_the_known_ones(tmp_path: Path, gateway: Emulator) -> None:
    write_profile(tmp_path, gateway)
    for args in (
        ("ask", "--provider", "nope", "hi"),
        ("--provider", "nope"),
        ("key", "show", "--provider", "nope"),
    ):
        result = run(*args)
        assert result.returncode == 2, args
        assert b"unknown provider 'nope': choose deepseek, segmind or serevix" in result.stderr


def test_key_show_names_the_profiles_variable(tmp_path: Path, gateway: Emulator) -> None:
    write_profile(tmp_path, gateway)
    shown = run("key", "show", "--provider", "serevix", env={"SEREVIX_API_KEY": GATEWAY_KEY})
    assert shown.returncode == 0
    assert "SEREVIX_API_KEY" in shown.stdout.decode()
    assert GATEWAY_KEY not in shown.stdout.decode()
