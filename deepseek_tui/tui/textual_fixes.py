"""Fixes for bugs in Textual (pinned at 8.2.8), each the change it would be upstream.

`apply()` runs once, when the app module is imported. Each fix is written up with its
reproduction in docs/upstream/; drop it here when a Textual release carries it.
"""

from __future__ import annotations

import functools
from typing import Any

from textual.widget import Widget

_applied = False


def apply() -> None:
    """Install every fix (once; later calls do nothing)."""
    global _applied
    if _applied:
        return
    _applied = True
    Widget.refresh = _refresh_misses_the_box_model_cache(Widget.refresh)  # type: ignore[method-assign]


def _refresh_misses_the_box_model_cache(refresh: Any) -> Any:
    """`refresh(layout=True)` bumps `_layout_updates` (part of the box model's cache
    key) only when no layout is pending. A height asked for between two changes is
    then cached under the key the pending layout will use, and the second change is
    never laid out: a `Static` updated twice shows its first text's height for good
    (docs/upstream/textual-refresh-layout.md). Upstream the fix is to bump the counter
    on every `refresh(layout=True)`; one Layout message is still posted."""

    @functools.wraps(refresh)
    def fixed(self: Widget, *regions: Any, layout: bool = False, **options: Any) -> Widget:
        if layout and self._layout_required:
            self._layout_updates += 1
        return refresh(self, *regions, layout=layout, **options)

    return fixed
