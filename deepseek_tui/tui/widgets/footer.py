"""The key line at the bottom: Textual's `Footer`, with its keys in the first frame."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen
    from textual.widget import Widget

Keys = tuple[object, ...]


class KeysFooter(Footer):
    """Textual's footer composes no keys until its screen first publishes its
    bindings, and then only a refresh later (`call_after_refresh(recompose)`): the
    first frame had an empty key line. This one composes the keys at once, and
    recomposes only when what it shows changes (the screen publishes its bindings at
    every focus change and every `refresh_bindings`, and each recomposed the footer)."""

    def __init__(self, *, compact: bool = False) -> None:
        super().__init__(compact=compact)
        self.set_reactive(Footer._bindings_ready, True)
        self._shown: Keys | None = None

    def compose(self) -> ComposeResult:
        self._shown = self._keys(self.screen)
        yield from super().compose()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Show the keys that fit whole, from the left, and leave the rest out (help
        and the palette list every key): at 60 columns the last was cut to `^l Chat`.
        The palette's key, docked right, always stays."""
        keys = list(self.query_children("FooterKey"))  # by name: its module is private
        palette = [key for key in keys if key.has_class("-command-palette")]
        room = self.size.width - sum(_width(key) for key in palette)
        for key in keys:
            if key in palette:
                continue
            width = _width(key)
            key.display = width <= room
            room = room - width if key.display else -1  # none after the first left out

    def bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen:
            keys = self._keys(screen)
            if keys == self._shown:
                return  # a recompose would draw the same keys again
            self._shown = keys  # one recompose for a run of the same change
        super().bindings_changed(screen)

    def _keys(self, screen: Screen) -> Keys:
        """What `Footer.compose` draws: per action, its first shown binding (key,
        words, enabled, tooltip, group), then the palette's key."""
        first: dict[str, tuple[object, ...]] = {}
        active = screen.active_bindings
        for _, binding, enabled, tooltip in active.values():
            if binding.show:
                first.setdefault(
                    binding.action,
                    (binding.key, binding.description, enabled, tooltip, binding.group),
                )
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        shown_palette = palette[1:] if palette is not None else None
        return (*first.items(), shown_palette)


def _width(key: Widget) -> int:
    """The cells `key` takes: its label, its border and padding, its margins."""
    styles = key.styles
    return key.render().cell_len + styles.gutter.width + styles.margin.width
