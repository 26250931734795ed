"""The end of a fast answer always reaches the screen (issue 16).

A long answer renders over several frames (a frame's budget, `FRAME_SECONDS`). The
race that left answers stuck short of their end: the last write and `finish()` arrive
in one step while a layout the view asked for is still pending, and the screen asks
for the view's height before that layout runs. Textual caches the height under the
view's layout counter; a view that renders part of its backlog *when asked* and
refreshes again while the layout is still pending never gets asked again.

Driven by hand: the clock the view reads advances a fixed amount per reading, so
each frame renders the same two or three blocks whatever the machine's speed, and the
screen's layout is forced at the moment that lost the height.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from deepseek_tui.tui.widgets import markdown as markdown_widget
from deepseek_tui.tui.widgets.markdown import MarkdownView
from tests.helpers import wait_for

TEXT = "".join(f"## Part {n}\n\nText of part {n}, **bold** and `code`.\n\n" for n in range(40))
END = "END-OF-ANSWER\n"


class SteppingClock:
    """`time` as the view sees it: each reading is 12 ms after the one before."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 0.012
        return self.now


class Column(App[None]):
    # A steady width: the scrollbar's coming and going is not what is tested here.
    CSS = "VerticalScroll { scrollbar-gutter: stable; }"

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield MarkdownView(id="answer")
            yield Static("under the answer", id="under")


def shown(view: MarkdownView) -> list[str]:
    return [view.render_line(y).text.rstrip() for y in range(view.size.height)]


async def test_the_last_write_and_finish_while_a_layout_is_pending(monkeypatch) -> None:
    monkeypatch.setattr(markdown_widget, "time", SteppingClock())
    app = Column()
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(MarkdownView)
        await view.write(TEXT[:300])
        await wait_for(pilot, lambda: view.settled, "the start rendered")
        # The stream's end: the last batch and finish() in one step, far more than
        # one frame renders; the view's layout is now pending...
        await view.write(TEXT[300:] + END)
        await view.finish()
        # ...and before it runs, another widget's layout goes through first (its
        # refresh handled, then the screen's reflow), which asks the view's height.
        under = app.query_one("#under", Static)
        under.update("under the answer,\nnow two lines")
        under._check_refresh()
        app.screen._refresh_layout()
        assert view._renderer is not None
        whole = [strip.text.rstrip() for strip in view._renderer.render(TEXT + END)]

        def complete() -> bool:
            return view.settled and view.size.height == len(whole)

        await wait_for(
            pilot,
            complete,
            lambda: f"stuck at {view.size.height} of {len(whole)} lines",
            timeout=20,
        )
        assert shown(view) == whole
        scroll = app.query_one(VerticalScroll)
        scroll.scroll_end(animate=False)
        await wait_for(
            pilot,
            lambda: view.region.bottom <= scroll.region.bottom and view.region.bottom > 0,
            "the answer's last line scrolled into view",
        )


async def test_asking_for_the_height_renders_nothing(monkeypatch) -> None:
    """Textual may ask for a height at any time, and caches the answer: the height
    is what is already rendered, and only the render step changes it."""
    monkeypatch.setattr(markdown_widget, "time", SteppingClock())
    app = Column()
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(MarkdownView)
        await wait_for(pilot, lambda: view.size.width > 0, "laid out")
        await view.write(TEXT)
        heights = {view.get_content_height(app.size, app.size, 58) for _ in range(5)}
        assert heights == {0}  # nothing rendered yet: asking did not render any
        await wait_for(pilot, lambda: view.settled, "rendered by its steps")
        assert view.size.height == view.get_content_height(app.size, app.size, 58) > 0
