"""`key set|show|delete`: a provider's API key in credentials.toml, shown masked."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from deepseek_tui.cli.output import CliError
from deepseek_tui.cli.settings import _paths, _provider
from deepseek_tui.config import (
    PROVIDERS,
    ConfigError,
    Settings,
    delete_api_key,
    load_api_key,
    load_settings,
    store_api_key,
)


def run_key(args: argparse.Namespace) -> int:
    paths = _paths(args)
    try:
        settings = load_settings(paths)
    except ConfigError:
        if args.provider not in PROVIDERS:
            raise  # only config.toml knows this provider, and it cannot be read
        settings = Settings()  # a broken config.toml must not keep a key from being set
    provider = _provider(args, settings)
    key_env = settings.profile(provider).key_env
    if args.action == "set":
        if sys.stdin.isatty():
            value = getpass.getpass(f"{provider} API key (input hidden): ")
        else:
            value = sys.stdin.readline()
        try:
            tightened = store_api_key(paths, value, provider)
        except ValueError as error:
            raise CliError(str(error)) from None
        except OSError as error:
            raise CliError(f"could not save the key to {paths.credentials_file}: {error}") from None
        stored = load_api_key(paths, provider, environ={}, key_env=key_env)
        masked = stored.masked if stored else "the key"
        print(f"Saved {masked} to {paths.credentials_file}.")
        if tightened:
            print(tightened)
        if os.environ.get(key_env, "").strip():
            print(f"Note: {key_env} is set and takes precedence over the stored key.")
        return 0
    if args.action == "show":
        key = load_api_key(paths, provider, key_env=key_env)
        if key is None:
            flag = "" if provider == "deepseek" else f" --provider {provider}"
            raise CliError(f"no {provider} API key is set (run `deepseek-tui key set{flag}`)")
        where = key_env if key.source == "env" else str(paths.credentials_file)
        from deepseek_tui.terminal import sanitize

        print(sanitize(f"{key.masked} (from {where})", name=True))
        return 0
    try:
        deleted = delete_api_key(paths, provider)
    except OSError as error:
        raise CliError(f"could not change {paths.credentials_file}: {error}") from None
    if not deleted:
        raise CliError(f"no stored {provider} API key to delete")
    print(f"Deleted the stored {provider} API key.")
    if os.environ.get(key_env, "").strip():
        print(f"Note: {key_env} is still set in your environment.")
    return 0
