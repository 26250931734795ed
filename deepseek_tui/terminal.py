"""Text from outside (model output, server bodies, titles, files) made inert for a terminal."""

from __future__ import annotations

import re

# C0 controls (but tab and newline) and C1 controls become visible symbols, so an
# ANSI/OSC sequence or a stray backspace in a model's text is shown, never run.
_CONTROLS: dict[int, int | None] = {
    code: 0x2400 + code for code in range(32) if code not in (9, 10)
}
_CONTROLS[0x7F] = 0x2421  # DEL
_CONTROLS.update({code: 0xFFFD for code in range(0x80, 0xA0)})
_CONTROLS[13] = None  # a bare carriage return: drop it (CRLF line ends)
_HAS_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# Characters that change how the text around them is shown, or are not shown at all:
# bidi embeddings, overrides and isolates (a title can read backwards: "Trojan
# Source"), zero-width spaces and joiners, word joiners, the BOM, the Arabic letter
# mark, the Mongolian vowel separator. In a name (a title, a model id) each is
# written out as <U+202E>; in running text (an answer) joiners are needed (emoji,
# Indic and Persian scripts) and stay.
_INVISIBLE = [
    0x061C,
    0x180E,
    *range(0x200B, 0x2010),
    *range(0x202A, 0x202F),
    *range(0x2060, 0x2065),
    *range(0x2066, 0x206A),
    0xFEFF,
]
_NAME_CHARS: dict[int, int | str | None] = {
    **_CONTROLS,
    **{code: f"<U+{code:04X}>" for code in _INVISIBLE},
}
_NAME_CHARS[13] = 0x240D  # in a name a carriage return is shown too
# A name is one line: a newline in a file name or a model id is drawn, not followed
# (it split a picker's row, a chip, a header in two).
_NAME_CHARS[10] = 0x21B5  # ↵
_HAS_NAME_CHAR = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f" + "".join(f"\\u{code:04x}" for code in _INVISIBLE) + "]"
)


def sanitize(text: str, *, name: bool = False) -> str:
    """Make control characters visible so ANSI/OSC sequences are shown, not run.

    With `name` (a title, a model id, a value from the config: one line that the user
    must be able to read as it is), invisible and bidi formatting characters are
    written out too (<U+202E>), and so is a carriage return; a newline is drawn as ↵."""
    if name:
        if _HAS_NAME_CHAR.search(text) is None:
            return text
        return text.translate(_NAME_CHARS)
    if _HAS_CONTROL.search(text) is None:
        return text
    return text.translate(_CONTROLS)


def one_line(text: str, limit: int) -> str:
    """`text` inert on one line (newlines and runs of spaces as one space), at most
    `limit` characters, "…" where it was cut. Reads at most a few times `limit`, so a
    megabyte from a server costs nothing to show a line of it."""
    head = text[: limit * 4]
    line = " ".join(sanitize(head, name=True).replace("\u21b5", " ").split())
    if len(line) <= limit and len(head) == len(text):
        return line
    return line[: limit - 1] + "…"
