"""Tool names on the wire: `server__tool` made valid for the API (`[A-Za-z0-9_-]`, at
most 64 characters), collisions resolved the same way every time, at most 128 tools."""

from __future__ import annotations

import hashlib
import re

MAX_NAME = 64
MAX_TOOLS = 128  # DeepSeek's limit on the `tools` array
SEPARATOR = "__"
_INVALID = re.compile(r"[^A-Za-z0-9_-]")


def _clean(text: str) -> str:
    return _INVALID.sub("_", text) or "_"


def wire_names(pairs: list[tuple[str, str]]) -> list[str]:
    """A wire name for each (server, tool), in order: `server__tool` with invalid
    characters made `_`, cut to 64; a name too long or already taken ends in a short
    hash of the original pair instead. The same servers and tools in the same order
    give the same names every time (a replayed history keeps meaning the same tool)."""
    taken: set[str] = set()
    out: list[str] = []
    for server, tool in pairs:
        name = f"{_clean(server)}{SEPARATOR}{_clean(tool)}"
        if len(name) > MAX_NAME or name in taken:
            digest = hashlib.sha256(f"{server}\0{tool}".encode()).hexdigest()
            for size in (6, 10, 16, 64):
                tail = f"_{digest[:size]}"
                candidate = name[: MAX_NAME - len(tail)] + tail
                if candidate not in taken:
                    name = candidate
                    break
        taken.add(name)
        out.append(name)
    return out
