"""A tool's result as text for the model: text parts joined, every other part
described in a few words (`[image: 12 KB png]`), so nothing binary reaches the wire."""

from __future__ import annotations

import json
from typing import Any


def _size(data: str) -> str:
    """The decoded size of base64 `data`, in words."""
    size = len(data.rstrip("=")) * 3 // 4
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"


def _kind(mime: str | None) -> str:
    return (mime or "").split(";")[0].split("/")[-1] or "unknown type"


def describe_part(part: Any) -> str:
    """One content part (an SDK object or its JSON) as text."""
    get = (
        part.get
        if isinstance(part, dict)
        else lambda key, default=None: getattr(part, key, default)
    )
    kind = get("type")
    if kind == "text":
        return str(get("text") or "")
    if kind in ("image", "audio"):
        mime = get("mime_type") or get("mimeType")
        return f"[{kind}: {_size(str(get('data') or ''))} {_kind(mime)}]"
    if kind == "resource_link":
        return f"[resource link: {get('uri')}]"
    if kind == "resource":
        resource = get("resource")
        inner = (
            resource.get
            if isinstance(resource, dict)
            else lambda key, default=None: getattr(resource, key, default)
        )
        text = inner("text")
        if text is not None:
            return str(text)
        mime = inner("mime_type") or inner("mimeType")
        return f"[resource: {inner('uri')}, {_size(str(inner('blob') or ''))} {_kind(mime)}]"
    return f"[{kind or 'unknown'} part]"


def result_text(content: list[Any], structured: Any = None) -> str:
    """The parts joined by newlines; without parts, the structured content as JSON."""
    if not content and structured is not None:
        return json.dumps(structured, ensure_ascii=False)
    return "\n".join(describe_part(part) for part in content)
