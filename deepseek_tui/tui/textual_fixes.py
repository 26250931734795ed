"""Fixes for bugs in Textual (pinned at 8.2.8), each the change it would be upstream.

`apply()` runs once, when the app module is imported. Each fix is written up with its
reproduction in docs/upstream/; drop it here when a Textual release carries it.
"""

from __future__ import annotations

import functools
from typing import Any

from textual import events
from textual.widget import Widget

_applied = False


def apply() -> None:
    """Install every fix (once; later calls do nothing)."""
    global _applied
    if _applied:
        return
    _applied = True
    Widget.refresh = _refresh_misses_the_box_model_cache(Widget.refresh)  # type: ignore[method-assign]
    from textual.widgets import Input, TextArea

    for editor in (Input, TextArea):
        editor._on_key = _own_bindings_inline(editor._on_key)  # type: ignore[method-assign]


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


def _own_bindings_inline(on_key: Any) -> Any:
    """Keys in the order they were typed (textual#6605; the approach of textual PR
    #6631). An editor handles printable keys in `_on_key`, but its bound keys
    (backspace, arrows, ctrl+u…) bubble up to the app before their action runs, so
    keys that arrive in one read (a fast typist, a paste of keys over SSH, a busy app)
    are applied out of order: `foo⌫bar` gave `fooba`. The editor runs its own
    non-priority bindings inline instead, as the app would have (priority bindings
    were already checked before the key reached it; the focused widget is the first
    namespace of the binding chain, so the same action runs)
    (docs/upstream/textual-key-order.md)."""

    @functools.wraps(on_key)
    async def fixed(self: Widget, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.priority:
                continue
            if await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return
        await on_key(self, event)

    return fixed
