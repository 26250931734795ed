"""The kinds of value config.toml's settings take: converting a TOML value to one, the
words a message uses for it, and checking [section.NAME] tables key by key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from deepseek_tui.config.files import ConfigError

# The names of [providers.NAME], [presets.NAME] and [mcp_servers.NAME] tables.
TABLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")

KIND_WORDS = {
    "str": "a string",
    "bool": "true or false",
    "float": "a number",
    "int": "a whole number",
    "list[str]": "a list of strings",
    "dict[str, str]": 'a table of strings, e.g. { NAME = "value" }',
    "dict[str, dict[str, float]]": (
        'a table of model prices, e.g. [prices."deepseek-chat"] with numbers '
        "cache_hit, cache_miss and output"
    ),
}
_PRICE_KEYS = {"cache_hit", "cache_miss", "output"}
WRONG = object()


def convert(value: object, kind: str) -> object:
    """Return ``value`` as ``kind``, or ``WRONG``; bool is never a number here."""
    if kind == "str":
        return value if isinstance(value, str) else WRONG
    if kind == "bool":
        return value if isinstance(value, bool) else WRONG
    if isinstance(value, bool):  # bool is an int subclass; `temperature = true` is a mistake
        return WRONG
    if kind == "float":
        return float(value) if isinstance(value, int | float) else WRONG
    if kind == "int":
        return value if isinstance(value, int) else WRONG
    if kind == "list[str]":
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return list(value)
        return WRONG
    if kind == "dict[str, str]":
        if isinstance(value, dict) and all(isinstance(item, str) for item in value.values()):
            return dict(value)
        return WRONG
    # dict[str, dict[str, float]]: the price table
    if not isinstance(value, dict):
        return WRONG
    table: dict[str, dict[str, float]] = {}
    for model, entry in value.items():
        if not isinstance(entry, dict) or not set(entry) <= _PRICE_KEYS:
            return WRONG
        numbers = {key: convert(number, "float") for key, number in entry.items()}
        if any(number is WRONG for number in numbers.values()):
            return WRONG
        table[model] = numbers  # type: ignore[assignment]
    return table


def show(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_tables(
    value: object, path: Path, section: str, noun: str, kinds: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Check `[section.NAME]` tables: a table of tables, names of letters, digits, -
    and _, each key one of `kinds` and of its kind. A `ConfigError` names the first
    wrong value."""
    if not isinstance(value, dict):
        raise invalid_value(path, f"'{section}' must be a table of [{section}.NAME] tables.")
    out: dict[str, dict[str, Any]] = {}
    for name, table in value.items():
        if not TABLE_NAME.fullmatch(name):
            raise invalid_value(
                path, f"the {noun} name {show(name)} may hold only letters, digits, - and _."
            )
        where = f"'{section}.{name}"
        if not isinstance(table, dict):
            raise invalid_value(path, f"{where}' must be a table.")
        entry: dict[str, Any] = {}
        for key, item in table.items():
            kind = kinds.get(key)
            if kind is None:
                raise invalid_value(
                    path, f"{where}' has no setting {key!r} (it takes {', '.join(kinds)})."
                )
            converted = convert(item, kind)
            if converted is WRONG:
                raise invalid_value(
                    path, f"{where}.{key}' must be {KIND_WORDS[kind]}, got {show(item)}."
                )
            entry[key] = converted
        out[name] = entry
    return out


def invalid_value(path: Path, message: str) -> ConfigError:
    return ConfigError(f"Invalid value in {path}: {message}", path=path)
