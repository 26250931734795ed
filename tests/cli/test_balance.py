"""`deepseek-tui balance` (issue 10 §5): each currency's total from /user/balance."""

from __future__ import annotations

from deepseek_tui.emulator import Emulator
from tests.helpers import TEST_KEY, run

KEY = {"DEEPSEEK_API_KEY": TEST_KEY}


def test_balance_prints_each_currencys_total() -> None:
    with Emulator(balance="7.50", currency="CNY") as server:
        result = run("balance", "--base-url", server.base_url, env=KEY)
        assert result.returncode == 0, result.stderr
        assert result.stdout == b"7.50 CNY\n"
        assert result.stderr == b""
        assert server.requests[-1].path == "/user/balance"
        assert server.requests[-1].headers["authorization"] == f"Bearer {TEST_KEY}"


def test_an_empty_balance_says_so_on_stderr() -> None:
    with Emulator(balance="0.00") as server:
        result = run("balance", "--base-url", server.base_url, env=KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"0.00 USD\n"
    assert b"not enough to use the API" in result.stderr


def test_balance_offline_and_without_a_key() -> None:
    assert run("balance", "--demo").stdout == b"12.34 USD\n"
    result = run("balance")
    assert result.returncode == 1
    assert b"no API key for deepseek" in result.stderr


def test_a_gateway_profile_asks_with_its_own_key(emulator: Emulator, paths) -> None:
    paths.ensure_dir()
    paths.config_file.write_text(
        f'[providers.gw]\nbase_url = "{emulator.base_url}/v1"\nmodel = "deepseek-chat"\n'
    )
    result = run("balance", "--provider", "gw", env={"GW_API_KEY": "sk-gateway-key-0001"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"12.34 USD\n"
    assert emulator.requests[-1].path == "/v1/user/balance"
    assert emulator.requests[-1].headers["authorization"] == "Bearer sk-gateway-key-0001"


def test_segmind_has_no_balance_to_ask_for() -> None:
    result = run("balance", "--provider", "segmind", env={"SEGMIND_API_KEY": "sg-key"})
    assert result.returncode == 1
    assert b"credits left are shown after each answer" in result.stderr


def test_a_402_points_to_the_balance_command(emulator: Emulator) -> None:
    from deepseek_tui.emulator import Faults

    emulator.faults = Faults(error_status=402)
    result = run("ask", "--base-url", emulator.base_url, "hi", env=KEY)
    assert result.returncode == 1
    assert b"top up your balance; `deepseek-tui balance` shows what is left" in result.stderr
