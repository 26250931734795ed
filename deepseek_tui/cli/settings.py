"""What a command runs with: the config dir (leftovers removed, made private), checked
settings, the provider and preset the options name, and the words for a missing key."""

from __future__ import annotations

import argparse

from deepseek_tui.cli.output import CliError, _say
from deepseek_tui.config import (
    Paths,
    Settings,
    load_settings,
    remove_leftover_temp_files,
    tighten_permissions,
    unknown_preset,
    unknown_provider,
)


def _paths(args: argparse.Namespace) -> Paths:
    paths = Paths.resolve(getattr(args, "config_dir", None))
    remove_leftover_temp_files(paths)
    tightened = tighten_permissions(paths)
    if tightened:
        _say(tightened)
    return paths


def _settings(paths: Paths) -> Settings:
    settings = load_settings(paths)
    problems = settings.validate()
    if problems:
        raise CliError(f"{paths.config_file}: {problems[0]}")
    return settings


def _preset(args: argparse.Namespace, settings: Settings) -> str | None:
    """The preset asked for (--preset), if any; an unknown name is a usage error that
    lists the known ones."""
    preset: str | None = getattr(args, "preset", None)
    if preset is not None and preset not in settings.preset_names():
        raise CliError(unknown_preset(preset, settings.preset_names()), 2)
    return preset


def _provider(args: argparse.Namespace, settings: Settings) -> str:
    """The provider profile asked for (--provider, else the settings' default); an
    unknown name is a usage error that lists the known ones."""
    provider = getattr(args, "provider", None) or settings.provider
    if provider not in settings.provider_names():
        raise CliError(unknown_provider(provider, settings.provider_names()), 2)
    return provider


def _no_key(settings: Settings, provider: str) -> str:
    flag = "" if provider == "deepseek" else f" --provider {provider}"
    return (
        f"no API key for {provider}: set {settings.profile(provider).key_env}, "
        f"run `deepseek-tui key set{flag}`, or try it offline with --demo"
    )
