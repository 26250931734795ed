"""API base URLs: the built-in ones, checking one, and choosing which a provider uses."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from deepseek_tui.config.settings import Settings

DEFAULT_BASE_URL = "https://api.deepseek.com"
SEGMIND_BASE_URL = "https://api.segmind.com"
ENV_BASE_URL = "DEEPSEEK_BASE_URL"


def base_url_problem(url: str) -> str | None:
    """Why `url` cannot be an API base URL, as one plain sentence; None when it can
    (http or https, a host, a port that exists, brackets that close)."""
    url = url.strip()
    shown = url if len(url) <= 80 else url[:79] + "…"
    example = "give one like https://api.deepseek.com"
    if not url:
        return f"The base URL is empty: {example}."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port out of range or not a number
    except ValueError as error:
        return f"The base URL {shown!r} is not a valid URL ({error}): {example}."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"The base URL {shown!r} is not an http(s) URL: {example}."
    return None


def resolve_base_url(
    settings: Settings,
    override: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    provider: str = "deepseek",
) -> str:
    """The provider's API base URL, without a trailing /: ``override`` (--base-url) >
    its environment variable (``$DEEPSEEK_BASE_URL`` for DeepSeek, ``$SEGMIND_BASE_URL``
    for Segmind; a gateway has none) > its profile."""
    env = os.environ if environ is None else environ
    profile = settings.profile(provider)
    from_env = {"deepseek": ENV_BASE_URL, "segmind": "SEGMIND_BASE_URL"}.get(provider)
    candidates = (override, env.get(from_env) if from_env else None, profile.base_url)
    for candidate in candidates:
        if candidate and candidate.strip():
            return candidate.strip().rstrip("/")
    return DEFAULT_BASE_URL
