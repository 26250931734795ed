"""`balance`: what is left on the account, asked of the provider's API."""

from __future__ import annotations

import argparse
import asyncio
import sys

from deepseek_tui.cli.output import CliError, _fit, _Output, _say
from deepseek_tui.cli.settings import _no_key, _paths, _provider, _settings
from deepseek_tui.config import Settings, load_api_key, resolve_base_url


def run_balance(args: argparse.Namespace) -> int:
    paths = _paths(args)
    settings = _settings(paths)
    if getattr(args, "demo", False):
        from deepseek_tui.emulator.demo import DEMO_KEY, demo_emulator

        with demo_emulator() as emulator:
            return asyncio.run(_balance(settings, "deepseek", emulator.base_url, DEMO_KEY))
    provider = _provider(args, settings)
    if settings.profile(provider).kind == "segmind":
        raise CliError(_no_balance(provider))  # said before asking for its key
    base_url = resolve_base_url(settings, getattr(args, "base_url", None), provider=provider)
    key = load_api_key(paths, provider, key_env=settings.profile(provider).key_env)
    if key is None:
        raise CliError(_no_key(settings, provider))
    return asyncio.run(_balance(settings, provider, base_url, key.value))


async def _balance(settings: Settings, provider: str, base_url: str, api_key: str) -> int:
    """Print each currency's total, one a line ("12.34 USD"); a note on stderr when the
    server says the balance is not enough to use the API."""
    from deepseek_tui.api.errors import ApiError, NotFoundError
    from deepseek_tui.api.providers import client_for

    client = client_for(settings, base_url, api_key, provider)
    try:
        report = await client.balance()
    except NotFoundError:
        raise CliError(
            f"{provider} does not tell the balance (no /user/balance at {base_url})"
        ) from None
    except ApiError as error:
        raise CliError(str(error)) from None
    finally:
        await client.aclose()
    if report is None:
        raise CliError(_no_balance(provider))
    out = _Output(sys.stdout)
    for balance in report.balances:
        out.write(f"{_fit(balance.total, 40)} {_fit(balance.currency, 10)}\n")
    if not report.balances:
        _say("the server listed no balance")
    if not report.is_available:
        _say("the balance is not enough to use the API: top it up on the provider's site")
    return 0


def _no_balance(provider: str) -> str:
    return (
        f"{provider} has no balance to ask for: its credits left are shown after each "
        "answer (the TUI's status line)"
    )
