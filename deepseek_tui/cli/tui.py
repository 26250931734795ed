"""The default command: the chat in the terminal (the Textual app, imported only here)."""

from __future__ import annotations

import argparse

from deepseek_tui.cli.output import CliError
from deepseek_tui.cli.settings import _paths, _preset, _provider, _settings


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
    from deepseek_tui.tui.app import launch

    return launch(args, paths, settings)
