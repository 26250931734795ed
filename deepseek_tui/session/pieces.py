"""An answer's text as it streams in: `Pieces` (held once, in blocks) and
`Reasoning` (which lets go of what the store holds past its head).

A delta is a token or a few: a `str` each would cost ~50 bytes of object on top of a
few of text (200 MB of reasoning, in tokens, would hold 2.5 GB), and joining on every
read is quadratic. So pieces are joined into blocks as they come, and the whole text
only when it is read (then kept as the one block, so reads are cheap)."""

from __future__ import annotations

# Characters of small pieces joined into one block.
BLOCK_CHARS = 64 * 1024
# Characters of a reasoning always held in memory, from its start: more than any
# model's context holds (1M tokens is at most ~8M characters), so a reasoning cut
# there is never sent again whole (a turn that called tools passes it back): its
# request does not fit, and says so. Past it, the text is held only until saved.
KEPT_CHARS = 8_000_000


class Pieces:
    """Text appended a piece at a time, held once."""

    def __init__(self, text: str = "") -> None:
        self._blocks: list[str] = [text] if text else []
        self._recent: list[str] = []
        self._recent_chars = 0
        self.chars = len(text)  # how many characters it holds

    def __bool__(self) -> bool:
        return self.chars > 0

    def append(self, piece: str) -> None:
        self._recent.append(piece)
        self._recent_chars += len(piece)
        self.chars += len(piece)
        if self._recent_chars >= BLOCK_CHARS:
            self._blocks.append("".join(self._recent))
            self._recent.clear()
            self._recent_chars = 0

    def text(self) -> str:
        """All of it, joined (and kept as the one block)."""
        if len(self._blocks) + len(self._recent) > 1:
            self._blocks = ["".join([*self._blocks, *self._recent])]
            self._recent.clear()
            self._recent_chars = 0
        elif self._recent:
            self._blocks = [self._recent.pop()]
            self._recent_chars = 0
        return self._blocks[0] if self._blocks else ""

    def since(self, start: int) -> str:
        """The text from character `start` on, joining only the blocks it takes."""
        if start <= 0:
            return self.text()
        taken: list[str] = []
        left = self.chars - start
        for block in reversed([*self._blocks, *self._recent]):
            if left <= 0:
                break
            taken.append(block if len(block) <= left else block[-left:])
            left -= len(block)
        return "".join(reversed(taken))


class Reasoning:
    """A reasoning as it streams: its first `KEPT_CHARS` characters (the head) held,
    and after them only what the store does not hold yet (`release`). `chars` counts
    all that came; `cut` what is no longer held."""

    def __init__(self, text: str = "", *, cut: int = 0) -> None:
        # A continued answer starts from what its row holds, all saved already.
        self._head = Pieces(text[:KEPT_CHARS])
        self._tail = Pieces(text[KEPT_CHARS:])
        self.cut = cut  # characters after the head that were let go

    @property
    def chars(self) -> int:
        return self._head.chars + self.cut + self._tail.chars

    def __bool__(self) -> bool:
        return self.chars > 0

    @property
    def past(self) -> int:
        """Characters after what `text()` gives (0 when it gives all): let go, or held
        past the head until saved."""
        return self.chars - self._head.chars if self.cut else 0

    def append(self, piece: str) -> None:
        room = KEPT_CHARS - self._head.chars
        if room > 0 and not self._tail:
            self._head.append(piece[:room])
            piece = piece[room:]
        if piece:
            self._tail.append(piece)

    def text(self) -> str:
        """What is held: all of it, or its head once anything was let go (`cut`)."""
        if self.cut:
            return self._head.text()
        if not self._tail:
            return self._head.text()
        return self._head.text() + self._tail.text()

    def since(self, start: int) -> str:
        """The text from character `start` on (all of it held: `start` ≥ what was
        let go, as the store holds that)."""
        tail_start = self._head.chars + self.cut
        if start >= tail_start:
            return self._tail.since(start - tail_start)
        if self.cut:
            raise ValueError("That part of the reasoning was let go.")
        return self._head.since(start) + self._tail.text()

    def release(self, saved: int) -> None:
        """The store holds the first `saved` characters: let go of those past the head."""
        tail_start = self._head.chars + self.cut
        if self._head.chars < KEPT_CHARS or saved <= tail_start:
            return
        drop = min(saved - tail_start, self._tail.chars)
        self._tail = Pieces(self._tail.since(drop))
        self.cut += drop
