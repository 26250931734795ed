"""The default command: the chat in the terminal (the Textual app, imported only here)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from deepseek_tui.cli.output import CliError
from deepseek_tui.cli.settings import _paths, _preset, _provider, _settings
from deepseek_tui.config import load_api_key, resolve_base_url

if TYPE_CHECKING:
    from deepseek_tui.config import Paths, Settings


def run_tui(args: argparse.Namespace) -> int:
    paths = _paths(args)
    settings = _settings(paths)
    _provider(args, settings)  # an unknown provider is a usage error before the screen opens
    _preset(args, settings)  # and so is an unknown preset
    if args.theme:
        from deepseek_tui.tui.themes import theme_names

        known = theme_names(paths.themes_dir)
        if args.theme not in known:
            raise CliError(
                f"unknown theme {args.theme!r}; the themes are: {', '.join(known)}", status=2
            )
    return launch(args, paths, settings)


def launch(args: argparse.Namespace, paths: Paths, settings: Settings) -> int:
    """Run the TUI for the command line's options."""
    from deepseek_tui.tui.app import DeepSeekApp

    options: dict[str, Any] = {
        "paths": paths,
        "settings": settings,
        "model": args.model,
        "conversation_id": args.conversation,
        "continue_last": args.continue_last,
        "preset": args.preset,
    }
    if args.theme:
        settings.theme = args.theme
    if args.demo:
        from deepseek_tui.emulator.demo import DEMO_KEY, demo_emulator

        with demo_emulator() as emulator:
            app = DeepSeekApp(
                base_url=emulator.base_url,
                api_key=DEMO_KEY,
                demo=True,
                emulator=emulator,
                **options,
            )
            app.run()
        return app.return_code or 0
    provider = args.provider or settings.provider
    key = load_api_key(paths, provider, key_env=settings.profile(provider).key_env)
    app = DeepSeekApp(
        base_url=resolve_base_url(settings, args.base_url, provider=provider),
        api_key=key.value if key else None,
        provider=provider,
        **options,
    )
    app.run()
    return app.return_code or 0
