"""Shared for the export tests: a valid export as `export --format json` writes it."""

from __future__ import annotations

from typing import Any


def export_of(title: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "11111111-2222-3333-4444-555555555555",
        "title": title,
        "created_at": "2026-11-23T09:00:00.000Z",
        "updated_at": "2026-11-23T09:05:00.000Z",
        "messages": [
            {
                "role": "user",
                "content": "Why?",
                "reasoning_content": None,
                "model": None,
                "finish_reason": None,
                "usage": None,
                "created_at": "2026-11-23T09:00:00.000Z",
            },
            {
                "role": "assistant",
                "content": "Because.",
                "reasoning_content": "Let me think.",
                "model": "deepseek-reasoner",
                "finish_reason": "stop",
                "usage": {
                    "prompt_tokens": 10,
                    "completion_tokens": 20,
                    "total_tokens": 31,
                    "reasoning_tokens": 5,
                    "prompt_cache_hit_tokens": 4,
                    "prompt_cache_miss_tokens": 6,
                },
                "created_at": "2026-11-23T09:00:01.500Z",
            },
        ],
    }
    data.update(changes)
    return data
