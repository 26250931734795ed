"""API keys: credentials.toml, the environment, and masking a key wherever it shows."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import tomli_w

from deepseek_tui.config.files import (
    ConfigError,
    Paths,
    atomic_write,
    read_toml,
    tighten_permissions,
)

ENV_API_KEY = "DEEPSEEK_API_KEY"


# credentials.toml: {"providers": {"<provider>": {"api_key": "…"}}}


@dataclass(frozen=True)
class ApiKey:
    """An API key and where it came from; its repr never shows the secret."""

    value: str = field(repr=False)
    source: Literal["env", "file"]

    @property
    def masked(self) -> str:
        return mask_key(self.value)


def mask_key(key: str) -> str:
    """Show enough of a key to recognise it (``sk-…abcd``) and never more than 4 of its end.

    The "sk-" prefix is not secret; of the rest at least half always stays hidden, so
    short keys show less (``…cd``, then ``****``).
    """
    prefix = "sk-" if key.startswith("sk-") else ""
    secret = key[len(prefix) :]
    if len(secret) >= 12:
        return (prefix or secret[:2]) + "…" + secret[-4:]
    if len(secret) >= 8:
        return prefix + "…" + secret[-4:]
    if len(secret) >= 6:
        return prefix + "…" + secret[-2:]
    return "****"


# DeepSeek's keys: "sk-" and 32 hex digits; anything of that shape in text from
# outside (a server's words, an exception's message) is taken for a key.
_KEY_SHAPED = re.compile(r"\bsk-[A-Za-z0-9_-]{12,}")
# What follows an `Authorization`/`x-api-key` header name, or "Bearer ", is a key
# whatever its shape (a gateway's, an echoed request's headers, httpx's own errors).
_HEADER_VALUE = re.compile(
    r"((?i:authorization|x-api-key)[\"']?\s*[:=]\s*[\"']?(?:(?i:bearer)\s+)?|\bBearer\s+)"
    r"([^\s\"',;}]{8,})"
)
_SHORTEST_KEY = 8  # below this, replacing a "key" everywhere would mangle words
# Every key this process has loaded, stored or been given: a gateway's from `key_env`
# or credentials.toml too, so any profile's key is masked wherever it shows up (the
# debug log, a crash report, a notice, stderr), not only the one in use.
_KNOWN_KEYS: set[str] = set()


def remember_key(key: str | None) -> None:
    """Mask `key` from now on wherever `hide_keys` runs (too short a one is not
    replaced everywhere: it would mangle words)."""
    if key and len(key.strip()) >= _SHORTEST_KEY:
        _KNOWN_KEYS.add(key.strip())


def hide_keys(text: str, key: str | None = None) -> str:
    """`text` with API keys masked as `mask_key` shows them (``sk-…abcd``): `key` and
    every key this process knows (`remember_key`) wherever they appear, any
    `Authorization`/`x-api-key`/Bearer value, and anything shaped like a DeepSeek key."""
    keys = set(_KNOWN_KEYS)
    if key and len(key) >= _SHORTEST_KEY:
        keys.add(key)
    # Longest first: a key that holds another is masked whole.
    for known in sorted(keys, key=len, reverse=True):
        if known in text:
            text = text.replace(known, mask_key(known))
    text = _HEADER_VALUE.sub(lambda found: found.group(1) + mask_key(found.group(2)), text)
    return _KEY_SHAPED.sub(lambda found: mask_key(found.group()), text)


def _read_credentials(path: Path) -> dict[str, Any]:
    """The parsed credentials file (empty if missing), checked for the shape we write."""
    data = read_toml(path)
    if data is None:
        return {}
    providers = data.get("providers", {})
    if not isinstance(providers, dict):
        raise ConfigError(f"Invalid value in {path}: 'providers' must be a table.", path=path)
    for name, entry in providers.items():
        if not isinstance(entry, dict):
            raise ConfigError(
                f"Invalid value in {path}: 'providers.{name}' must be a table.", path=path
            )
        # The value is a secret: the message never shows it.
        if "api_key" in entry and not isinstance(entry["api_key"], str):
            raise ConfigError(
                f"Invalid value in {path}: 'providers.{name}.api_key' must be a string.",
                path=path,
            )
    return data


def load_api_key(
    paths: Paths,
    provider: str = "deepseek",
    *,
    environ: Mapping[str, str] | None = None,
    key_env: str | None = None,
) -> ApiKey | None:
    """Find the key: the provider's environment variable first (``key_env``, by default
    ``$DEEPSEEK_API_KEY``, ``$SEGMIND_API_KEY``, ``$NAME_API_KEY``), then the
    credentials file. Each provider has its own entry: one's key is never another's."""
    env = os.environ if environ is None else environ
    name = key_env or env_key_name(provider)
    from_env = env.get(name, "").strip()
    if from_env:
        # The file is not even read, so a broken one cannot block an env key.
        return _usable(ApiKey(from_env, "env"), paths, f"${name}", f"set {name} again")
    data = _read_credentials(paths.credentials_file)
    stored = data.get("providers", {}).get(provider, {}).get("api_key", "").strip()
    if not stored:
        return None
    flag = "" if provider == "deepseek" else f" --provider {provider}"
    where = f"{paths.credentials_file} for {provider}"
    fix = f"run `deepseek-tui key set{flag}` again"
    return _usable(ApiKey(stored, "file"), paths, where, fix)


def _usable(key: ApiKey, paths: Paths, where: str, fix: str) -> ApiKey:
    """`key`, remembered for masking; a `ConfigError` (that never shows it) when it
    cannot go into an HTTP header: httpx would fail on CR or LF with the key in its
    message, and on a letter outside ASCII with a UnicodeEncodeError."""
    remember_key(key.value)
    if key_problem(key.value):
        raise ConfigError(
            f"The API key in {where} holds spaces, control characters or letters outside "
            f"ASCII, so it cannot be sent: {fix} with only the key.",
            path=paths.credentials_file,
        )
    return key


def env_key_name(provider: str) -> str:
    """The environment variable that holds a provider's key unless its profile names
    another (`key_env`)."""
    if provider == "deepseek":
        return ENV_API_KEY
    return re.sub(r"[^A-Z0-9_]", "_", provider.upper()) + "_API_KEY"


# Why a typed or pasted key cannot be used: the one sentence every front end shows.
INVALID_KEY = (
    "The API key contains spaces or control characters, or letters outside ASCII; "
    "paste only the key itself."
)


def key_problem(key: str) -> str | None:
    """Why `key` (surrounding whitespace aside) cannot be a key, or None. An empty
    key is not judged here: the settings screen reads it as "keep the current one"."""
    if any(ch.isspace() or not ch.isprintable() or not ch.isascii() for ch in key.strip()):
        return INVALID_KEY
    return None


def store_api_key(paths: Paths, key: str, provider: str = "deepseek") -> str | None:
    """Save ``key`` for ``provider`` (file 0600, dir 0700), keeping every other entry;
    a line saying so when the folder it went into was open to others and was made
    private (`tighten_permissions`), else None."""
    key = key.strip()
    if not key:
        raise ValueError("The API key is empty.")
    remember_key(key)
    problem = key_problem(key)
    if problem:
        raise ValueError(problem)
    # Read first: a file we cannot parse raises here instead of being overwritten.
    data = _read_credentials(paths.credentials_file)
    data.setdefault("providers", {}).setdefault(provider, {})["api_key"] = key
    paths.ensure_dir()
    atomic_write(paths.credentials_file, tomli_w.dumps(data).encode("utf-8"), mode=0o600)
    # A folder the user made 0755 holds a key now: private at once, not at the next start.
    return tighten_permissions(paths)


def delete_api_key(paths: Paths, provider: str = "deepseek") -> bool:
    """Remove the stored key for ``provider``; True if there was one. Env is not touched."""
    data = _read_credentials(paths.credentials_file)
    providers = data.get("providers", {})
    entry = providers.get(provider, {})
    if "api_key" not in entry:
        return False
    del entry["api_key"]
    if not entry:
        del providers[provider]
    if not providers:
        data.pop("providers", None)
    if data:
        atomic_write(paths.credentials_file, tomli_w.dumps(data).encode("utf-8"), mode=0o600)
    else:
        # Nothing left worth keeping: an absent file is clearer than an empty one.
        paths.credentials_file.unlink(missing_ok=True)
    return True
